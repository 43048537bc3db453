"""Which system exported a list, and what each row's status means: named by the header row.

Each format is told apart by columns only it writes (studied from the services' own exports):

- Mailchimp: `Email Address`, `MEMBER_RATING`, `OPTIN_TIME`, `LEID`...; its audience export is a
  ZIP of three files, the subscribed one, the unsubscribed one (`UNSUB_TIME`) and the cleaned
  one (`CLEAN_TIME`, addresses that bounced). The file's kind is its rows' status.
- listmonk: `uuid,email,name,attributes,status,created_at,updated_at`; `status` is `enabled`,
  `disabled` (still mailed by listmonk) or `blocklisted` (never mailed).
- Ghost members: `id,email,name,note,subscribed_to_emails,...` (`subscribed` before Ghost 5);
  `false` means the member turned newsletters off.
- Substack: `email,active_subscription,expiry,...,email_disabled,...`; `email_disabled=true`
  means no email, and `@deletion-request.substack.com` addresses are readers who left.
- Buttondown: `email` or `email_address`, `creation_date`, and `subscriber_type` (`type` in
  newer exports): `unsubscribed`, `undeliverable`, `spammy`, `removed`, `unactivated`...
- digest's own suppression export (`email,reason,date,source`) and any list with a status,
  reason or type column: its words are read (`unsubscribed`, `bounced`, `blocklisted`...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]+")


class Status(StrEnum):
    """What a list says about one reader; only SUBSCRIBED (or no status at all) is mailed."""

    SUBSCRIBED = "subscribed"
    UNCONFIRMED = "unconfirmed"  # signed up, never confirmed: not mailed, not suppressed
    UNSUBSCRIBED = "unsubscribed"
    CLEANED = "cleaned"  # bounced for good (Mailchimp's word): a hard bounce
    SOFT_BOUNCED = "soft-bounced"  # bounced temporarily too often
    COMPLAINED = "complained"  # marked the mail as spam
    BLOCKLISTED = "blocklisted"  # blocked by the newsroom (listmonk's word)

    @property
    def mailed(self) -> bool:
        """True only for a reader the list says may be mailed."""
        return self is Status.SUBSCRIBED

    @property
    def suppressed(self) -> bool:
        """True for a reader who belongs on the suppression list."""
        return self not in (Status.SUBSCRIBED, Status.UNCONFIRMED)


# A status cell's words, compared in lower case; words not listed mean "subscribed".
STATUS_WORDS: dict[str, Status] = {
    **dict.fromkeys(
        ("unsubscribed", "unsubscribe", "unsub", "opted-out", "opted out", "optout", "opt-out"),
        Status.UNSUBSCRIBED,
    ),
    **dict.fromkeys(("deleted", "left"), Status.UNSUBSCRIBED),
    **dict.fromkeys(
        ("subscribed", "active", "enabled", "confirmed", "regular", "premium", "free", "paid"),
        Status.SUBSCRIBED,
    ),
    **dict.fromkeys(
        (
            "cleaned",
            "bounced",
            "bounce",
            "hard-bounce",
            "hard bounce",
            "hardbounce",
            "hard_bounce",
            "undeliverable",
            "invalid",
        ),
        Status.CLEANED,
    ),
    **dict.fromkeys(
        ("soft-bounces", "soft-bounce", "soft bounce", "softbounce"), Status.SOFT_BOUNCED
    ),
    **dict.fromkeys(
        ("complaint", "complained", "spam", "abuse", "spam complaint"), Status.COMPLAINED
    ),
    **dict.fromkeys(
        ("blocklisted", "blacklisted", "blocked", "banned", "spammy", "manual", "suppressed"),
        Status.BLOCKLISTED,
    ),
    **dict.fromkeys(("unconfirmed", "unactivated", "pending", "not confirmed"), Status.UNCONFIRMED),
}
# An SMTP enhanced status code in a bounce export's status column (RFC 3463): 5.x.x is final.
ENHANCED_CODE = re.compile(r"([45])\.\d{1,3}\.\d{1,3}")
TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t"})
SUBSTACK_DELETED = "@deletion-request.substack.com"

StatusReader = Callable[[Sequence[str], str], tuple[Status | None, str]]
"""(cells, address) -> (status or None when the row says nothing, the words behind it)."""


def header_key(cell: str) -> str:
    """A header cell as compared: 'Email Address' and 'email_address' -> 'emailaddress'."""
    return _NOT_KEY_CHARS.sub("", cell.strip().lower())


def status_word(value: str) -> Status | None:
    """The status a cell's words name; None when they name none we know."""
    words = value.strip().lower()
    if not words:
        return None
    found = STATUS_WORDS.get(words)
    if found is not None:
        return found
    code = ENHANCED_CODE.search(words)
    if code:
        return Status.CLEANED if code.group(1) == "5" else Status.SOFT_BOUNCED
    return None


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """A list's origin, and how its rows say who may be mailed."""

    name: str  # "Mailchimp cleaned export", "listmonk export", "CSV with a header row"...
    service: str = ""  # "Mailchimp", "listmonk"...; "" for a list nobody's export
    file_status: Status | None = None  # every row's status, when the file says it as a whole
    status_column: str = ""  # the header cell behind each row's status, for reports
    date_keys: tuple[str, ...] = ()  # header keys of the date that row's status is from

    @property
    def suppression_list(self) -> bool:
        """True for an export of addresses not to mail (unsubscribed, cleaned, ...)."""
        return self.file_status is not None and self.file_status.suppressed


MAILCHIMP_MARKERS = frozenset(
    {"memberrating", "optintime", "confirmtime", "leid", "euid", "lastchanged", "optinip"}
)
DIGEST_EXPORT = ("email", "reason", "date", "source")
GENERIC_STATUS_KEYS = (
    "status",
    "reason",
    "type",
    "state",
    "subscriptionstatus",
    "suppressionreason",
    "subscribertype",
)
GENERIC_DATE_KEYS = (
    "date",
    "created",
    "createdat",
    "timestamp",
    "time",
    "when",
    "suppressedat",
    "unsubscribedat",
    "bouncedat",
    "subscribedat",
)


def _column(keys: Sequence[str], *names: str) -> int | None:
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _words(index: int, column: str) -> StatusReader:
    """The status a column's words say; words we do not know mean nothing."""

    def read(cells: Sequence[str], address: str) -> tuple[Status | None, str]:
        value = cells[index].strip()
        return status_word(value), f"{column} {value}" if value else ""

    return read


def _listmonk(index: int) -> StatusReader:
    """listmonk mails `enabled` and `disabled` subscribers alike; `blocklisted` ones never."""

    def read(cells: Sequence[str], address: str) -> tuple[Status | None, str]:
        value = cells[index].strip()
        if value.lower() == "blocklisted":
            return Status.BLOCKLISTED, "listmonk status blocklisted"
        return (Status.SUBSCRIBED, "") if value else (None, "")

    return read


def _flag(index: int, column: str, *, off_when: bool) -> StatusReader:
    """A true/false column: the reader is unsubscribed when it reads `off_when`."""

    def read(cells: Sequence[str], address: str) -> tuple[Status | None, str]:
        value = cells[index].strip().lower()
        if not value:
            return None, ""
        if (value in TRUE_WORDS) == off_when:
            return Status.UNSUBSCRIBED, f"{column} {value}"
        return Status.SUBSCRIBED, ""

    return read


def _substack(index: int | None) -> StatusReader:
    flag = _flag(index, "email_disabled", off_when=True) if index is not None else None

    def read(cells: Sequence[str], address: str) -> tuple[Status | None, str]:
        if address.lower().endswith(SUBSTACK_DELETED):
            return Status.UNSUBSCRIBED, "a Substack deletion request"
        return flag(cells, address) if flag else (Status.SUBSCRIBED, "")

    return read


def _buttondown(index: int | None, unsubscribed: int | None, column: str) -> StatusReader:
    def read(cells: Sequence[str], address: str) -> tuple[Status | None, str]:
        if index is not None:
            value = cells[index].strip()
            if value:
                return status_word(value) or Status.SUBSCRIBED, f"{column} {value}"
        if unsubscribed is not None and cells[unsubscribed].strip():
            return Status.UNSUBSCRIBED, "unsubscription_date set"
        return Status.SUBSCRIBED, ""

    return read


def detect(header: Sequence[str]) -> tuple[ExportFormat, StatusReader | None]:
    """The format a header row names, and how to read each row's status (None: rows say none)."""
    keys = [header_key(cell) for cell in header]
    present = set(keys)
    if present & MAILCHIMP_MARKERS or {"unsubtime", "cleantime"} & present:
        if "cleantime" in present:
            kind, status = "cleaned", Status.CLEANED
        elif "unsubtime" in present:
            kind, status = "unsubscribed", Status.UNSUBSCRIBED
        else:
            kind, status = "subscribed", Status.SUBSCRIBED
        column = {"cleaned": "CLEAN_TIME", "unsubscribed": "UNSUB_TIME"}.get(kind, "")
        dates = (header_key(column),) if column else ("optintime",)
        return ExportFormat(f"Mailchimp {kind} export", "Mailchimp", status, column, dates), None
    if {"uuid", "email", "attributes", "status"} <= present:
        return (
            ExportFormat("listmonk export", "listmonk", None, "status", ("createdat",)),
            _listmonk(keys.index("status")),
        )
    ghost = _column(keys, "subscribedtoemails")
    if ghost is None and {"subscribed", "complimentaryplan"} <= present:
        ghost = keys.index("subscribed")
    if ghost is not None and "email" in present:
        column = header[ghost].strip()
        return (
            ExportFormat("Ghost members export", "Ghost", None, column, ("createdat",)),
            _flag(ghost, f"Ghost {column}", off_when=False),
        )
    if "email" in present and {"emaildisabled", "activesubscription"} & present:
        return (
            ExportFormat("Substack export", "Substack", None, "email_disabled", ("createdat",)),
            _substack(_column(keys, "emaildisabled")),
        )
    if "creationdate" in present and {"email", "emailaddress"} & present:
        index = _column(keys, "subscribertype", "type")
        column = f"Buttondown {header[index].strip()}" if index is not None else ""
        unsubscribed = _column(keys, "unsubscriptiondate")
        return (
            ExportFormat("Buttondown export", "Buttondown", None, column, ("creationdate",)),
            _buttondown(index, unsubscribed, column),
        )
    if tuple(keys) == DIGEST_EXPORT:
        return (
            ExportFormat(
                "digest suppression export",
                "digest",
                Status.BLOCKLISTED,
                "reason",
                ("date",),
            ),
            _suppression_words(keys.index("reason")),
        )
    index = _column(keys, *GENERIC_STATUS_KEYS)
    generic_dates = tuple(key for key in GENERIC_DATE_KEYS if key in present)
    if index is None:
        return ExportFormat("CSV with a header row", date_keys=generic_dates), None
    column = header[index].strip()
    generic = ExportFormat("CSV with a header row", "", None, column, generic_dates)
    return generic, _words(index, column)


def _suppression_words(index: int) -> StatusReader:
    """digest's own export: every row is suppressed; its reason says why (manual by default)."""

    def read(cells: Sequence[str], address: str) -> tuple[Status | None, str]:
        value = cells[index].strip()
        return status_word(value) or Status.BLOCKLISTED, f"reason {value}" if value else ""

    return read
