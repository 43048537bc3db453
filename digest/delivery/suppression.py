"""The suppression list: addresses no send may mail (unsubscribed, hard bounce, complaint, manual).

One SQLite table in the publication's `.digest/` folder, created 0600. Every `digest send`
checks its recipients against it in batches (one indexed query per batch, not per message);
the unsubscribe endpoint, bounce import and `digest subscribers import-suppressions` add to it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

SUPPRESSION_DIR = ".digest"
SUPPRESSION_FILE = "subscribers.sqlite"
# SQLite before 3.32 allows 999 parameters in one statement; stay under it.
QUERY_BATCH = 900
# The unsubscribe endpoint and a send may touch the file at the same moment; wait, don't fail.
BUSY_TIMEOUT_MS = 5_000
# Private to the publication's owner: addresses are personal data.
FILE_MODE = 0o600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    address TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    created REAL NOT NULL,
    source TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS soft_bounces (
    address TEXT NOT NULL,
    edition TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (address, edition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unverified_reports (
    report TEXT NOT NULL,
    address TEXT NOT NULL,
    edition TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    why TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (report, address)
) WITHOUT ROWID;
"""


class Reason(StrEnum):
    """Why an address may not be mailed."""

    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCE = "hard-bounce"
    COMPLAINT = "complaint"
    MANUAL = "manual"
    SOFT_BOUNCES = "soft-bounces"  # temporary failures for several editions in a row


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppressed address, why, since when (Unix time) and where the news came from."""

    address: str
    reason: Reason
    created: float
    source: str = ""


@dataclass(frozen=True, slots=True)
class UnverifiedReport:
    """A bounce or complaint nothing proves is about our mail: recorded, never acted on."""

    report: str  # a hash of the message, so importing it twice records it once
    address: str
    edition: str  # the likely edition, "" when none fits
    kind: str  # hard, soft, delayed, complaint
    status: str
    why: str
    created: float


class SuppressionError(DigestError):
    """The suppression list cannot be opened or written."""

    exit_code = ExitCode.DELIVERY


def normalize_address(address: str) -> str:
    """The form every list and the journal compare on: trimmed, lower case."""
    return address.strip().lower()


def default_suppression_path(root: Path) -> Path:
    """`<publication>/.digest/subscribers.sqlite`."""
    return root / SUPPRESSION_DIR / SUPPRESSION_FILE


def create_private_file(path: Path) -> None:
    """Create `path` (and its folder) readable by the owner only, if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(descriptor)
    os.chmod(path, FILE_MODE)  # an older file made before this rule gets tightened too


class SuppressionList:
    """The publication's suppression list; a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            create_private_file(path)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # An unsubscribe must survive a crash the moment the reader was told it worked.
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise SuppressionError(f"cannot open the suppression list {path}: {error}") from None

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> SuppressionList:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def add(
        self, address: str, reason: Reason, *, source: str = "", when: float | None = None
    ) -> bool:
        """Suppress one address; False if it already was (the first reason is kept)."""
        return self.add_many([Suppression(address, reason, when or time.time(), source)]) == 1

    def add_many(self, entries: Iterable[Suppression]) -> int:
        """Suppress many addresses in one transaction; returns how many were new."""
        rows = [
            (normalize_address(entry.address), entry.reason.value, entry.created, entry.source)
            for entry in entries
        ]
        return self._insert_many(
            "INSERT OR IGNORE INTO suppressions (address, reason, created, source) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )

    def _insert_many(self, sql: str, rows: Sequence[tuple[object, ...]]) -> int:
        """Run one INSERT OR IGNORE for many rows in a transaction; returns how many were new."""
        try:
            with self._transaction():
                before = self._db.total_changes
                self._db.executemany(sql, rows)
                return self._db.total_changes - before
        except sqlite3.Error as error:
            raise SuppressionError(
                f"cannot write the suppression list {self.path}: {error}"
            ) from None

    def suppressed(self, addresses: Sequence[str]) -> set[str]:
        """Which of `addresses` (normalized) are suppressed; one query per QUERY_BATCH."""
        found: set[str] = set()
        normalized = [normalize_address(address) for address in addresses]
        for start in range(0, len(normalized), QUERY_BATCH):
            batch = normalized[start : start + QUERY_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT address FROM suppressions WHERE address IN ({marks})", batch
            )
            found.update(address for (address,) in rows)
        return found

    def get(self, address: str) -> Suppression | None:
        """The entry for one address, if it is suppressed."""
        row = self._db.execute(
            "SELECT address, reason, created, source FROM suppressions WHERE address = ?",
            (normalize_address(address),),
        ).fetchone()
        return None if row is None else Suppression(row[0], Reason(row[1]), row[2], row[3])

    def counts(self) -> dict[Reason, int]:
        """How many addresses are suppressed for each reason."""
        counts = dict.fromkeys(Reason, 0)
        for reason, count in self._db.execute(
            "SELECT reason, COUNT(*) FROM suppressions GROUP BY reason"
        ):
            counts[Reason(reason)] = count
        return counts

    def entries(self, reason: Reason | None = None) -> Iterator[Suppression]:
        """Every suppressed address (or those with one reason), oldest first."""
        where, values = ("WHERE reason = ?", (reason.value,)) if reason else ("", ())
        rows = self._db.execute(
            "SELECT address, reason, created, source FROM suppressions "
            f"{where} ORDER BY created, address",
            values,
        )
        for address, reason_text, created, source in rows:
            yield Suppression(address, Reason(reason_text), created, source)

    def remove(self, addresses: Iterable[str]) -> list[str]:
        """Take addresses off the list (and forget their soft bounces); returns those removed."""
        removed: list[str] = []
        try:
            with self._transaction():
                for address in dict.fromkeys(normalize_address(a) for a in addresses):
                    cursor = self._db.execute(
                        "DELETE FROM suppressions WHERE address = ?", (address,)
                    )
                    self._db.execute("DELETE FROM soft_bounces WHERE address = ?", (address,))
                    if cursor.rowcount:
                        removed.append(address)
        except sqlite3.Error as error:
            raise SuppressionError(
                f"cannot write the suppression list {self.path}: {error}"
            ) from None
        return removed

    # --- soft bounces: counted per edition, suppressed after several in a row ------------------

    def record_soft_bounce(
        self, address: str, edition: str, status: str, when: float | None = None
    ) -> bool:
        """Count a temporary failure of one edition; False if that edition was counted already."""
        try:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO soft_bounces (address, edition, status, created) "
                "VALUES (?, ?, ?, ?)",
                (normalize_address(address), edition, status, when or time.time()),
            )
        except sqlite3.Error as error:
            raise SuppressionError(
                f"cannot write the suppression list {self.path}: {error}"
            ) from None
        return cursor.rowcount == 1

    def soft_bounced_editions(self, address: str) -> set[str]:
        """The editions that soft-bounced for one address."""
        rows = self._db.execute(
            "SELECT edition FROM soft_bounces WHERE address = ?", (normalize_address(address),)
        )
        return {edition for (edition,) in rows}

    # --- reports nothing proves: shown by `bounces import` and `status`, never acted on -------

    def record_unverified(self, reports: Iterable[UnverifiedReport]) -> int:
        """Keep reports for the editor to see; returns how many were new."""
        rows = [
            (r.report, normalize_address(r.address), r.edition, r.kind, r.status, r.why, r.created)
            for r in reports
        ]
        return self._insert_many(
            "INSERT OR IGNORE INTO unverified_reports "
            "(report, address, edition, kind, status, why, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def unverified(self, edition: str | None = None) -> list[UnverifiedReport]:
        """The unverified reports (about one edition, or all), oldest first."""
        where, values = ("WHERE edition = ?", (edition,)) if edition is not None else ("", ())
        rows = self._db.execute(
            "SELECT report, address, edition, kind, status, why, created "
            f"FROM unverified_reports {where} ORDER BY created, address",
            values,
        )
        return [UnverifiedReport(*row) for row in rows]

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
