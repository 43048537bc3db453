"""The suppression list: addresses no send may mail (unsubscribed, hard bounce, complaint, manual).

A send also skips readers who paused and readers erased from the subscriber store (whose hash
is all that is left), both kept in the same file (`digest.store.subscribers`).

One SQLite table in the publication's `.digest/` folder, created 0600. Every `digest send`
checks its recipients against it in batches (one indexed query per batch, not per message);
the unsubscribe endpoint, bounce import and `digest subscribers import-suppressions` add to it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from digest.errors import ExitCode
from digest.store import DamagedError, StoreError, open_database
from digest.store.schemas import SUBSCRIBERS
from digest.store.subscribers import erased_hash

logger = logging.getLogger(__name__)

SUPPRESSION_DIR = ".digest"
SUPPRESSION_FILE = "subscribers.sqlite"
# SQLite before 3.32 allows 999 parameters in one statement; stay under it (one more for a time).
QUERY_BATCH = 900


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


class SuppressionError(StoreError):
    """The suppression list cannot be opened or written."""

    exit_code = ExitCode.DELIVERY


def normalize_address(address: str) -> str:
    """The form every list and the journal compare on: trimmed, lower case."""
    return address.strip().lower()


def default_suppression_path(root: Path) -> Path:
    """`<publication>/.digest/subscribers.sqlite`."""
    return root / SUPPRESSION_DIR / SUPPRESSION_FILE


class SuppressionList:
    """The publication's suppression list; a context manager.

    Every SuppressionList of one file in a process shares one connection (`digest.store`), so
    the endpoint's threads may each hold one, or share one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = open_database(path, SUBSCRIBERS, error=SuppressionError)
        except DamagedError as damaged:
            raise SuppressionError(
                f"{damaged}. Sending without it would mail readers who unsubscribed: restore "
                ".digest/ from a backup (the README says how to back it up)"
            ) from None

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
        """Suppress many addresses in one transaction; returns how many were new.

        When this returns, the commit has returned: the addresses are on disk.
        """
        rows = [
            (normalize_address(entry.address), entry.reason.value, entry.created, entry.source)
            for entry in entries
        ]
        with self._db.transaction() as connection:
            before = connection.total_changes
            connection.executemany(
                "INSERT OR IGNORE INTO suppressions (address, reason, created, source) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
            return connection.total_changes - before

    def suppressed(self, addresses: Sequence[str], *, now: float | None = None) -> set[str]:
        """Which of `addresses` (normalized) no send may mail now: suppressed, erased (only a
        hash is left of them) or paused; a few indexed queries per QUERY_BATCH."""
        found: set[str] = set()
        normalized = [normalize_address(address) for address in addresses]
        moment = time.time() if now is None else now
        for start in range(0, len(normalized), QUERY_BATCH):
            batch = normalized[start : start + QUERY_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.read(
                f"SELECT address FROM suppressions WHERE address IN ({marks})", batch
            )
            found.update(address for (address,) in rows)
            rows = self._db.read(
                f"SELECT address FROM pauses WHERE until > ? AND address IN ({marks})",
                [moment, *batch],
            )
            found.update(address for (address,) in rows)
            by_hash = {erased_hash(address): address for address in batch}
            rows = self._db.read(f"SELECT hash FROM erased WHERE hash IN ({marks})", list(by_hash))
            found.update(by_hash[digest] for (digest,) in rows)
        return found

    def lookup(self, addresses: Sequence[str]) -> dict[str, Suppression]:
        """The entries of those of `addresses` (normalized) that are suppressed."""
        found: dict[str, Suppression] = {}
        normalized = [normalize_address(address) for address in addresses]
        for start in range(0, len(normalized), QUERY_BATCH):
            batch = normalized[start : start + QUERY_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.read(
                "SELECT address, reason, created, source FROM suppressions "
                f"WHERE address IN ({marks})",
                batch,
            )
            for address, reason, created, source in rows:
                found[address] = Suppression(address, Reason(reason), created, source)
        return found

    def get(self, address: str) -> Suppression | None:
        """The entry for one address, if it is suppressed."""
        rows = self._db.read(
            "SELECT address, reason, created, source FROM suppressions WHERE address = ?",
            (normalize_address(address),),
        )
        return Suppression(rows[0][0], Reason(rows[0][1]), rows[0][2], rows[0][3]) if rows else None

    def counts(self) -> dict[Reason, int]:
        """How many addresses are suppressed for each reason."""
        counts = dict.fromkeys(Reason, 0)
        for reason, count in self._db.read(
            "SELECT reason, COUNT(*) FROM suppressions GROUP BY reason"
        ):
            counts[Reason(reason)] = count
        return counts

    def entries(self, reason: Reason | None = None) -> Iterator[Suppression]:
        """Every suppressed address (or those with one reason), oldest first."""
        where, values = ("WHERE reason = ?", (reason.value,)) if reason else ("", ())
        rows = self._db.read(
            "SELECT address, reason, created, source FROM suppressions "
            f"{where} ORDER BY created, address",
            values,
        )
        for address, reason_text, created, source in rows:
            yield Suppression(address, Reason(reason_text), created, source)

    def remove(self, addresses: Iterable[str]) -> list[str]:
        """Take addresses off the list (and forget their soft bounces); returns those removed."""
        removed: list[str] = []
        with self._db.transaction() as connection:
            for address in dict.fromkeys(normalize_address(a) for a in addresses):
                cursor = connection.execute(
                    "DELETE FROM suppressions WHERE address = ?", (address,)
                )
                connection.execute("DELETE FROM soft_bounces WHERE address = ?", (address,))
                if cursor.rowcount:
                    removed.append(address)
        return removed

    # --- soft bounces: counted per edition, suppressed after several in a row ------------------

    def record_soft_bounce(
        self, address: str, edition: str, status: str, when: float | None = None
    ) -> bool:
        """Count a temporary failure of one edition; False if that edition was counted already."""
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO soft_bounces (address, edition, status, created) "
                "VALUES (?, ?, ?, ?)",
                (normalize_address(address), edition, status, when or time.time()),
            )
            return cursor.rowcount == 1

    def soft_bounced_editions(self, address: str) -> set[str]:
        """The editions that soft-bounced for one address."""
        rows = self._db.read(
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
        with self._db.transaction() as connection:
            before = connection.total_changes
            connection.executemany(
                "INSERT OR IGNORE INTO unverified_reports "
                "(report, address, edition, kind, status, why, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return connection.total_changes - before

    def unverified(self, edition: str | None = None) -> list[UnverifiedReport]:
        """The unverified reports (about one edition, or all), oldest first."""
        where, values = ("WHERE edition = ?", (edition,)) if edition is not None else ("", ())
        rows = self._db.read(
            "SELECT report, address, edition, kind, status, why, created "
            f"FROM unverified_reports {where} ORDER BY created, address",
            values,
        )
        return [UnverifiedReport(*row) for row in rows]
