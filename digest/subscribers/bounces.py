"""`digest bounces import`: reports proven to be about our mail change readers' states.

Bounces and complaints arrive by mail, from anyone. One changes a reader's state only when it
quotes the bounce tag of a message the journal says went to that reader (digest.subscribers.
verify): hard bounces are suppressed at once; soft ones are counted per edition and suppress
after `[bounces] soft_limit` editions in a row; complaints are suppressed; warnings are
reported. A report nothing proves (no returned headers, an older untagged Message-ID, a
complaint quoting no message of ours) is recorded as "reported, unverified" with its likely
edition, shown here and by `digest status`, and acted on only with `accept_unverified`.
Each message is read on its own: one that cannot be read is named and skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from digest.delivery.journal import Journal, default_journal_path
from digest.delivery.personalize import read_secret
from digest.delivery.suppression import (
    Reason,
    SuppressionList,
    UnverifiedReport,
    default_suppression_path,
)
from digest.errors import DigestError, ExitCode
from digest.mail.tags import tag_key
from digest.store.subscribers import SubscriberStore
from digest.subscribers.dsn import Failure, Kind, Report, read_report
from digest.subscribers.mailboxes import read_messages
from digest.subscribers.membership import STATUS_OF_REASON
from digest.subscribers.publication import open_publication
from digest.subscribers.verify import Doubtful, Proven, Verifier

logger = logging.getLogger(__name__)

BOUNCE_HOW = "bounce report"

MAX_SOURCE_CHARS = 200
# Why a message could not be read, as shown: enough to find it, never a whole traceback.
MAX_PROBLEM_CHARS = 200
REPORT_ID_HEX = 16


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one failed recipient led to."""

    label: str  # where in the mailbox: "message 3" or a Maildir key
    address: str
    edition: str
    kind: Kind
    status: str
    action: str  # what was done, in words
    verified: bool = True


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A report about nobody we sent to: listed, never acted on."""

    label: str
    subject: str
    address: str
    why: str


@dataclass(frozen=True, slots=True)
class Unverified:
    """A report about a reader of ours that nothing proves: recorded, not acted on."""

    label: str
    subject: str
    address: str
    edition: str  # the likely edition, "" when none fits
    kind: Kind
    status: str
    why: str


@dataclass(slots=True)
class BounceImport:
    """Everything an import read and did."""

    messages: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    unverified: list[Unverified] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    not_bounces: list[tuple[str, str]] = field(default_factory=list)  # (label, subject)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    dry_run: bool = False
    accept_unverified: bool = False

    def count(self, action_prefix: str) -> int:
        """How many outcomes' actions start with these words."""
        return sum(1 for outcome in self.outcomes if outcome.action.startswith(action_prefix))


@dataclass(frozen=True, slots=True)
class _Read:
    label: str
    report: Report
    digest: str  # a hash of the message's bytes


def _source(edition: str, failure: Failure) -> str:
    words = " ".join(part for part in (failure.status, failure.detail) if part)
    return f"bounce {edition}: {words}"[:MAX_SOURCE_CHARS]


def _soft_streak(
    verifier: Verifier, suppressions: SuppressionList, address: str, edition: str
) -> int:
    """Editions in a row, ending with `edition`, that soft-bounced for this address."""
    bounced = suppressions.soft_bounced_editions(address)
    streak = 0
    for sent in reversed([e for e in verifier.editions_sent(address) if e <= edition]):
        if sent not in bounced:
            break
        streak += 1
    return streak


def _apply(
    suppressions: SuppressionList,
    verifier: Verifier,
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
            _mark(suppressions.path, address, reason, when)
        return f"suppressed ({reason.value})"
    if dry_run:
        return "soft bounce (would be counted)"
    suppressions.record_soft_bounce(address, edition, failure.status, when)
    streak = _soft_streak(verifier, suppressions, address, edition)
    if streak >= soft_limit:
        source = f"{streak} soft bounces in a row; " + _source(edition, failure)
        suppressions.add(address, Reason.SOFT_BOUNCES, source=source, when=when)
        _mark(suppressions.path, address, Reason.SOFT_BOUNCES, when)
        return f"suppressed ({streak} soft bounces in a row)"
    return f"soft bounce counted ({streak} of {soft_limit} in a row)"


def _mark(path: Path, address: str, reason: Reason, when: float) -> None:
    """A reader of the store takes the status the suppression says (bounced, complained)."""
    with SubscriberStore(path) as store:
        store.set_status(address, STATUS_OF_REASON[reason], BOUNCE_HOW, when=when)


def _read_mailbox(
    mailbox_path: Path, result: BounceImport, progress: Callable[[int], None] | None
) -> list[_Read]:
    """Every bounce in the mailbox; a message that cannot be read is named and passed over."""
    reports: list[_Read] = []
    for entry in read_messages(mailbox_path):
        result.messages += 1
        if progress is not None:
            progress(result.messages)
        if entry.data is None:
            result.unreadable.append((entry.label, entry.problem))
            continue
        try:
            report = read_report(entry.data)
        except Exception as error:  # any parser failure is this message's alone
            why = f"cannot be parsed ({type(error).__name__}: {error})"[:MAX_PROBLEM_CHARS]
            logger.warning("bounces: %s %s", entry.label, why)
            result.unreadable.append((entry.label, why))
            continue
        if report.failures:
            digest = hashlib.sha256(entry.data).hexdigest()[:REPORT_ID_HEX]
            reports.append(_Read(entry.label, report, digest))
        else:
            result.not_bounces.append((entry.label, report.subject))
    return reports


def import_bounces(
    where: Path,
    mailbox_path: Path,
    *,
    journal_path: Path | None = None,
    dry_run: bool = False,
    accept_unverified: bool = False,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BounceImport:
    """Read every message in a mailbox and act on the bounces proven to be about our sends.

    The tags are checked with the secret `digest send` signed them with ([unsubscribe]
    secret_env). `accept_unverified` also acts on reports nothing proves, matched to the
    likely edition (the editor's call, e.g. for bounces of sends made before bounce tags).
    """
    folder = open_publication(where)
    environ = os.environ if environ is None else environ
    secret = read_secret(folder.publication.unsubscribe.secret_env, environ)
    soft_limit = folder.publication.bounces.soft_limit
    result = BounceImport(dry_run=dry_run, accept_unverified=accept_unverified)
    reports = _read_mailbox(mailbox_path, result, progress)
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
        journal = stack.enter_context(Journal(journal_path))
        wanted = {a for r in reports for f in r.report.failures for a in f.addresses}
        verifier = Verifier(journal, tag_key(secret), wanted)
        suppressions = stack.enter_context(SuppressionList(suppression_path))
        _match_and_apply(result, reports, verifier, suppressions, soft_limit)
    logger.info(
        "bounces: %d messages, %d proven failures, %d unverified, %d unmatched, %d unreadable",
        result.messages,
        len(result.outcomes),
        len(result.unverified),
        len(result.unmatched),
        len(result.unreadable),
    )
    return result


def _match_and_apply(
    result: BounceImport,
    reports: list[_Read],
    verifier: Verifier,
    suppressions: SuppressionList,
    soft_limit: int,
) -> None:
    recorded: list[UnverifiedReport] = []
    for read in reports:
        report = read.report
        when = report.date or time.time()
        for failure in report.failures:
            match = verifier.check(failure, report)
            if isinstance(match, Doubtful):
                if not match.reader:
                    result.unmatched.append(
                        Unmatched(read.label, report.subject, match.address, match.why)
                    )
                    continue
                result.unverified.append(
                    Unverified(
                        read.label,
                        report.subject,
                        match.address,
                        match.edition,
                        failure.kind,
                        failure.status,
                        match.why,
                    )
                )
                recorded.append(
                    UnverifiedReport(
                        read.digest,
                        match.address,
                        match.edition,
                        failure.kind.value,
                        failure.status,
                        match.why,
                        when,
                    )
                )
                if not (result.accept_unverified and match.edition):
                    continue
            proven = isinstance(match, Proven)
            action = _apply(
                suppressions,
                verifier,
                failure,
                match.edition,
                match.address,
                when,
                soft_limit,
                result.dry_run,
            )
            result.outcomes.append(
                Outcome(
                    read.label,
                    match.address,
                    match.edition,
                    failure.kind,
                    failure.status,
                    action,
                    verified=proven,
                )
            )
    if recorded and not result.dry_run:
        suppressions.record_unverified(recorded)
