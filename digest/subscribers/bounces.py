"""`digest bounces import`: bounces matched to sends through the journal, then suppressed.

A report is matched to the message that bounced by its Message-ID (digest's are derived from
edition and address, so they are recomputed, never stored) or, when the bounce returned no
headers, by the failed address and the newest edition sent to it before the bounce arrived.
Hard bounces are suppressed at once; soft ones are counted per edition and suppress after
`[bounces] soft_limit` editions in a row; complaints are suppressed; warnings are reported.
Nothing is guessed: a report that matches no send is listed as unmatched and changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from digest.delivery.journal import Journal, State, default_journal_path
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.errors import DigestError, ExitCode
from digest.mail.message import message_id
from digest.subscribers.dsn import Failure, Kind, Report, read_report
from digest.subscribers.mailboxes import read_messages
from digest.subscribers.publication import open_publication

logger = logging.getLogger(__name__)

# A bounce can only be about a message sent before it: allow for clocks a little out of step.
CLOCK_SLACK_S = 3600
# A lost confirmation (unknown) or a crash mid-send (sending) may still have been delivered.
DELIVERED_STATES = (State.SENT, State.SENDING, State.UNKNOWN)
MAX_SOURCE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one failed recipient led to."""

    label: str  # where in the mailbox: "message 3" or a Maildir key
    address: str
    edition: str
    kind: Kind
    status: str
    action: str  # what was done, in words


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A report that matches no send: listed, never acted on."""

    label: str
    subject: str
    address: str
    why: str


@dataclass(slots=True)
class BounceImport:
    """Everything an import read and did."""

    messages: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    not_bounces: list[tuple[str, str]] = field(default_factory=list)  # (label, subject)
    dry_run: bool = False

    def count(self, action_prefix: str) -> int:
        """How many outcomes' actions start with these words."""
        return sum(1 for outcome in self.outcomes if outcome.action.startswith(action_prefix))


class _Matcher:
    """Finds the (edition, address) a failure is about, from the journal."""

    def __init__(self, journal: Journal, wanted: set[str]) -> None:
        self.journal = journal
        self.rows: dict[str, list[tuple[str, State, float]]] = defaultdict(list)
        for edition, address, state, updated in journal.deliveries_to(wanted):
            self.rows[address].append((edition, state, updated))
        self.by_message_id: dict[str, tuple[str, str]] = {}

    def resolve_message_ids(self, wanted: set[str]) -> None:
        """Recompute Message-IDs across the journal for reports whose address we never sent to
        (a forwarded address); one pass, one edition in memory at a time."""
        if not wanted:
            return
        domains = {mid.rsplit("@", 1)[-1].rstrip(">") for mid in wanted}
        for edition in self.journal.editions():
            for address in self.journal.states(edition):
                for domain in domains:
                    candidate = message_id(f"{edition}\n{address}", domain)
                    if candidate in wanted:
                        self.by_message_id[candidate] = (edition, address)

    def editions_sent(self, address: str) -> list[str]:
        """The editions delivered to an address, oldest first."""
        return sorted(e for e, state, _ in self.rows.get(address, []) if state in DELIVERED_STATES)

    def match(self, failure: Failure, report: Report) -> tuple[str, str] | str:
        """(edition, address), or why there is no match."""
        if report.message_id:
            domain = report.message_id.rsplit("@", 1)[-1].rstrip(">")
            for address in failure.addresses:
                for edition, _, _ in self.rows.get(address, []):
                    if message_id(f"{edition}\n{address}", domain) == report.message_id:
                        return edition, address
            found = self.by_message_id.get(report.message_id)
            if found is not None:
                return found
            return f"the returned message {report.message_id} is not from a send in the journal"
        latest = report.date + CLOCK_SLACK_S if report.date else float("inf")
        for address in failure.addresses:
            sent = [
                (edition, updated)
                for edition, state, updated in self.rows.get(address, [])
                if state in DELIVERED_STATES and updated <= latest
            ]
            if sent:
                return max(sent)[0], address
        return "no returned headers, and no send in the journal went to this address"


def _soft_streak(
    matcher: _Matcher, suppressions: SuppressionList, address: str, edition: str
) -> int:
    """Editions in a row, ending with `edition`, that soft-bounced for this address."""
    bounced = suppressions.soft_bounced_editions(address)
    streak = 0
    for sent in reversed([e for e in matcher.editions_sent(address) if e <= edition]):
        if sent not in bounced:
            break
        streak += 1
    return streak


def _source(edition: str, failure: Failure) -> str:
    words = " ".join(part for part in (failure.status, failure.detail) if part)
    return f"bounce {edition}: {words}"[:MAX_SOURCE_CHARS]


def _apply(
    suppressions: SuppressionList,
    matcher: _Matcher,
    failure: Failure,
    edition: str,
    address: str,
    when: float,
    soft_limit: int,
    dry_run: bool,
) -> str:
    """Record one matched failure; returns what was done, in words."""
    if failure.kind is Kind.DELAYED:
        return "warning only (the server is still trying)"
    if suppressions.get(address) is not None:
        return "already suppressed"
    reason = {Kind.HARD: Reason.HARD_BOUNCE, Kind.COMPLAINT: Reason.COMPLAINT}.get(failure.kind)
    if reason is not None:
        if not dry_run:
            suppressions.add(address, reason, source=_source(edition, failure), when=when)
        return f"suppressed ({reason.value})"
    if dry_run:
        return "soft bounce (would be counted)"
    suppressions.record_soft_bounce(address, edition, failure.status, when)
    streak = _soft_streak(matcher, suppressions, address, edition)
    if streak >= soft_limit:
        source = f"{streak} soft bounces in a row; " + _source(edition, failure)
        suppressions.add(address, Reason.SOFT_BOUNCES, source=source, when=when)
        return f"suppressed ({streak} soft bounces in a row)"
    return f"soft bounce counted ({streak} of {soft_limit} in a row)"


def import_bounces(
    where: Path,
    mailbox_path: Path,
    *,
    journal_path: Path | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BounceImport:
    """Read every message in a mailbox and act on the bounces that match a send."""
    folder = open_publication(where)
    soft_limit = folder.publication.bounces.soft_limit
    result = BounceImport(dry_run=dry_run)
    reports: list[tuple[str, Report]] = []
    for label, data in read_messages(mailbox_path):
        result.messages += 1
        report = read_report(data)
        if report.failures:
            reports.append((label, report))
        else:
            result.not_bounces.append((label, report.subject))
        if progress is not None:
            progress(result.messages)
    wanted = {address for _, r in reports for f in r.failures for address in f.addresses}
    journal_path = journal_path or default_journal_path(folder.root)
    if not journal_path.exists():
        raise DigestError(
            f"no send journal at {journal_path}: bounces are matched to the messages `digest "
            "send` sent, through its journal (give another one with --journal)",
            exit_code=ExitCode.CONFIG,
        )
    suppression_path = default_suppression_path(folder.root)
    with contextlib.ExitStack() as stack:
        if dry_run and not suppression_path.exists():  # a dry run creates nothing
            suppression_path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "s"
        _match_and_apply(result, reports, wanted, journal_path, suppression_path, soft_limit)
    logger.info(
        "bounces: %d messages, %d matched failures, %d unmatched",
        result.messages,
        len(result.outcomes),
        len(result.unmatched),
    )
    return result


def _match_and_apply(
    result: BounceImport,
    reports: list[tuple[str, Report]],
    wanted: set[str],
    journal_path: Path,
    suppression_path: Path,
    soft_limit: int,
) -> None:
    dry_run = result.dry_run
    with Journal(journal_path) as journal:
        matcher = _Matcher(journal, wanted)
        unresolved = {
            r.message_id
            for _, r in reports
            if r.message_id and not any(a in matcher.rows for f in r.failures for a in f.addresses)
        }
        matcher.resolve_message_ids(unresolved)
        with SuppressionList(suppression_path) as suppressions:
            for label, report in reports:
                when = report.date or time.time()
                for failure in report.failures:
                    match = matcher.match(failure, report)
                    if isinstance(match, str):
                        shown = failure.addresses[0]
                        result.unmatched.append(Unmatched(label, report.subject, shown, match))
                        continue
                    edition, address = match
                    action = _apply(
                        suppressions, matcher, failure, edition, address, when, soft_limit, dry_run
                    )
                    result.outcomes.append(
                        Outcome(label, address, edition, failure.kind, failure.status, action)
                    )
