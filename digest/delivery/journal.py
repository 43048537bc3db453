"""The send journal: one SQLite row per (edition, recipient) so a send can stop and resume.

Durability: WAL with synchronous=FULL (`digest.store`), so a committed state survives a crash of
the process or of the machine. The send commits in groups (`record`): one transaction carries every
outcome and every claim that arrived together, so with several connections there is well
under one fsync per message; a claim is never granted before its transaction is committed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from digest.errors import ExitCode
from digest.store import DamagedError, StoreError, open_database
from digest.store.schemas import JOURNAL

logger = logging.getLogger(__name__)

JOURNAL_DIR = ".digest"
JOURNAL_FILE = "journal.sqlite"
# A server's reply is kept for the report; longer replies are cut to keep the journal small.
MAX_ERROR_CHARS = 500
# Rows per statement when adding or looking up a chunk of recipients (SQLite allows 32,766
# parameters; four per row when adding).
ROWS_PER_STATEMENT = 1_000
# What to do when the journal is damaged, in every message that says so.
DAMAGED_ADVICE = (
    "Restore .digest/ from a backup and send again; if there is no backup, move the file "
    "aside and send with --resend-all, which mails every reader on the list again"
)


class State(StrEnum):
    """pending -> sending -> sent | deferred | failed | unknown; suppressed is never mailed."""

    PENDING = "pending"
    SENDING = "sending"  # committed before the final dot; after a crash the outcome is unknown
    SENT = "sent"  # the server said 250 after the final dot
    DEFERRED = "deferred"  # 4xx: a later run tries again
    FAILED = "failed"  # 5xx: never tried again
    UNKNOWN = "unknown"  # the confirmation was lost: re-sent at most once, on a later run
    SUPPRESSED = "suppressed"  # on the suppression list when the send reached it


@dataclass(frozen=True, slots=True)
class Entry:
    """What the journal holds for one recipient."""

    state: State
    resent: bool  # an unknown that was already re-sent once (it is never re-sent again)


@dataclass(frozen=True, slots=True)
class Change:
    """One state change; `claim` marks a message about to pass its point of no return."""

    address: str
    state: State
    error: str | None = None
    resend: bool = False  # this attempt re-sends an unknown (its one allowed duplicate)


class JournalError(StoreError):
    """The journal cannot be opened or written, or another send of the edition holds the lock."""

    exit_code = ExitCode.DELIVERY


class JournalDamaged(JournalError):
    """The journal file is there but is no database: a send would not know who has what."""

    exit_code = ExitCode.JOURNAL


def default_journal_path(root: Path) -> Path:
    """`<publication>/.digest/journal.sqlite`."""
    return root / JOURNAL_DIR / JOURNAL_FILE


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Journal:
    """The journal file (created 0600: it holds readers' addresses); a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = open_database(path, JOURNAL, error=JournalError)
        except DamagedError as damaged:
            raise JournalDamaged(f"{damaged}.\n{DAMAGED_ADVICE}.") from None
        self._locks: dict[str, int] = {}
        self.commits = 0  # transactions that changed states; benchmarks divide by messages

    def close(self) -> None:
        """Release locks and close the database."""
        for edition in list(self._locks):
            self.unlock(edition)
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- locking -----------------------------------------------------------------------------

    def _lock_path(self, edition: str) -> Path:
        name = hashlib.sha256(edition.encode("utf-8")).hexdigest()[:16]
        return self.path.parent / f"send-{name}.lock"

    def lock(self, edition: str) -> None:
        """Keep two sends of one edition apart; the OS drops the lock if we are killed."""
        path = self._lock_path(edition)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise JournalError(
                f"another send of edition {edition} is running (process {holder}); run the "
                "same command again when it has finished",
                exit_code=ExitCode.TEMPFAIL,  # "try later", as cron loops expect
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._locks[edition] = fd

    def unlock(self, edition: str) -> None:
        """Release the edition's send lock."""
        fd = self._locks.pop(edition, None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def locked(self, edition: str) -> Iterator[None]:
        """Hold the edition's send lock for the block."""
        self.lock(edition)
        try:
            yield
        finally:
            self.unlock(edition)

    # --- adding and reading recipients -------------------------------------------------------

    def add(self, edition: str, addresses: Iterable[str]) -> dict[str, Entry]:
        """Record recipients as pending (rows that exist keep their state); their entries.

        One transaction for the chunk; the keys of the result are lowercased addresses.
        """
        keys = list(dict.fromkeys(address.lower() for address in addresses))
        now = time.time()
        entries: dict[str, Entry] = {}
        with self._db.transaction() as connection:
            for chunk in _chunks(keys, ROWS_PER_STATEMENT):
                values = ",".join("(?, ?, ?, ?)" for _ in chunk)
                parameters: list[object] = []
                for key in chunk:
                    parameters += (edition, key, State.PENDING.value, now)
                inserted = connection.execute(
                    "INSERT INTO deliveries (edition, address, state, updated) "
                    f"VALUES {values} ON CONFLICT DO NOTHING RETURNING address",
                    parameters,
                ).fetchall()
                for (key,) in inserted:
                    entries[key] = Entry(State.PENDING, False)
                older = [key for key in chunk if key not in entries]
                if older:
                    entries.update(self._lookup(edition, older))
        return entries

    def lookup(self, edition: str, addresses: Iterable[str]) -> dict[str, Entry]:
        """The entries the journal has for these addresses (lowercased keys); absent = new."""
        keys = list(dict.fromkeys(address.lower() for address in addresses))
        entries: dict[str, Entry] = {}
        for chunk in _chunks(keys, ROWS_PER_STATEMENT):
            entries.update(self._lookup(edition, chunk))
        return entries

    def _lookup(self, edition: str, keys: Sequence[str]) -> dict[str, Entry]:
        marks = ",".join("?" * len(keys))
        rows = self._db.read(
            "SELECT address, state, resent FROM deliveries "
            f"WHERE edition = ? AND address IN ({marks})",
            (edition, *keys),
        )
        return {address: Entry(State(state), bool(resent)) for address, state, resent in rows}

    def states(self, edition: str) -> dict[str, State]:
        """Every recipient's state for an edition, by lowercased address (small lists only)."""
        rows = self._db.read("SELECT address, state FROM deliveries WHERE edition = ?", (edition,))
        return {address: State(state) for address, state in rows}

    def holding(self, edition: str, states: Sequence[State]) -> list[str]:
        """The (lowercased) addresses in one of `states` for an edition, in address order."""
        marks = ",".join("?" * len(states))
        rows = self._db.read(
            f"SELECT address FROM deliveries WHERE edition = ? AND state IN ({marks}) "
            "ORDER BY address",
            (edition, *(state.value for state in states)),
        )
        return [address for (address,) in rows]

    def has(self, edition: str) -> bool:
        """True when the journal knows any recipient of the edition."""
        return bool(self._db.read("SELECT 1 FROM deliveries WHERE edition = ? LIMIT 1", (edition,)))

    # --- changing states ---------------------------------------------------------------------

    def record(self, edition: str, changes: Sequence[Change]) -> None:
        """Apply changes in order, in one durable transaction (one fsync for the group)."""
        if not changes:
            return
        now = time.time()
        rows = [
            (
                change.state.value,
                1 if change.state is State.SENDING else 0,
                change.error[:MAX_ERROR_CHARS] if change.error else None,
                now,
                1 if change.resend else 0,
                edition,
                change.address.lower(),
            )
            for change in changes
        ]
        with self._db.transaction() as connection:
            connection.executemany(
                "UPDATE deliveries SET state = ?, attempts = attempts + ?, last_error = ?, "
                "updated = ?, resent = MAX(resent, ?) WHERE edition = ? AND address = ?",
                rows,
            )
        self.commits += 1

    def mark(self, edition: str, address: str, state: State, error: str | None = None) -> None:
        """Move one recipient to a state, durably, before returning."""
        self.record(edition, [Change(address, state, error)])

    # --- reports -----------------------------------------------------------------------------

    def counts(self, edition: str) -> dict[State, int]:
        """How many recipients are in each state."""
        counts = dict.fromkeys(State, 0)
        rows = self._db.read(
            "SELECT state, COUNT(*) FROM deliveries WHERE edition = ? GROUP BY state", (edition,)
        )
        for state, count in rows:
            counts[State(state)] = count
        return counts

    def errors(
        self,
        edition: str,
        states: Sequence[State] = (State.FAILED, State.DEFERRED),
        limit: int | None = 20,
    ) -> list[tuple[str, State, str]]:
        """Recipients in `states` with the server's words, latest first."""
        marks = ",".join("?" * len(states))
        rows = self._db.read(
            "SELECT address, state, last_error FROM deliveries WHERE edition = ? "
            f"AND state IN ({marks}) ORDER BY updated DESC, address LIMIT ?",
            (edition, *(state.value for state in states), -1 if limit is None else limit),
        )
        return [(address, State(state), error or "") for address, state, error in rows]

    def sent_between(self, edition: str) -> tuple[float, float] | None:
        """When the first and the last recorded 250 of the edition came (Unix time)."""
        rows = self._db.read(
            "SELECT MIN(updated), MAX(updated) FROM deliveries WHERE edition = ? AND state = ?",
            (edition, State.SENT.value),
        )
        first, last = rows[0] if rows else (None, None)
        return None if first is None else (float(first), float(last))

    def deliveries_to(self, addresses: Iterable[str]) -> list[tuple[str, str, State, float]]:
        """(edition, address, state, updated) of every row for these addresses (bounce import)."""
        found: list[tuple[str, str, State, float]] = []
        for chunk in _chunks(sorted({address.lower() for address in addresses}), 900):
            rows = self._db.read(
                "SELECT edition, address, state, updated FROM deliveries "
                f"WHERE address IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found += [
                (edition, address, State(state), when) for edition, address, state, when in rows
            ]
        return found

    def editions(self) -> list[str]:
        """Every edition the journal knows."""
        return [row[0] for row in self._db.read("SELECT DISTINCT edition FROM deliveries")]

    def forget(self, address: str, stand_in: str) -> int:
        """Replace an address by `stand_in` in every row (erasure): counts stay what they were,
        so the guard against a lost journal still holds; returns the rows changed."""
        with self._db.transaction(secure_delete=True) as connection:
            cursor = connection.execute(
                "UPDATE deliveries SET address = ?, last_error = NULL WHERE address = ?",
                (stand_in, address.strip().lower()),
            )
        self._db.checkpoint()
        return int(cursor.rowcount)
