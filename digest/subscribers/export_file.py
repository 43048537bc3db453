"""A newsroom system's export of addresses not to mail, read through the one list reader.

Whatever `digest send --to` reads, this reads the same way (`digest.delivery.lists`): the same
encodings, delimiters, header names and formats. What is imported follows what the export
says about each reader: Mailchimp's unsubscribed and cleaned exports, listmonk's
`blocklisted`, Ghost's and Substack's unsubscribed flags, a `reason` or `status` column. A row
whose export says "subscribed" is left alone (an export of subscribed readers imports nothing
unless every row is asked for), a row that says nothing takes the reason given on the command
line. Dates come from the column of the status they date (`UNSUB_TIME`, `CLEAN_TIME`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digest.delivery.lists import BadRow, ListFileError, Status, open_list
from digest.delivery.recipients import RowProblem
from digest.delivery.suppression import Reason, Suppression, normalize_address

DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
# listmonk writes Go's time format: "2024-11-20 09:15:02.123456 +0000 UTC".
GO_TIME = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.\d+)? ([+-]\d{4})(?: \w+)?")
UNIX_TIME = re.compile(r"\d{9,11}(\.\d+)?")
REASON_BY_STATUS = {
    Status.UNSUBSCRIBED: Reason.UNSUBSCRIBED,
    Status.CLEANED: Reason.HARD_BOUNCE,
    Status.SOFT_BOUNCED: Reason.SOFT_BOUNCES,
    Status.COMPLAINED: Reason.COMPLAINT,
    Status.BLOCKLISTED: Reason.MANUAL,
}


class ExportFileError(ListFileError):
    """The file cannot be read as a list, or holds nothing to suppress."""


@dataclass(slots=True)
class ExportFile:
    """What the file held: the entries to suppress, and every row that was not clean."""

    entries: list[Suppression] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)  # not imported
    notes: list[RowProblem] = field(default_factory=list)  # imported with a default
    duplicates: int = 0
    rows: int = 0
    subscribed: int = 0  # readers the export says are subscribed: left alone
    layout: str = ""  # how the file was read, for the report
    format_name: str = ""


def parse_date(value: str) -> float | None:
    """A date cell as Unix time (UTC when it names no zone); None when it is not one."""
    text = value.strip()
    if not text:
        return None
    if UNIX_TIME.fullmatch(text):
        return float(text)
    go = GO_TIME.fullmatch(text)
    if go:
        text = f"{go.group(1)}{go.group(2)}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for pattern in DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def iter_export(
    path: Path,
    default_reason: Reason,
    source: str,
    stats: ExportFile,
    *,
    every_row: bool = False,
) -> Iterator[Suppression]:
    """Stream the entries of an export, filling `stats` as it goes; memory stays flat.

    Rows without a valid address are listed in `stats.skipped`, never guessed at. Raises
    ExportFileError for a file that is no list, or an export of subscribed readers only
    (unless `every_row`: then every address is suppressed, with `default_reason`).
    """
    with open_list(path) as listing:
        stats.layout = f"{listing.layout}, {listing.encoding.label}"
        stats.format_name = listing.format.name
        if listing.format.service:
            stats.layout += f" ({listing.format.name})"
        # A 64-bit hash per address finds duplicates in a fraction of the memory of a set of
        # strings; two different addresses sharing one is a one-in-10**7 chance at 1 M rows.
        seen: set[int] = set()
        now = datetime.now(UTC).timestamp()
        imported = 0
        for row in listing:
            stats.rows += 1
            if isinstance(row, BadRow):
                stats.skipped.append(RowProblem(row.line, row.message))
                continue
            dated = row.status is None or row.status.suppressed  # the date is its status's
            reason: Reason | None
            if dated:
                reason = default_reason if row.status is None else REASON_BY_STATUS[row.status]
            else:
                reason = default_reason if every_row else None
            if reason is None:  # the export says this reader is subscribed (or unconfirmed)
                stats.subscribed += 1
                continue
            address = normalize_address(row.email)
            key = hash(address)
            if key in seen:
                stats.duplicates += 1
                continue
            seen.add(key)
            created = now
            if row.date and dated:
                parsed = parse_date(row.date)
                if parsed is None:
                    stats.notes.append(
                        RowProblem(row.line, f"date {row.date[:40]!r} not understood")
                    )
                else:
                    created = parsed
            imported += 1
            yield Suppression(address, reason, created, source)
        if not imported and stats.subscribed:
            raise ExportFileError(
                f"{path}: every reader in it is subscribed ({listing.format.name}): nothing to "
                f"suppress. To mail them: `digest send EDITION --to {path}`; to suppress all "
                f"{stats.subscribed:,} anyway: add --every-row"
            )


def read_export(
    path: Path, default_reason: Reason, source: str, *, every_row: bool = False
) -> ExportFile:
    """Read a whole export into memory (entries included): for small files and tests."""
    stats = ExportFile()
    stats.entries = list(iter_export(path, default_reason, source, stats, every_row=every_row))
    return stats
