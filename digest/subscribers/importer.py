"""`digest subscribers import FILE`: readers from another system's export into the store.

Rules that keep an import from mailing anyone who left: an import never confirms a reader the
store has as unsubscribed, bounced or complained, nor one on the suppression list (they keep
that status); a row that says a reader left, bounced or complained is stored so and suppressed;
an erased reader (only a hash is left) is not imported at all. Rows without a status take
`--status` (confirmed by default: a newsroom's own list is its readers' consent).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from digest.delivery.suppression import (
    Reason,
    Suppression,
    SuppressionList,
    default_suppression_path,
)
from digest.store.subscribers import Change, Status, SubscriberStore
from digest.subscribers.membership import STATUS_OF_REASON
from digest.subscribers.publication import open_publication
from digest.subscribers.rows import BadRow, ListRow, read_rows

logger = logging.getLogger(__name__)

# Rows written per transaction: one fsync each, memory flat.
WRITE_BATCH = 5_000
# Bad rows a report keeps word for word; the rest are counted.
MAX_LISTED = 50
LEFT = frozenset({Status.UNSUBSCRIBED, Status.BOUNCED, Status.COMPLAINED})
REASON_OF_STATUS = {
    Status.UNSUBSCRIBED: Reason.UNSUBSCRIBED,
    Status.BOUNCED: Reason.HARD_BOUNCE,
    Status.COMPLAINED: Reason.COMPLAINT,
}


@dataclass(slots=True)
class ImportSummary:
    """What an import read and did."""

    rows: int = 0
    written: Counter[Status] = field(default_factory=Counter)  # new or changed, by status
    unchanged: int = 0
    kept: int = 0  # the file said confirmed; the store or suppression list says they left
    erased: int = 0  # erased earlier: not imported
    suppressed: int = 0  # added to the suppression list
    duplicates: int = 0
    bad: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    dry_run: bool = False


def import_subscribers(
    where: Path, path: Path, default: Status = Status.CONFIRMED, *, dry_run: bool = False
) -> ImportSummary:
    """Import every reader of `path` (any export the list reader knows) into the store."""
    folder = open_publication(where)
    summary = ImportSummary(dry_run=dry_run)
    rows = read_rows(path)  # a file that cannot be read fails here, before anything is opened
    how = f"import {path.name}"
    target = default_suppression_path(folder.root)
    seen: set[int] = set()
    with SubscriberStore(target) as store, SuppressionList(target) as suppressions:
        while batch := list(itertools.islice(rows, WRITE_BATCH)):
            readers: list[ListRow] = []
            for row in batch:
                if isinstance(row, BadRow):
                    summary.bad_count += 1
                    if len(summary.bad) < MAX_LISTED:
                        summary.bad.append(row)
                    continue
                key = hash(row.email.lower())  # 64 bits: a collision is one in 10**7 at 1 M
                if key in seen:
                    summary.duplicates += 1
                    continue
                seen.add(key)
                readers.append(row)
            summary.rows += len(batch)
            _batch(readers, store, suppressions, default, how, summary)
    logger.info("imported %s: %s", path, dict(summary.written))
    return summary


def _batch(
    readers: list[ListRow],
    store: SubscriberStore,
    suppressions: SuppressionList,
    default: Status,
    how: str,
    summary: ImportSummary,
) -> None:
    addresses = [row.email for row in readers]
    known = store.statuses(addresses)
    erased = store.erased_among(addresses)
    blocked = suppressions.lookup(addresses)
    now = time.time()
    changes: list[Change] = []
    suppress: list[Suppression] = []
    for row in readers:
        address = row.email.lower()
        if address in erased:
            summary.erased += 1
            continue
        wanted = row.status or default
        current = known.get(address)
        suppression = blocked.get(address)
        if wanted not in LEFT and suppression is not None:  # they left: they stay gone
            wanted = STATUS_OF_REASON[suppression.reason]
            summary.kept += 1
        elif wanted not in LEFT and current in LEFT:
            assert current is not None
            wanted = current
            summary.kept += 1
        if wanted in LEFT and suppression is None:
            suppress.append(Suppression(address, REASON_OF_STATUS[wanted], now, how))
        if current is wanted and not row.name and not row.attributes:
            summary.unchanged += 1
            continue
        changes.append(
            Change(
                address, wanted, how, now, name=row.name or None, attributes=row.attributes or None
            )
        )
        if current is not wanted:
            summary.written[wanted] += 1
        else:
            summary.unchanged += 1
    summary.suppressed += len(suppress)
    if not summary.dry_run:
        store.write(changes)
        suppressions.add_many(suppress)
