"""The subscriber store: the publication's own readers, beside its suppression list.

One row per address: name, status (pending, confirmed, unsubscribed, bounced, complained), when
and how that status came, when a confirmation was last asked for, and free attributes; every
change of status is also kept in `subscriber_events`. Pauses (`pauses`) hold any reader's
"not until" date, from the store or from a list file. Erasing a reader (GDPR) deletes every row
that names them and keeps only a hash (`erased`), so no import or send brings them back unasked.

Addresses are compared trimmed and in lower case, as the suppression list and the journal do.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence

from digest.errors import ExitCode
from digest.store.base import StoreFile
from digest.store.database import StoreError
from digest.store.schemas import SUBSCRIBERS
from digest.store.subscriber_rows import (
    COLUMNS,
    FROM,
    Change,
    Status,
    StatusEvent,
    Subscriber,
    erased_hash,
    normalize,
    row_to_subscriber,
)

logger = logging.getLogger(__name__)

# SQLite before 3.32 allows 999 parameters in one statement; stay under it.
QUERY_BATCH = 900
# Rows read at a time when a send or an export streams the store.
PAGE_ROWS = 2_000
# The tables of subscribers.sqlite that name a reader; erasing deletes their rows in all.
READER_TABLES = (
    "subscribers",
    "subscriber_events",
    "pauses",
    "suppressions",
    "soft_bounces",
    "unverified_reports",
)


class SubscriberStoreError(StoreError):
    """The subscriber store cannot be opened, read or written."""

    exit_code = ExitCode.IO


class SubscriberStore(StoreFile):
    """The subscriber store of one publication; a context manager.

    It shares the process's one connection to subscribers.sqlite with the suppression list.
    """

    schema = SUBSCRIBERS
    error = SubscriberStoreError

    # --- reading ------------------------------------------------------------------------------

    def get(self, address: str) -> Subscriber | None:
        """One reader, or None."""
        rows = self._db.read(
            f"SELECT {COLUMNS} FROM {FROM} WHERE s.address = ?", (normalize(address),)
        )
        return row_to_subscriber(rows[0]) if rows else None

    def statuses(self, addresses: Sequence[str]) -> dict[str, Status]:
        """The stored status of each of `addresses` that is in the store."""
        found: dict[str, Status] = {}
        for batch in _batches([normalize(a) for a in addresses]):
            marks = ",".join("?" * len(batch))
            rows = self._db.read(
                f"SELECT address, status FROM subscribers WHERE address IN ({marks})", batch
            )
            found.update((str(address), Status(str(status))) for address, status in rows)
        return found

    def erased_among(self, addresses: Sequence[str]) -> set[str]:
        """Which of `addresses` (normalized) were erased."""
        by_hash = {erased_hash(address): normalize(address) for address in addresses}
        found: set[str] = set()
        for batch in _batches(list(by_hash)):
            marks = ",".join("?" * len(batch))
            rows = self._db.read(f"SELECT hash FROM erased WHERE hash IN ({marks})", batch)
            found.update(by_hash[str(digest)] for (digest,) in rows)
        return found

    def count(self, status: Status | None = None, *, mailable_at: float | None = None) -> int:
        """How many readers (with one status; `mailable_at`: confirmed and not paused then)."""
        where, values = self._where(status, mailable_at)
        return int(self._db.read(f"SELECT COUNT(*) FROM {FROM} {where}", values)[0][0])

    def counts(self) -> dict[Status, int]:
        """How many readers have each status."""
        counts = dict.fromkeys(Status, 0)
        for status, count in self._db.read(
            "SELECT status, COUNT(*) FROM subscribers GROUP BY status"
        ):
            counts[Status(str(status))] = int(count)
        return counts

    def stream(
        self, status: Status | None = None, *, mailable_at: float | None = None
    ) -> Iterator[Subscriber]:
        """Readers in address order, a page at a time (memory stays flat at any size).

        Each page is its own query, so a reader who signs up or leaves meanwhile is seen or
        not, and the connection is free between pages for the endpoint's threads.
        """
        where, values = self._where(status, mailable_at)
        joiner = "AND" if where else "WHERE"
        after = ""
        while True:
            rows = self._db.read(
                f"SELECT {COLUMNS} FROM {FROM} {where} {joiner} s.address > ? "
                f"ORDER BY s.address LIMIT {PAGE_ROWS}",
                (*values, after),
            )
            for row in rows:
                yield row_to_subscriber(row)
            if len(rows) < PAGE_ROWS:
                return
            after = str(rows[-1][0])

    @staticmethod
    def _where(status: Status | None, mailable_at: float | None) -> tuple[str, tuple[object, ...]]:
        if mailable_at is not None:
            return (
                "WHERE s.status = ? AND (p.until IS NULL OR p.until <= ?)",
                (Status.CONFIRMED.value, mailable_at),
            )
        if status is not None:
            return "WHERE s.status = ?", (status.value,)
        return "", ()

    def events(self, address: str) -> list[StatusEvent]:
        """Every status a reader had, oldest first."""
        rows = self._db.read(
            "SELECT at, status, how FROM subscriber_events WHERE address = ? ORDER BY at, rowid",
            (normalize(address),),
        )
        return [StatusEvent(float(at), Status(str(st)), str(how)) for at, st, how in rows]

    def paused_until(self, address: str, now: float) -> float | None:
        """Until when a reader (of any list) is paused, or None."""
        rows = self._db.read("SELECT until FROM pauses WHERE address = ?", (normalize(address),))
        until = float(rows[0][0]) if rows else None
        return until if until is not None and until > now else None

    def setting(self, key: str) -> str | None:
        """A value the store keeps about itself (e.g. when opaque tokens began)."""
        rows = self._db.read("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    # --- writing ------------------------------------------------------------------------------

    def write(self, changes: Iterable[Change]) -> int:
        """Write readers in one transaction, each status change kept in the history; returns
        how many changed status (a new reader too). Known readers are read in one query per
        QUERY_BATCH, rows written with executemany: an import's batch costs a few statements.

        A reader's `since` and history change only when the status does; writing a reader
        who was erased (they signed up again, or the editor was told to) drops their hash.
        """
        wanted = list(changes)
        with self._db.transaction() as connection:
            known: dict[str, tuple[str, str, str]] = {}
            for batch in _batches([normalize(change.address) for change in wanted]):
                marks = ",".join("?" * len(batch))
                for address, status, name, attributes in connection.execute(
                    "SELECT address, status, name, attributes FROM subscribers "
                    f"WHERE address IN ({marks})",
                    batch,
                ):
                    known[address] = (status, name, attributes)
            erased = connection.execute("SELECT 1 FROM erased LIMIT 1").fetchone() is not None
            rows: list[tuple[object, ...]] = []
            events: list[tuple[object, ...]] = []
            for change in wanted:
                address = normalize(change.address)
                before = known.get(address)
                name = change.name if change.name is not None else (before[1] if before else "")
                attributes = (
                    json.dumps(dict(change.attributes), sort_keys=True, ensure_ascii=False)
                    if change.attributes is not None
                    else (before[2] if before else "{}")
                )
                moved = before is None or before[0] != change.status.value
                known[address] = (change.status.value, name, attributes)
                rows.append(
                    (
                        address,
                        name,
                        change.status.value,
                        change.when,
                        change.how,
                        change.when,
                        attributes,
                        int(moved),
                    )
                )
                if moved:
                    events.append((address, change.when, change.status.value, change.how))
            connection.executemany(
                "INSERT INTO subscribers (address, name, status, since, how, created, attributes) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (address) DO UPDATE SET "
                "name = ?2, attributes = ?7, status = ?3, "
                "since = CASE WHEN ?8 THEN ?4 ELSE since END, "
                "how = CASE WHEN ?8 THEN ?5 ELSE how END",
                rows,
            )
            connection.executemany(
                "INSERT INTO subscriber_events (address, at, status, how) VALUES (?, ?, ?, ?)",
                events,
            )
            if erased:
                connection.executemany(
                    "DELETE FROM erased WHERE hash = ?", [(erased_hash(str(e[0])),) for e in events]
                )
        return len(events)

    def set_status(
        self, address: str, status: Status, how: str, *, when: float | None = None
    ) -> bool:
        """Give a stored reader a new status; False when the address is not in the store."""
        if self.get(address) is None:
            return False
        self.write([Change(address, status, how, time.time() if when is None else when)])
        return True

    def ask(self, address: str, name: str, how: str, *, now: float, wait_s: float) -> bool:
        """A sign-up, in one transaction: True when a confirmation should go (the reader is
        not confirmed, and none went in the last `wait_s`); a new reader is stored pending,
        a pending one gets the name given, and the time of asking is kept."""
        address = normalize(address)
        with self._db.transaction() as connection:
            row = connection.execute(
                "SELECT status, asked FROM subscribers WHERE address = ?", (address,)
            ).fetchone()
            if row is not None and (row[0] == Status.CONFIRMED.value or now - row[1] < wait_s):
                return False
            if row is None:
                connection.execute(
                    "INSERT INTO subscribers (address, name, status, since, how, created, asked) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (address, name, Status.PENDING.value, now, how, now, now),
                )
                connection.execute(
                    "INSERT INTO subscriber_events (address, at, status, how) VALUES (?, ?, ?, ?)",
                    (address, now, Status.PENDING.value, how),
                )
            elif row[0] == Status.PENDING.value and name:
                connection.execute(
                    "UPDATE subscribers SET name = ?, asked = ? WHERE address = ?",
                    (name, now, address),
                )
            else:
                connection.execute(
                    "UPDATE subscribers SET asked = ? WHERE address = ?", (now, address)
                )
        return True

    def purge_pending(self, how: str, before: float) -> int:
        """Forget readers who signed up `how` and never confirmed, pending since `before`."""
        with self._db.transaction() as connection:
            stale = [
                row[0]
                for row in connection.execute(
                    "SELECT address FROM subscribers WHERE status = ? AND how = ? AND since < ?",
                    (Status.PENDING.value, how, before),
                )
            ]
            for address in stale:
                connection.execute("DELETE FROM subscribers WHERE address = ?", (address,))
                connection.execute("DELETE FROM subscriber_events WHERE address = ?", (address,))
        return len(stale)

    def pause(self, address: str, until: float, *, when: float | None = None) -> None:
        """Mail a reader (of any list) nothing until `until`."""
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO pauses (address, until, created) VALUES (?, ?, ?) "
                "ON CONFLICT (address) DO UPDATE SET until = excluded.until",
                (normalize(address), until, time.time() if when is None else when),
            )

    def resume(self, address: str) -> bool:
        """End a reader's pause; False when there was none."""
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM pauses WHERE address = ?", (normalize(address),)
            )
            return cursor.rowcount > 0

    def move(self, old: str, new: str, how: str, *, when: float) -> bool:
        """Move a stored reader to a new address (confirmed); False when `old` is not stored.

        If the new address is stored already, it becomes confirmed and the old row goes.
        """
        old, new = normalize(old), normalize(new)
        with self._db.transaction() as connection:
            row = connection.execute(
                "SELECT name, attributes FROM subscribers WHERE address = ?", (old,)
            ).fetchone()
            if row is None:
                return False
            connection.execute(
                "INSERT INTO subscribers (address, name, status, since, how, created, "
                "attributes) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET "
                "status = excluded.status, since = excluded.since, how = excluded.how",
                (new, row[0], Status.CONFIRMED.value, when, how, when, row[1]),
            )
            for table in ("subscribers", "pauses"):
                connection.execute(f"DELETE FROM {table} WHERE address = ?", (old,))
            connection.execute(
                "UPDATE subscriber_events SET address = ? WHERE address = ?", (new, old)
            )
            connection.execute(
                "INSERT INTO subscriber_events (address, at, status, how) VALUES (?, ?, ?, ?)",
                (new, when, Status.CONFIRMED.value, how),
            )
        return True

    def remove(self, addresses: Iterable[str]) -> list[str]:
        """Delete readers from the store (the suppression list keeps whoever it holds)."""
        removed: list[str] = []
        with self._db.transaction() as connection:
            for address in dict.fromkeys(normalize(a) for a in addresses):
                cursor = connection.execute("DELETE FROM subscribers WHERE address = ?", (address,))
                connection.execute("DELETE FROM subscriber_events WHERE address = ?", (address,))
                if cursor.rowcount:
                    removed.append(address)
        return removed

    def erase(self, address: str, *, when: float | None = None) -> int:
        """Delete every row naming a reader and keep only their hash; returns rows deleted."""
        address = normalize(address)
        deleted = 0
        with self._db.transaction(secure_delete=True) as connection:
            for table in READER_TABLES:
                deleted += connection.execute(
                    f"DELETE FROM {table} WHERE address = ?", (address,)
                ).rowcount
            connection.execute(
                "INSERT OR IGNORE INTO erased (hash, created) VALUES (?, ?)",
                (erased_hash(address), time.time() if when is None else when),
            )
        self._db.checkpoint()
        return deleted

    def set_setting_once(self, key: str, value: str) -> str:
        """Keep `value` under `key` unless one is there; returns the value kept."""
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", (key, value)
            )
            return str(
                connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()[0]
            )


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), QUERY_BATCH):
        yield items[start : start + QUERY_BATCH]


__all__ = [
    "Change",
    "Status",
    "StatusEvent",
    "Subscriber",
    "SubscriberStore",
    "SubscriberStoreError",
    "erased_hash",
    "normalize",
]
