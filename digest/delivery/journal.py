"""The send journal: one SQLite row per (edition, recipient) so a send can stop and resume."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

JOURNAL_DIR = ".digest"
JOURNAL_FILE = "journal.sqlite"
# Another process (`digest status`) may hold a read lock for a moment; wait rather than fail.
BUSY_TIMEOUT_MS = 5_000
# A server's reply is kept for the report; longer replies are cut to keep the journal small.
MAX_ERROR_CHARS = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    edition TEXT NOT NULL,
    address TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated REAL NOT NULL,
    PRIMARY KEY (edition, address)
) WITHOUT ROWID
"""


class State(StrEnum):
    """pending -> sending -> sent | deferred | failed."""

    PENDING = "pending"
    SENDING = "sending"  # committed before DATA: if we crash now the outcome is unknown
    SENT = "sent"  # committed after the server's 250
    DEFERRED = "deferred"
    FAILED = "failed"


class JournalError(DigestError):
    """The journal cannot be opened, or another send of the edition holds the lock."""

    exit_code = ExitCode.DELIVERY


def default_journal_path(root: Path) -> Path:
    """`<publication>/.digest/journal.sqlite`."""
    return root / JOURNAL_DIR / JOURNAL_FILE


class Journal:
    """SQLite in WAL mode with synchronous=FULL: a committed state survives a crash."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit: every state change is its own durable transaction.
            self._db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise JournalError(f"cannot open the send journal {path}: {error}") from None
        self._locks: dict[str, int] = {}

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
                f"another send of edition {edition} is running (process {holder}); "
                "wait for it to finish"
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

    # --- states ------------------------------------------------------------------------------

    def add(self, edition: str, addresses: Iterable[str]) -> None:
        """Record recipients as pending; rows that exist keep their state."""
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (edition, address, state, updated) "
                "VALUES (?, ?, ?, ?)",
                ((edition, address.lower(), State.PENDING.value, now) for address in addresses),
            )

    def states(self, edition: str) -> dict[str, State]:
        """Every recipient's state for an edition, by lowercased address."""
        rows = self._db.execute(
            "SELECT address, state FROM deliveries WHERE edition = ?", (edition,)
        )
        return {address: State(state) for address, state in rows}

    def mark(self, edition: str, address: str, state: State, error: str | None = None) -> None:
        """Move one recipient to a state, durably, before returning."""
        attempt = 1 if state is State.SENDING else 0
        self._db.execute(
            "UPDATE deliveries SET state = ?, attempts = attempts + ?, last_error = ?, "
            "updated = ? WHERE edition = ? AND address = ?",
            (
                state.value,
                attempt,
                error[:MAX_ERROR_CHARS] if error else None,
                time.time(),
                edition,
                address.lower(),
            ),
        )

    def mark_sent_then_sending(self, edition: str, sent: str, sending: str) -> None:
        """One durable transaction: `sent` got its 250, `sending` is about to go to DATA."""
        with self._transaction():
            self.mark(edition, sent, State.SENT)
            self.mark(edition, sending, State.SENDING)

    def counts(self, edition: str) -> dict[State, int]:
        """How many recipients are in each state."""
        counts = dict.fromkeys(State, 0)
        rows = self._db.execute(
            "SELECT state, COUNT(*) FROM deliveries WHERE edition = ? GROUP BY state", (edition,)
        )
        for state, count in rows:
            counts[State(state)] = count
        return counts

    def errors(self, edition: str, limit: int = 20) -> list[tuple[str, State, str]]:
        """The latest failures and deferrals with the server's words."""
        rows = self._db.execute(
            "SELECT address, state, last_error FROM deliveries WHERE edition = ? "
            "AND state IN ('failed', 'deferred') ORDER BY updated DESC LIMIT ?",
            (edition, limit),
        )
        return [(address, State(state), error or "") for address, state, error in rows]

    def deliveries_to(self, addresses: Iterable[str]) -> list[tuple[str, str, State, float]]:
        """(edition, address, state, updated) of every row for these addresses (bounce import)."""
        wanted = sorted({address.lower() for address in addresses})
        found: list[tuple[str, str, State, float]] = []
        for start in range(0, len(wanted), 900):  # SQLite's parameter limit before 3.32
            batch = wanted[start : start + 900]
            rows = self._db.execute(
                "SELECT edition, address, state, updated FROM deliveries "
                f"WHERE address IN ({','.join('?' * len(batch))})",
                batch,
            )
            found += [
                (edition, address, State(state), when) for edition, address, state, when in rows
            ]
        return found

    def editions(self) -> list[str]:
        """Every edition the journal knows."""
        return [row[0] for row in self._db.execute("SELECT DISTINCT edition FROM deliveries")]

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
