"""A newsroom system's export of addresses not to mail: CSV (`,` `;` tab), or one per line.

Header spellings of the common tools are understood (Mailchimp's `Email Address`, Buttondown,
listmonk and Substack's `email`, `email_address`, `E-Mail`); a BOM, CRLF and Windows-1252 files
from Excel too. Optional columns give each row its reason and date; Mailchimp's unsubscribed and
cleaned exports say theirs through their `UNSUB_TIME` / `CLEAN_TIME` columns.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digest.delivery.recipients import RowProblem
from digest.delivery.suppression import Reason, Suppression, normalize_address
from digest.errors import DigestError, ExitCode
from digest.subscribers.cells import from_spreadsheet

DELIMITERS = (",", ";", "\t", "|")
EMAIL_HEADERS = frozenset({"email", "emailaddress", "mail", "address", "emailaddr", "e_mail"})
REASON_HEADERS = frozenset({"reason", "suppressionreason", "type", "status"})
DATE_HEADERS = frozenset(
    {
        "date",
        "created",
        "createdat",
        "timestamp",
        "time",
        "when",
        "unsubtime",
        "cleantime",
        "suppressedat",
        "unsubscribedat",
    }
)
# Mailchimp names its exports' columns after what happened to the address.
REASON_BY_HEADER = {"unsubtime": Reason.UNSUBSCRIBED, "cleantime": Reason.HARD_BOUNCE}
# Words in a reason column, first match wins.
REASON_WORDS = (
    ("complain", Reason.COMPLAINT),
    ("spam", Reason.COMPLAINT),
    ("abuse", Reason.COMPLAINT),
    ("bounce", Reason.HARD_BOUNCE),
    ("clean", Reason.HARD_BOUNCE),
    ("unsub", Reason.UNSUBSCRIBED),
    ("opt", Reason.UNSUBSCRIBED),
    ("manual", Reason.MANUAL),
)
# RFC 5321: no address is longer; anything with spaces or without one @ is not an address.
MAX_ADDRESS_CHARS = 254
ADDRESS = re.compile(r"[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;]+")
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
# Excel in Western Europe saves CSV in Windows-1252 unless told otherwise.
FALLBACK_ENCODING = "cp1252"
DECODE_CHUNK_BYTES = 1 << 20


class ExportFileError(DigestError):
    """The file cannot be read, or has no column of addresses."""

    exit_code = ExitCode.RECIPIENTS


@dataclass(slots=True)
class ExportFile:
    """What the file held: the entries to suppress, and every row that was not clean."""

    entries: list[Suppression] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)  # not imported
    notes: list[RowProblem] = field(default_factory=list)  # imported with a default
    duplicates: int = 0
    rows: int = 0
    layout: str = ""  # how the file was read, for the report


def _key(header: str) -> str:
    return re.sub(r"[^a-z_]", "", header.strip().lower()).replace("_", "")


def _reason(value: str) -> Reason | None:
    lowered = value.strip().lower()
    if not lowered:
        return None
    for word, reason in REASON_WORDS:
        if word in lowered:
            return reason
    return None


def _date(value: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,11}(\.\d+)?", text):
        return float(text)
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


def _encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) if the whole file decodes as such, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(DECODE_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8-sig"


@dataclass(frozen=True, slots=True)
class _Columns:
    email: int | None  # None: the first cell holding an "@"
    reason: int | None
    date: int | None
    file_reason: Reason


def _columns(header: list[str], path: Path, default_reason: Reason) -> _Columns:
    keys = [_key(cell) for cell in header]
    email = next((n for n, key in enumerate(keys) if key in EMAIL_HEADERS), None)
    if email is None:
        raise ExportFileError(
            f"{path}: no column of addresses; the header has "
            f"{', '.join(repr(cell) for cell in header)}. Name it `email` "
            "(or `Email Address`), or give a plain list with one address per line"
        )
    return _Columns(
        email=email,
        reason=next((n for n, key in enumerate(keys) if key in REASON_HEADERS), None),
        date=next((n for n, key in enumerate(keys) if key in DATE_HEADERS), None),
        file_reason=next(
            (REASON_BY_HEADER[key] for key in keys if key in REASON_BY_HEADER), default_reason
        ),
    )


def _cell(cells: list[str], index: int | None) -> str:
    # digest's own exports guard formula starts with an apostrophe (digest.subscribers.cells).
    if index is None or index >= len(cells):
        return ""
    return from_spreadsheet(cells[index]).strip()


def iter_export(
    path: Path, default_reason: Reason, source: str, stats: ExportFile
) -> Iterator[Suppression]:
    """Stream the entries of an export, filling `stats` as it goes; memory stays flat.

    Rows without a valid address are listed in `stats.skipped`, never guessed at. Raises
    ExportFileError at once for a missing file or a header without an address column.
    """
    try:
        encoding = _encoding(path)
        handle = path.open(encoding=encoding, newline="")
    except FileNotFoundError:
        raise ExportFileError(f"{path}: file not found", exit_code=ExitCode.CONFIG) from None
    except OSError as error:
        raise ExportFileError(f"{path}: cannot be read: {error.strerror}") from None
    with handle:
        # Leading blank lines and `# comments` are not the header.
        skipped_lines, first = 0, ""
        for first in handle:
            if first.strip() and first[0] != "#":
                break
            skipped_lines += 1
        delimiter = max(DELIMITERS, key=first.count)
        name = {"\t": "tab"}.get(delimiter, delimiter)
        cells = next(csv.reader([first], delimiter=delimiter), [""])
        reader = csv.reader(handle, delimiter=delimiter)
        rows: Iterator[list[str]] = reader
        columns = _Columns(None, None, None, default_reason)
        first_line = skipped_lines + 1  # the reader counts the lines after it
        if any(ADDRESS.fullmatch(cell.strip()) for cell in cells):
            rows = itertools.chain([cells], reader)
            one = first.count(delimiter) == 0
            stats.layout = (
                "one address per line" if one else f"CSV separated by {name!r}, no header"
            )
        else:
            columns = _columns(cells, path, default_reason)
            one = first.count(delimiter) == 0
            stats.layout = "one column with a header" if one else f"CSV separated by {name!r}"
        # A 64-bit hash per address finds duplicates in a fraction of the memory of a set of
        # strings; two different addresses sharing one is a one-in-10**7 chance at 1 M rows.
        seen: set[int] = set()
        now = datetime.now(UTC).timestamp()
        for cells in rows:
            line = first_line + reader.line_num
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            stats.rows += 1
            if columns.email is None:
                raw = next((cell.strip() for cell in cells if "@" in cell), cells[0].strip())
            else:
                raw = _cell(cells, columns.email)
            address = normalize_address(raw.strip("<>"))
            if not ADDRESS.fullmatch(address) or len(address) > MAX_ADDRESS_CHARS:
                shown = raw if len(raw) <= 60 else raw[:57] + "..."
                stats.skipped.append(RowProblem(line, f"{shown!r} is not an email address"))
                continue
            key = hash(address)
            if key in seen:
                stats.duplicates += 1
                continue
            seen.add(key)
            reason = _reason(_cell(cells, columns.reason)) or columns.file_reason
            created = now
            when = _cell(cells, columns.date)
            if when:
                parsed = _date(when)
                if parsed is None:
                    stats.notes.append(RowProblem(line, f"date {when[:40]!r} not understood"))
                else:
                    created = parsed
            yield Suppression(address, reason, created, source)


def read_export(path: Path, default_reason: Reason, source: str) -> ExportFile:
    """Read a whole export into memory (entries included): for small files and tests."""
    stats = ExportFile()
    stats.entries = list(iter_export(path, default_reason, source, stats))
    return stats
