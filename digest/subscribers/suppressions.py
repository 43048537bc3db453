"""`digest subscribers ...`: import an export into the suppression list, list it, remove from it."""

from __future__ import annotations

import csv
import io
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.atomic import write_atomic
from digest.delivery.suppression import (
    Reason,
    Suppression,
    SuppressionError,
    SuppressionList,
    default_suppression_path,
)
from digest.subscribers.cells import spreadsheet_safe
from digest.subscribers.export_file import ExportFile, iter_export
from digest.subscribers.publication import open_publication

logger = logging.getLogger(__name__)

# Rows go into SQLite in transactions of this many: one fsync each, memory stays flat.
WRITE_BATCH = 50_000
EXPORT_COLUMNS = ("email", "reason", "date", "source")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import read and changed."""

    file: ExportFile
    added: int
    already: int
    dry_run: bool


def import_suppressions(
    where: Path, export: Path, reason: Reason, *, dry_run: bool = False, every_row: bool = False
) -> ImportResult:
    """Add the addresses `export` says not to mail to the publication's suppression list, in
    batches (every address in it with `every_row`)."""
    folder = open_publication(where)
    stats = ExportFile()
    entries = iter_export(export, reason, f"import {export.name}", stats, every_row=every_row)
    path = default_suppression_path(folder.root)
    added = total = 0
    if dry_run and not path.exists():  # a dry run creates nothing
        total = added = sum(1 for _ in entries)
        return ImportResult(stats, added, 0, True)
    with SuppressionList(path) as suppressions:
        while batch := list(itertools.islice(entries, WRITE_BATCH)):
            total += len(batch)
            if dry_run:
                known = suppressions.suppressed([entry.address for entry in batch])
                added += len(batch) - len(known)
            else:
                added += suppressions.add_many(batch)
    logger.info("imported %d suppressions from %s (%d new)", total, export, added)
    return ImportResult(stats, added, total - added, dry_run)


def list_suppressions(where: Path, reason: Reason | None = None) -> list[Suppression]:
    """The suppression list, oldest first (optionally one reason only)."""
    path = default_suppression_path(open_publication(where).root)
    if not path.exists():  # nobody has left yet; listing creates nothing
        return []
    with SuppressionList(path) as suppressions:
        return list(suppressions.entries(reason))


def suppression_csv(entries: Iterable[Suppression]) -> str:
    """The list as CSV (email, reason, ISO date, source), for a newsroom system to import.

    A cell that a spreadsheet would run as a formula starts with an apostrophe.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        when = datetime.fromtimestamp(entry.created, UTC).isoformat(timespec="seconds")
        cells = (entry.address, entry.reason.value, when, entry.source)
        writer.writerow([spreadsheet_safe(cell) for cell in cells])  # no formula ever runs
    return buffer.getvalue()


def export_suppressions(where: Path, target: Path, reason: Reason | None = None) -> int:
    """Write the list to `target` as CSV, atomically; returns how many rows."""
    entries = list_suppressions(where, reason)
    try:
        write_atomic(target, suppression_csv(entries).encode("utf-8"))
    except OSError as error:
        raise SuppressionError(f"cannot write {target}: {error.strerror or error}") from None
    return len(entries)


def remove_suppressions(where: Path, addresses: Iterable[str]) -> list[str]:
    """Take addresses off the list (a reader who asked to come back); returns those removed."""
    folder = open_publication(where)
    with SuppressionList(default_suppression_path(folder.root)) as suppressions:
        return suppressions.remove(addresses)
