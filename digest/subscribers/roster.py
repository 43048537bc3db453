"""`digest subscribers add | list | export | remove | erase`: the store, by the editor's hand.

`remove` takes readers out of the store (their suppression, if any, stays); `erase` is the
GDPR erasure: every row naming the reader goes (store, history, pauses, suppression list,
bounces, reports) and the send journal keeps only a stand-in, so nothing is left but a hash
that stops any import or send from bringing them back unasked.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.atomic import write_atomic
from digest.delivery.journal import Journal, default_journal_path
from digest.delivery.recipients import check_address, check_value
from digest.delivery.suppression import SuppressionList, default_suppression_path
from digest.errors import DigestError, ExitCode
from digest.store.subscribers import (
    Change,
    Status,
    Subscriber,
    SubscriberStore,
    SubscriberStoreError,
    erased_hash,
)
from digest.subscribers.cells import spreadsheet_safe
from digest.subscribers.publication import open_publication

logger = logging.getLogger(__name__)

ADDED_HOW = "added by the editor"
EXPORT_COLUMNS = ("email", "name", "status", "since", "how", "created", "paused_until")
# The journal's stand-in for an erased reader: no address, only the hash the store keeps.
ERASED_PREFIX = "erased:"


@dataclass(frozen=True, slots=True)
class Added:
    """What `add` did with each address."""

    added: tuple[str, ...]
    already: tuple[str, ...]  # confirmed before
    refused: tuple[tuple[str, str], ...]  # (address, why)


def _store_path(where: Path) -> Path:
    return default_suppression_path(open_publication(where).root)


def add_subscribers(
    where: Path,
    addresses: Sequence[str],
    *,
    name: str = "",
    attributes: Sequence[tuple[str, str]] = (),
    force: bool = False,
) -> Added:
    """Add readers as confirmed (the editor has their consent); suppressed or erased readers
    only with `force` (they asked to come back)."""
    if name and check_value("name", name):
        raise DigestError(f"--name {name!r}: {check_value('name', name)}")
    path = _store_path(where)
    added: list[str] = []
    already: list[str] = []
    refused: list[tuple[str, str]] = []
    now = time.time()
    with SubscriberStore(path) as store, SuppressionList(path) as suppressions:
        changes: list[Change] = []
        for given in dict.fromkeys(addresses):
            try:
                address = check_address(given).lower()
            except ValueError as error:
                refused.append((given, str(error)))
                continue
            current = store.get(address)
            if current is not None and current.status is Status.CONFIRMED:
                already.append(address)
                continue
            blocked = suppressions.get(address)
            if not force and (blocked is not None or store.erased_among([address])):
                why = f"suppressed ({blocked.reason.value})" if blocked else "erased earlier"
                refused.append((address, f"{why}; add it with --force if the reader asked"))
                continue
            changes.append(
                Change(address, Status.CONFIRMED, ADDED_HOW, now, name or None, tuple(attributes))
            )
            added.append(address)
        store.write(changes)
        suppressions.remove(added)
    return Added(tuple(added), tuple(already), tuple(refused))


def list_subscribers(where: Path, status: Status | None = None) -> Iterator[Subscriber]:
    """The store's readers in address order (one status, or all)."""
    path = _store_path(where)
    if not path.exists():  # nobody yet; listing creates nothing
        return
    with SubscriberStore(path) as store:
        yield from store.stream(status)


def store_counts(where: Path) -> dict[Status, int]:
    """How many readers have each status."""
    path = _store_path(where)
    if not path.exists():
        return dict.fromkeys(Status, 0)
    with SubscriberStore(path) as store:
        return store.counts()


def _when(moment: float | None) -> str:
    if moment is None:
        return ""
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def subscribers_csv(readers: Iterator[Subscriber]) -> str:
    """The store as CSV (spreadsheet-safe), attributes as columns after the fixed ones."""
    rows = list(readers)
    extra = sorted({key for reader in rows for key, _ in reader.attributes})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*EXPORT_COLUMNS, *extra])
    for reader in rows:
        values = dict(reader.attributes)
        cells = (
            reader.address,
            reader.name,
            reader.status.value,
            _when(reader.since),
            reader.how,
            _when(reader.created),
            _when(reader.paused_until),
            *(values.get(key, "") for key in extra),
        )
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return buffer.getvalue()


def export_subscribers(where: Path, target: Path, status: Status | None = None) -> int:
    """Write the store (one status, or all) to `target` as CSV, atomically; returns the rows."""
    text = subscribers_csv(list_subscribers(where, status))
    try:
        write_atomic(target, text.encode("utf-8"))
    except OSError as error:
        raise SubscriberStoreError(f"cannot write {target}: {error.strerror or error}") from None
    return text.count("\n") - 1


def remove_subscribers(where: Path, addresses: Sequence[str]) -> list[str]:
    """Take readers out of the store; returns those it held."""
    with SubscriberStore(_store_path(where)) as store:
        return store.remove(addresses)


def erase_subscriber(where: Path, address: str) -> int:
    """Erase one reader everywhere digest keeps them; returns the rows deleted or replaced."""
    folder = open_publication(where)
    address = address.strip().lower()
    if "@" not in address:
        raise DigestError(f"{address!r} is not an email address", exit_code=ExitCode.CONFIG)
    with SubscriberStore(default_suppression_path(folder.root)) as store:
        deleted = store.erase(address)
    journal_path = default_journal_path(folder.root)
    if journal_path.exists():
        with Journal(journal_path) as journal:
            deleted += journal.forget(address, ERASED_PREFIX + erased_hash(address))
    logger.info("erased one reader (%d rows)", deleted)
    return deleted


def attributes_json(reader: Subscriber) -> str:
    """A reader's attributes as one JSON object (for `list`)."""
    return json.dumps(dict(reader.attributes), ensure_ascii=False, sort_keys=True)
