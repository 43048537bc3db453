"""Never a silent full resend: the journal is checked against the edition's send record.

The journal is the only thing that knows who already has an edition. If it is gone (deleted,
a fresh checkout, a backup without `.digest/`), or is an older copy, a send would mail those
readers again without a word. Each list send therefore also writes a record in the
publication's history (`history/sends.py`, no addresses); a send that finds such a record and
a journal that is missing or knows fewer messages sent refuses, says what happened and how to
go on: restore the journal, or `--resend-all` to mail the list again knowingly.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from digest.delivery.journal import Journal, JournalError, State
from digest.errors import DigestError, ExitCode
from digest.history.sends import (
    Fingerprint,
    SendRecord,
    forget_send_record,
    read_send_record,
    run_ended,
    run_started,
    send_record_path,
    write_send_record,
)

logger = logging.getLogger(__name__)

RESTORE_ADVICE = (
    "Restore .digest/ from a backup and send again; to mail every reader on the list again "
    "anyway (those who had it get a second copy), add --resend-all"
)


class JournalMissing(JournalError):
    """The history says the edition went out, the journal does not know it."""

    exit_code = ExitCode.JOURNAL


def _earlier(record: SendRecord, root: Path) -> str:
    where = send_record_path(root, record.identity).relative_to(root)
    return (
        f"{where} says edition {record.identity} went out before ({record.sent:,} sent to a "
        f"list of {record.recipients:,}, {record.runs} run{'s' if record.runs != 1 else ''}, "
        f"the last at {record.updated})"
    )


def check_journal_file(
    journal_path: Path, root: Path, identity: str, *, resend_all: bool
) -> SendRecord | None:
    """The edition's send record; refuses when it exists and the journal file does not."""
    record = read_send_record(root, identity)
    if record is None or not record.may_have_gone:
        return record
    if not resend_all and not journal_path.exists():
        raise JournalMissing(
            f"not sending: {_earlier(record, root)}, but the send journal {journal_path} is "
            "missing, so digest cannot tell who already has it and would mail everyone "
            f"again.\n{RESTORE_ADVICE}."
        )
    return record


def check_journal(
    journal: Journal, record: SendRecord | None, root: Path, *, resend_all: bool
) -> None:
    """Refuses a journal that knows less of the edition than its send record."""
    if record is None or resend_all or not record.may_have_gone:
        return
    known = journal.counts(record.identity)[State.SENT]
    if journal.has(record.identity) and known >= record.sent:
        return
    raise JournalMissing(
        f"not sending: {_earlier(record, root)}, but the send journal {journal.path} knows "
        f"{known:,} sent (an older copy, or another journal?), so digest cannot tell who "
        f"already has it.\n{RESTORE_ADVICE}."
    )


def _counts(journal: Journal, identity: str) -> dict[str, int]:
    return {state.value: n for state, n in journal.counts(identity).items() if n}


@contextlib.contextmanager
def recorded(
    root: Path,
    journal: Journal,
    record: SendRecord | None,
    *,
    identity: str,
    date: str,
    fingerprint: Fingerprint,
) -> Iterator[None]:
    """Write the send record as the run starts and again as it ends (also when it fails)."""
    started = run_started(
        record,
        identity=identity,
        date=date,
        fingerprint=fingerprint,
        counts=_counts(journal, identity),
    )
    write_send_record(root, started)
    try:
        yield
    except BaseException:
        with contextlib.suppress(DigestError):  # the run's own error is the one to show
            _end(root, journal, record, started, finished=False)
        raise
    _end(root, journal, record, started, finished=True)


def _end(
    root: Path, journal: Journal, record: SendRecord | None, started: SendRecord, *, finished: bool
) -> None:
    if record is None and not journal.has(started.identity):
        forget_send_record(root, started.identity)  # nothing journaled: nothing was sent
        return
    write_send_record(
        root, run_ended(started, _counts(journal, started.identity), finished=finished)
    )
    logger.info("send record of %s written", started.identity)
