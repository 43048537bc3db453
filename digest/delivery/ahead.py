"""What a list send would do now, counted before it asks, and the words of the question."""

from __future__ import annotations

from digest.delivery.journal import Journal
from digest.delivery.options import OnUnknown, SendSummary
from digest.delivery.plan import Outlook, outlook
from digest.delivery.recipients import Recipient
from digest.delivery.suppression import SuppressionList, normalize_address

# A suppression list up to this size is read into memory once (about 5 MB) for the counts a
# send shows before it asks; a larger one is asked a batch at a time.
SUPPRESSIONS_IN_MEMORY = 50_000


class OutlookCounter:
    """What a send would do now, counted batch by batch as the list is checked (a
    `BatchListener`), with the list's fingerprint for the approval and the history.

    On a first send nobody has an entry in the journal: a reader is to send unless suppressed,
    and only a question needs that count (`counts` is False under --yes: the send checks the
    suppression list anyway). Once the journal knows the edition, `outlook` decides as `plan`
    will, so that a run with nothing left to send says so before it connects anywhere.
    """

    def __init__(
        self,
        edition_key: str,
        journal: Journal | None,
        suppressions: SuppressionList,
        on_unknown: OnUnknown,
        into: Outlook,
        *,
        ask: bool,
    ) -> None:
        self.edition_key, self.journal, self.suppressions = edition_key, journal, suppressions
        self.on_unknown, self.into = on_unknown, into
        self.known = journal is not None and journal.has(edition_key)
        self.counts = self.known or ask
        # Most suppression lists are a small share of the list: one read, then set lookups,
        # instead of a query per batch (1-2 µs an address).
        self.suppressed: set[str] | None = None
        small = self.counts and not self.known
        if small and sum(suppressions.counts().values()) <= SUPPRESSIONS_IN_MEMORY:
            self.suppressed = {entry.address for entry in suppressions.entries()}

    def __call__(self, addresses: list[str]) -> None:
        into = self.into
        if self.known:
            counted = outlook(
                self.edition_key,
                [Recipient(a) for a in addresses],
                self.journal,
                self.suppressions,
                self.on_unknown,
            )
            into.to_send += counted.to_send
            into.resend += counted.resend
            into.sent_earlier += counted.sent_earlier
            into.failed_earlier += counted.failed_earlier
            into.unknown_held += counted.unknown_held
            into.suppressed += counted.suppressed
            into.fingerprint.merge(counted.fingerprint)
            return
        normalized = list(map(normalize_address, addresses))
        into.fingerprint.add_all(normalized)
        if not self.counts:
            return
        if self.suppressed is None:
            blocked = len(self.suppressions.suppressed(addresses))
        else:
            known = self.suppressed
            blocked = sum(1 for a in normalized if a in known) if known else 0
        into.suppressed += blocked
        into.to_send += len(addresses) - blocked


def nothing_to_send(total: int, ahead: Outlook, subject: str, transport: str) -> SendSummary:
    return SendSummary(
        total=total,
        subject=subject,
        transport=transport,
        skipped=ahead.sent_earlier,
        failed_earlier=ahead.failed_earlier,
        unknown_skipped=ahead.unknown_held,
        suppressed=ahead.suppressed,
    )


def connections_note(transport: str, connections: int) -> str:
    if transport != "smtp":
        return ""
    return f" over {connections} connection{'s' if connections != 1 else ''}"


def already_note(sent: int, suppressed: int, resend: int) -> str:
    parts = []
    if sent:
        parts.append(f"{sent:,} already sent")
    if suppressed:
        parts.append(f"{suppressed:,} suppressed (unsubscribed, bounced or paused)")
    if resend:
        parts.append(f"{resend:,} unconfirmed from an earlier run, sent once more")
    return f" ({'; '.join(parts)})" if parts else ""
