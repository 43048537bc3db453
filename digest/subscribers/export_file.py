"""A newsroom system's export of addresses not to mail: CSV (`,` `;` tab), or one per line.

Header spellings of the common tools are understood (Mailchimp's `Email Address`, Buttondown,
listmonk and Substack's `email`, `email_address`, `E-Mail`); a BOM, CRLF and Windows-1252 files
from Excel too. Optional columns give each row its reason and date; Mailchimp's unsubscribed and
cleaned exports say theirs through their `UNSUB_TIME` / `CLEAN_TIME` columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from digest.delivery.recipients import RowProblem
from digest.delivery.suppression import Reason, Suppression, normalize_address
from digest.errors import DigestError, ExitCode

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


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODING, errors="replace")


def _reason(value: str) -> Reason | None:
    lowered = value.strip().lower()
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


def _rows(text: str) -> tuple[list[str] | None, Iterator[list[str]], str, int]:
    """(header or None, the data rows, how the file was read, the first data row's line)."""
    lines = text.splitlines()
    # Leading blank lines and `# comments` are not the header.
    skip = next((n for n, line in enumerate(lines) if line.strip() and line[0] != "#"), 0)
    lines = lines[skip:]
    first = lines[0] if lines else ""
    delimiter = max(DELIMITERS, key=first.count)
    if first.count(delimiter) == 0:
        # One column: a plain list of addresses, or a one-column CSV with a header.
        cells = ([line.strip()] for line in lines)
        if ADDRESS.fullmatch(first.strip()):
            return None, cells, "one address per line", skip + 1
        return [next(cells, [""])[0]], cells, "one column with a header", skip + 2
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = next(reader, [])
    name = {"\t": "tab"}.get(delimiter, delimiter)
    if any(ADDRESS.fullmatch(cell.strip()) for cell in header):
        return None, iter([header, *reader]), f"CSV separated by {name!r}, no header", skip + 1
    return header, reader, f"CSV separated by {name!r}", skip + 2


def read_export(path: Path, default_reason: Reason, source: str) -> ExportFile:
    """Read an export; rows without a valid address are listed, never guessed at."""
    try:
        text = _decode(path.read_bytes())
    except FileNotFoundError:
        raise ExportFileError(f"{path}: file not found", exit_code=ExitCode.CONFIG) from None
    except OSError as error:
        raise ExportFileError(f"{path}: cannot be read: {error.strerror}") from None
    header, rows, layout, first_line = _rows(text)
    result = ExportFile(layout=layout)
    email_column, reason_column, date_column = None, None, None
    file_reason = default_reason
    if header is not None:
        keys = [_key(cell) for cell in header]
        email_column = next((n for n, key in enumerate(keys) if key in EMAIL_HEADERS), None)
        if email_column is None:
            raise ExportFileError(
                f"{path}: no column of addresses; the header has "
                f"{', '.join(repr(cell) for cell in header)}. Name it `email` "
                "(or `Email Address`), or give a plain list with one address per line"
            )
        reason_column = next((n for n, key in enumerate(keys) if key in REASON_HEADERS), None)
        date_column = next((n for n, key in enumerate(keys) if key in DATE_HEADERS), None)
        file_reason = next(
            (REASON_BY_HEADER[key] for key in keys if key in REASON_BY_HEADER), default_reason
        )
    seen: set[str] = set()
    now = datetime.now(UTC).timestamp()
    for line, cells in enumerate(rows, start=first_line):
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        result.rows += 1
        if email_column is None:
            found = [cell.strip() for cell in cells if "@" in cell]
            raw = found[0] if found else cells[0].strip()
        else:
            raw = cells[email_column].strip() if email_column < len(cells) else ""
        address = normalize_address(raw.strip("<>"))
        if not ADDRESS.fullmatch(address) or len(address) > MAX_ADDRESS_CHARS:
            shown = raw if len(raw) <= 60 else raw[:57] + "..."
            result.skipped.append(RowProblem(line, f"{shown!r} is not an email address"))
            continue
        if address in seen:
            result.duplicates += 1
            continue
        seen.add(address)
        reason = file_reason
        if reason_column is not None and reason_column < len(cells) and cells[reason_column]:
            reason = _reason(cells[reason_column]) or file_reason
        created = now
        if date_column is not None and date_column < len(cells) and cells[date_column].strip():
            parsed = _date(cells[date_column])
            if parsed is None:
                result.notes.append(
                    RowProblem(line, f"date {cells[date_column].strip()[:40]!r} not understood")
                )
            else:
                created = parsed
        result.entries.append(Suppression(address, reason, created, source))
    return result
