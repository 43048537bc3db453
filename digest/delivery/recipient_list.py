"""A whole recipient list: checked in one streaming pass, then handed to the send in file order.

The check reads the file once, validates every row, finds duplicates and writes the good rows
to a private spool (a temporary SQLite database deleted when the list is closed), so memory
does not grow with the list and the send reads exactly what was checked, even if the file
changes meanwhile.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from digest.delivery.listfile import (
    EXCEL_SEPARATOR_HINT,
    HEADERLESS,
    Columns,
    Line,
    map_columns,
    read_lines,
    sniff_delimiter,
    split_row,
)
from digest.delivery.recipients import (
    Recipient,
    RecipientsError,
    RowProblem,
    check_address,
    check_value,
)

logger = logging.getLogger(__name__)

# How many bad rows and duplicates a report keeps word for word; the rest are counted.
MAX_LISTED_PROBLEMS = 50
# Bounds a hostile or broken file; ten million readers is not a digest.
MAX_ROWS = 10_000_000
READ_BLOCK_BYTES = 1 << 20
# The spool's page cache; the rest of it lives in a temporary file, not in memory.
SPOOL_CACHE_KIB = 8_192
FETCH_ROWS = 1_000
# Merge values are joined with a character no accepted value can hold (controls are refused).
VALUE_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row whose address an earlier row already has; only the first row is mailed."""

    line: int
    first_line: int
    address: str

    def __str__(self) -> str:
        return f"line {self.line} repeats line {self.first_line} ({self.address})"


@dataclass(slots=True)
class ListCheck:
    """What checking a list found: good rows, bad rows, duplicates, and notes on its layout."""

    source: str
    layout: str = ""
    valid: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # the first MAX_LISTED_PROBLEMS
    problem_count: int = 0
    file_problem: bool = False  # header or file unusable: no row can be sent
    duplicates: list[Duplicate] = field(default_factory=list)
    duplicate_count: int = 0
    notes: list[str] = field(default_factory=list)

    def add_problem(self, problem: RowProblem) -> None:
        """Count a bad row, keeping its words if the report has room."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def add_duplicate(self, duplicate: Duplicate) -> None:
        """Count a duplicate row, keeping its lines if the report has room."""
        self.duplicate_count += 1
        if len(self.duplicates) < MAX_LISTED_PROBLEMS:
            self.duplicates.append(duplicate)


class _Spool:
    """The checked rows in a private temporary SQLite database, unique by address."""

    def __init__(self) -> None:
        # "" = a private on-disk temporary database, deleted when the connection closes.
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.execute(f"PRAGMA cache_size = -{SPOOL_CACHE_KIB}")
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE rows (line INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, "
            "email TEXT NOT NULL, name TEXT, fields TEXT NOT NULL)"
        )
        self.db.execute("BEGIN")

    def add(self, recipient: Recipient) -> int | None:
        """Keep a recipient; for an address already kept, return the line that has it."""
        key = recipient.email.lower()
        values = VALUE_SEPARATOR.join(value for _, value in recipient.fields)
        cursor = self.db.execute(
            "INSERT INTO rows VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (recipient.line, key, recipient.email, recipient.name, values),
        )
        if cursor.rowcount:
            return None
        row = self.db.execute("SELECT line FROM rows WHERE key = ?", (key,)).fetchone()
        return int(row[0])

    def finish(self) -> None:
        """End the writing transaction."""
        self.db.execute("COMMIT")

    def rows(self, fields: tuple[str, ...]) -> Iterator[Recipient]:
        """The kept recipients in file order, read a page at a time."""
        cursor = self.db.execute("SELECT email, name, fields, line FROM rows ORDER BY line")
        while batch := cursor.fetchmany(FETCH_ROWS):
            for email, name, values, line in batch:
                merged = zip(fields, values.split(VALUE_SEPARATOR), strict=True) if fields else ()
                yield Recipient(email, name, tuple(merged), line)


class RecipientList:
    """The checked recipients, streamed in file order; a context manager (closes the spool)."""

    def __init__(self, check: ListCheck, spool: _Spool, columns: Columns) -> None:
        self.check = check
        self._spool = spool
        self._columns = columns

    @property
    def fields(self) -> frozenset[str]:
        """Merge fields every recipient of this list has (email, name and the extra columns)."""
        return frozenset(self._columns.field_names)

    def __len__(self) -> int:
        return self.check.valid

    def __iter__(self) -> Iterator[Recipient]:
        extra = tuple(name for _, name in self._columns.fields)
        return self._spool.rows(extra)

    def close(self) -> None:
        """Delete the spool."""
        self._spool.db.close()

    def __enter__(self) -> RecipientList:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _row(line: Line, columns: Columns, delimiter: str) -> Recipient | list[str] | None:
    """One line as a recipient, the reasons it is bad, or None for a blank line."""
    if line.text is None:
        return [line.problem or "cannot be read"]
    if not line.text.strip():
        return None
    try:
        cells = split_row(line.text, delimiter)
    except ValueError as error:
        return [str(error)]
    if columns.count == 0:
        if len(cells) > 2:
            return [
                f"{len(cells)} cells; a list without a header row holds an address and "
                "optionally a name per line (add a header row such as email,name,city)"
            ]
        cells = [*cells, ""]
    elif len(cells) != columns.count:
        if not any(cell.strip() for cell in cells):
            return None  # a row of empty cells, as spreadsheets export
        return [f"{len(cells)} cells where the header has {columns.count}"]
    cell = cells[columns.email].strip()
    problems: list[str] = []
    address = ""
    try:
        address = check_address(cell)
    except ValueError as error:
        problems.append(f"email {cell!r}: {error}" if cell else "no address")
    name = _name(cells, columns)
    values = tuple((merge, cells[index].strip()) for index, merge in columns.fields)
    for column, value in (("name", name), *values):
        problem = check_value(column, value)
        if problem:
            problems.append(problem)
    if problems:
        return problems
    return Recipient(address, name or None, values, line.number)


def _name(cells: list[str], columns: Columns) -> str:
    if columns.name is not None:
        return cells[columns.name].strip()
    parts = (columns.first_name, columns.last_name)
    return " ".join(cells[i].strip() for i in parts if i is not None and cells[i].strip())


def _header(lines: Iterator[Line], check: ListCheck) -> tuple[Columns, str, list[Line]] | None:
    """Find the delimiter and columns; returns the lines read ahead that still need parsing."""
    delimiter: str | None = None
    for line in lines:
        if line.text is None:
            check.add_problem(RowProblem(line.number, f"the header row is {line.problem}"))
            return None
        hint = EXCEL_SEPARATOR_HINT.match(line.text.strip())
        if hint and delimiter is None:
            delimiter = hint.group(1)
            continue
        if line.text.strip():
            break
    else:
        check.add_problem(RowProblem(1, "the file holds no rows"))
        return None
    delimiter = delimiter or sniff_delimiter(line.text)
    try:
        header = split_row(line.text, delimiter)
    except ValueError as error:
        check.add_problem(RowProblem(line.number, f"the header row is {error}"))
        return None
    if len(header) <= 2 and not line.text.startswith('"') and _is_address(header[0]):
        check.layout = "one address per line (no header row)"
        return HEADERLESS, delimiter, [line]
    ahead = list(itertools.islice(lines, 1))
    while ahead and ahead[-1].text is not None and not ahead[-1].text.strip():
        ahead += itertools.islice(lines, 1)
        if len(ahead) > MAX_LISTED_PROBLEMS:
            break
    first = ahead[-1] if ahead and ahead[-1].text else None
    try:
        first_row = split_row(first.text, delimiter) if first and first.text else None
    except ValueError:
        first_row = None
    columns, notes, problems = map_columns(header, first_row)
    check.notes += notes
    for problem in problems:
        check.add_problem(RowProblem(line.number, problem.message))
    if columns is None:
        return None
    shown = {",": "comma", ";": "semicolon", "\t": "tab"}.get(delimiter, repr(delimiter))
    check.layout = f"CSV, {shown}-separated, with a header row"
    return columns, delimiter, ahead


def _is_address(cell: str) -> bool:
    try:
        check_address(cell.strip())
    except ValueError:
        return False
    return True


def scan(blocks: Iterable[bytes], source: str) -> RecipientList:
    """Check every row of a list; the good, unique ones are spooled for the send."""
    check = ListCheck(source)
    lines = read_lines(blocks)
    spool = _Spool()
    found = _header(lines, check)
    if found is None:
        check.file_problem = True
        spool.finish()
        return RecipientList(check, spool, HEADERLESS)
    columns, delimiter, ahead = found
    for line in itertools.chain(ahead, lines):
        if check.valid + check.problem_count >= MAX_ROWS:
            check.add_problem(RowProblem(line.number, f"more than {MAX_ROWS:,} rows"))
            check.file_problem = True
            break
        row = _row(line, columns, delimiter)
        if row is None:
            continue
        if isinstance(row, list):
            for message in row:
                check.add_problem(RowProblem(line.number, message))
            continue
        first = spool.add(row)
        if first is None:
            check.valid += 1
        else:
            check.add_duplicate(Duplicate(line.number, first, row.email))
    spool.finish()
    logger.debug(
        "%s: %d recipients, %d bad rows, %d duplicates",
        source,
        check.valid,
        check.problem_count,
        check.duplicate_count,
    )
    return RecipientList(check, spool, columns)


def parse_recipients(text: str | bytes, source: str = "list") -> RecipientList:
    """Check a list held in memory (tests, stdin)."""
    return scan([text.encode("utf-8") if isinstance(text, str) else text], source)


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while block := stream.read(READ_BLOCK_BYTES):
            yield block


def load_recipients(path: Path, *, skip_invalid: bool = False) -> RecipientList:
    """Check a list file; RecipientsError unless it is clean (or skip_invalid can help)."""
    try:
        listing = scan(_blocks(path), str(path))
    except FileNotFoundError:
        raise RecipientsError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise RecipientsError(f"{path}: is a folder, not a list file") from None
    except OSError as error:
        raise RecipientsError(f"{path}: cannot be read: {error.strerror or error}") from None
    except sqlite3.Error as error:  # the private spool: a full temporary folder, say
        raise RecipientsError(f"{path}: cannot check the list: {error}") from None
    check = listing.check
    if check.problem_count and (check.file_problem or not skip_invalid or not check.valid):
        listing.close()
        duplicates = f"\n{describe_duplicates(check)}" if check.duplicate_count else ""
        raise RecipientsError(describe_problems(check) + duplicates)
    if not check.valid:
        listing.close()
        raise RecipientsError(f"{path}: no recipients")
    return listing


def describe_problems(check: ListCheck, *, skipped: bool = False) -> str:
    """One message listing bad rows (the first few, then a count) and what can be done."""
    count = check.problem_count
    rows = f"{count:,} bad row{'s' if count != 1 else ''}"
    outcome = "skipped (--skip-invalid)" if skipped else "nothing was sent"
    lines = [f"{check.source}: {rows}; {outcome}:"]
    lines += [f"  - {problem}" for problem in check.problems]
    if count > len(check.problems):
        lines.append(f"  - ... and {count - len(check.problems):,} more")
    if skipped:
        return "\n".join(lines)
    if check.file_problem:
        lines.append("Fix the file first: no row can be sent until it reads correctly.")
    elif not check.valid:
        lines.append("No row is valid, so there is nobody to send to; fix the rows.")
    else:
        lines.append(
            f"Fix them, or pass --skip-invalid to send to the {check.valid:,} valid rows only."
        )
    return "\n".join(lines)


def describe_duplicates(check: ListCheck) -> str:
    """The duplicate rows, each sent once to its first row's address."""
    count = check.duplicate_count
    lines = [
        f"{check.source}: {count:,} duplicate address{'es' if count != 1 else ''}; "
        "each is sent once, with the first row's name and fields:"
    ]
    lines += [f"  - {duplicate}" for duplicate in check.duplicates]
    if count > len(check.duplicates):
        lines.append(f"  - ... and {count - len(check.duplicates):,} more")
    return "\n".join(lines)
