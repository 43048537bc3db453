"""One recipient: the checks every row passes, the same ones the send applies to its headers.

Reading list files (encodings, CSV dialects, export formats, plain lists) is `lists`; checking
a whole list and streaming it to the send is `recipient_list`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from digest.errors import DigestError, ExitCode
from digest.mail.headers import name_problem

logger = logging.getLogger(__name__)

# A display name or merge value longer than this is a broken row, not a person.
MAX_VALUE_CHARS = 500
FORBIDDEN_CHARS = ("\r", "\n", "\0")
# Merge values go into the bodies, not headers: a tab is harmless there, other controls are not.
VALUE_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# RFC 5321: 64 characters of local part, 254 for the whole address.
MAX_LOCAL_CHARS = 64
MAX_ADDRESS_CHARS = 254
# The common address shape, checked without the full validator (which costs ~50 µs an address,
# most of a million-row list's load time). Only plain ASCII dot-atoms at ASCII domains with an
# alphabetic top-level label take this path; everything else goes to email-validator, and a
# test checks that both agree on every address this path accepts. The local part is checked by
# one character class and three string tests (a dotted-atom pattern costs 3x as much); the
# domain once per list, from a cache, since a list's addresses share few domains.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Special-use names (RFC 6761 and friends) that email-validator refuses; they take the slow path.
_SPECIAL_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test", "internal"})
# RFC 2142's role mailboxes, whose case email-validator folds ("NEWS@" -> "news@").
_ROLE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_MAX_ROLE_CHARS = max(map(len, _ROLE_MAILBOXES))
# Domains remembered (as written -> lower case, or None for the validator's job); the cache is
# emptied when full, so a list of a million different domains costs no more memory than this.
MAX_CACHED_DOMAINS = 20_000
_domains: dict[str, str | None] = {}


__all__ = [
    "Recipient",
    "RecipientsError",
    "RowProblem",
    "check_address",
    "check_value",
    "fast_address",
    "name_problem",
]


@dataclass(frozen=True, slots=True)
class Recipient:
    """One reader: a validated ASCII address, a display name and merge values."""

    email: str
    name: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    line: int = 0  # the list line it came from, for reports

    def field(self, name: str) -> str:
        """A merge value ('' when the list has no such column); email and name included."""
        if name == "email":
            return self.email
        if name == "name":
            return self.name or ""
        for key, value in self.fields:
            if key == name:
                return value
        return ""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad row, named by its line in the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class RecipientsError(DigestError):
    """The recipient list has bad rows (or cannot be read); nothing was sent."""

    exit_code = ExitCode.RECIPIENTS


def _common_domain(domain: str) -> str | None:
    """`domain` in lower case if it has the common shape (no IDNA question, no special name)."""
    lowered = domain.lower()
    if (
        _DOMAIN.fullmatch(lowered)
        and lowered[lowered.rfind(".") + 1 :] not in _SPECIAL_TLDS
        and not any(label[2:4] == "--" for label in lowered.split("."))  # IDNA's rules
    ):
        return lowered
    return None


def fast_address(text: str) -> str | None:
    """The normalized address when `text` has the common shape, else None (use the validator)."""
    at = text.find("@")
    if not 0 < at <= MAX_LOCAL_CHARS or len(text) > MAX_ADDRESS_CHARS:
        return None
    local = text[:at]
    if not (local.isascii() and local.isalnum()) and (  # most local parts: letters and digits
        not _LOCAL.fullmatch(local) or local[0] == "." or local[-1] == "." or ".." in local
    ):
        return None  # (the character class holds no "@": a second one fails here too)
    domain = text[at + 1 :]
    try:
        lowered = _domains[domain]
    except KeyError:
        if len(_domains) >= MAX_CACHED_DOMAINS:
            _domains.clear()
        lowered = _domains[domain] = _common_domain(domain)
    if lowered is None:
        return None
    if at <= _MAX_ROLE_CHARS and local.lower() in _ROLE_MAILBOXES:
        local = local.lower()
    elif lowered is domain or lowered == domain:
        return text
    return f"{local}@{lowered}"


def check_address(text: str) -> str:
    """A validated address in its ASCII form (no DNS lookups); raises ValueError."""
    fast = fast_address(text)  # its pattern holds no line break or NUL
    if fast is not None:
        return fast
    if any(ch in text for ch in FORBIDDEN_CHARS):
        raise ValueError("the address contains a line break or NUL")
    try:
        # No SMTPUTF8: every server along the way must be able to take the address.
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return result.ascii_email or result.normalized


def check_value(column: str, value: str) -> str | None:
    """Why a name or merge value is refused (None when it is fine)."""
    if any(ch in value for ch in FORBIDDEN_CHARS):
        return f"{column} contains a line break or NUL, which is refused"
    if len(value) > MAX_VALUE_CHARS:
        return f"{column} is longer than {MAX_VALUE_CHARS} characters"
    if column == "name":
        problem = name_problem(value)  # the same rule as the To header at send time
        return f"name {problem}, which is refused in the To header" if problem else None
    if VALUE_CONTROL_CHARS.search(value):
        return f"{column} contains a control character, which is refused"
    return None
