"""One list file read row by row: typed records in file order, bad lines named, never fatal.

Every physical line is parsed on its own, so a broken row (an unterminated quote, bytes in no
encoding) is reported with its line number and never swallows the rows after it. A quoted
cell may still hold line breaks: the next few lines are joined to it when that closes the
quote into a row of the right width, and read on their own again when it does not.
"""

from __future__ import annotations

import itertools
import logging
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from digest.delivery.lists import content
from digest.delivery.lists.formats import ExportFormat, StatusReader, detect
from digest.delivery.lists.header import (
    EXCEL_SEPARATOR_HINT,
    HEADERLESS,
    UNTERMINATED,
    Columns,
    LayoutError,
    describe_layout,
    map_columns,
    sniff_delimiter,
    split_quoted,
    split_row,
)
from digest.delivery.lists.records import (
    BadRow,
    ListFileError,
    Row,
    is_address,
    name_of,
    unbracket,
    value_problems,
)
from digest.delivery.lists.spreadsheet import ESCAPE, from_spreadsheet
from digest.delivery.recipients import (
    MAX_VALUE_CHARS,
    check_address,
    fast_address,
)

logger = logging.getLogger(__name__)

# A quoted cell holding line breaks spans at most this many lines (Mailchimp's NOTES do).
MAX_CONTINUATION_LINES = 20
# Lines read past the header to find the address column when no header names it.
MAX_LOOK_AHEAD = 50
PLAIN_LIST = ExportFormat("plain list")
TAB_PLAIN_LINE = re.compile(r"[\t\x20-\x7e]*")


class ListFile:
    """A list's layout, format and rows; iterate once for the rows; a context manager."""

    def __init__(
        self,
        source: str,
        encoding: content.Encoding,
        lines: Iterator[content.Line],
        close: Callable[[], None] = lambda: None,
        expected_rows: int = 0,
    ) -> None:
        self.source = source
        self.encoding = encoding
        self.expected_rows = expected_rows  # a guess from the file's size, to size tables
        self.notes: list[str] = []
        self._close = close
        self._lines = lines
        self._ahead: list[content.Line] = []
        self._status: StatusReader | None = None
        self.format, self.columns, self._delimiter = self._read_header()
        said = self.format.file_status
        # Every row's status when the file says it as a whole (Mailchimp's three exports).
        self._file_said = (said, f"a {self.format.name}" if said and said.suppressed else "")
        self.layout = describe_layout(
            self._delimiter, self.columns.count, self.format is PLAIN_LIST
        )
        indexes = [index for index, _ in self.columns.fields]
        # The merge values' cells: picked in C when there are several.
        self._pick = operator.itemgetter(*indexes) if len(indexes) > 1 else None
        self._one = indexes[0] if len(indexes) == 1 else None

    def _values(self, cells: list[str]) -> tuple[str, ...]:
        if self._pick is not None:
            return tuple(map(str.strip, self._pick(cells)))
        return (cells[self._one].strip(),) if self._one is not None else ()

    @property
    def field_names(self) -> tuple[str, ...]:
        """The merge fields each row's `values` hold (email and name are apart)."""
        return self.columns.field_names

    def _fail(self, line: int, message: str) -> ListFileError:
        return ListFileError(f"{self.source}: line {line}: {message}")

    def _read_header(self) -> tuple[ExportFormat, Columns, str]:
        delimiter: str | None = None
        for number, text, problem in self._lines:
            if text is None:
                raise self._fail(number, f"the header row cannot be read: {problem}")
            stripped = text.strip()
            hint = EXCEL_SEPARATOR_HINT.match(stripped)
            if hint and delimiter is None:
                delimiter = hint.group(1)
            elif stripped and not stripped.startswith("#"):
                break
        else:
            raise ListFileError(f"{self.source}: the file holds no rows")
        delimiter = delimiter or sniff_delimiter(text)
        try:
            header = split_row(text, delimiter)
        except ValueError as error:
            raise self._fail(number, f"the header row is {error}") from None
        found = [i for i, cell in enumerate(header) if is_address(unbracket(cell))]
        if found:
            self._ahead = [(number, text, "")]
            if len(header) <= 2 and found[0] == 0:
                return PLAIN_LIST, HEADERLESS, delimiter
            self.notes.append(
                f"no header row: addresses are taken from column {found[0] + 1}; "
                "the other columns are not used"
            )
            return PLAIN_LIST, Columns(found[0], len(header)), delimiter
        export, self._status = detect(header)
        first_row = self._look_ahead(delimiter)
        try:
            columns, notes = map_columns(header, first_row, is_address, export.date_keys)
        except LayoutError as error:
            raise self._fail(number, str(error)) from None
        self.notes += notes
        return export, columns, delimiter

    def _look_ahead(self, delimiter: str) -> list[str] | None:
        """The first data row's cells (the lines read stay queued for the rows)."""
        for line in itertools.islice(self._lines, MAX_LOOK_AHEAD):
            self._ahead.append(line)
            if line[1] is not None and line[1].strip():
                try:
                    return split_row(line[1], delimiter)
                except ValueError:
                    return None
        return None

    def __iter__(self) -> Iterator[Row | BadRow]:
        source: Iterator[content.Line] = itertools.chain(self._ahead, self._lines)
        self._ahead = []
        delimiter = self._delimiter
        tab_safe = delimiter == "\t"
        # The common row (right width, plain ASCII, an address of the common shape) is built
        # here in one step; every other row takes `_row`, which checks all there is to check.
        columns = self.columns
        count, email_at, date_at = columns.count, columns.email, columns.date
        name_at, first_at, last_at = columns.name, columns.first_name, columns.last_name
        pick, one, status_of = self._pick, self._one, self._status
        # A plain line's only blank is the space: beside no delimiter and at neither end, it
        # pads no cell, and no cell needs stripping.
        space_before, space_after = f" {delimiter}", f"{delimiter} "
        file_said = self._file_said
        # Printable ASCII only (and the tab when it is the delimiter): such a line holds no
        # character a name or a merge value may not have.
        tab_plain = TAB_PLAIN_LINE.fullmatch
        new = tuple.__new__  # what Row(...) does, without its Python-level __new__
        while True:
            for number, text, problem in source:
                if text is None:
                    yield BadRow(number, problem)
                    continue
                if not text:
                    continue  # (a line of spaces is a row of empty cells: `_row` skips it)
                if '"' in text:
                    cells, again = self._quoted(number, text, source)
                    if isinstance(cells, BadRow):
                        yield cells
                        if again:  # lines read ahead in vain: each is a row of its own
                            source = itertools.chain(again, source)
                            break
                        continue
                    plain = False
                else:
                    cells = text.split(delimiter)
                    plain = len(text) <= MAX_VALUE_CHARS and (
                        tab_plain(text) is not None
                        if tab_safe
                        else text.isascii() and text.isprintable()  # C loops; isascii: a flag
                    )
                    width = len(cells)
                    if plain and (width == count or (not count and width <= 2)):
                        if (
                            space_before in text
                            or space_after in text
                            or text[0] == " "
                            or text[-1] == " "
                        ):
                            cells = [cell.strip() for cell in cells]  # (else no cell needs it)
                        cell = cells[email_at]
                        # An export's guarded cell ("'=...") takes the slow path below.
                        email = None if cell[:1] == ESCAPE else fast_address(cell)
                    else:
                        email = None
                    if email is not None:
                        status, detail = status_of(cells, email) if status_of else file_said
                        date = cells[date_at] if date_at is not None else ""
                        if name_at is not None:
                            name = cells[name_at] if name_at < len(cells) else ""
                        else:  # `name_of`, inlined: one call less per row
                            first = cells[first_at] if first_at is not None else ""
                            last = cells[last_at] if last_at is not None else ""
                            name = f"{first} {last}" if first and last else first or last
                        if name[:1] == ESCAPE:
                            name = from_spreadsheet(name)
                        if pick is not None:  # `_values`, inlined
                            values = pick(cells)
                        else:
                            values = (cells[one],) if one is not None else ()
                        yield new(
                            Row,
                            (
                                number,
                                email,
                                name,
                                values,
                                status,
                                detail,
                                date,
                                (),
                            ),
                        )
                        continue
                row = self._row(number, cells, plain)
                if row is not None:
                    yield row
            else:
                return

    def _quoted(
        self, number: int, text: str, source: Iterator[content.Line]
    ) -> tuple[list[str] | BadRow, list[content.Line]]:
        """A record with quotes, joined with the next lines while a quoted cell stays open."""
        try:
            return split_quoted(text, self._delimiter), []
        except ValueError as error:
            if str(error) != UNTERMINATED:
                return BadRow(number, str(error)), []
        taken: list[content.Line] = []
        for line in itertools.islice(source, MAX_CONTINUATION_LINES):
            taken.append(line)
            if line[1] is None:
                break
            text = f"{text}\n{line[1]}"
            if len(text) > content.MAX_LINE_CHARS:
                break
            try:
                cells = split_quoted(text, self._delimiter)
            except ValueError as error:
                if str(error) == UNTERMINATED:
                    continue
                break
            if len(cells) == self.columns.count:
                return cells, []
            break
        return BadRow(number, UNTERMINATED), taken

    def _row(self, number: int, cells: list[str], plain: bool) -> Row | BadRow | None:
        """One record's cells as a reader, or why they are none (None for an empty row)."""
        columns = self.columns
        if columns.count == 0:
            if len(cells) > 2:
                return BadRow(
                    number,
                    f"{len(cells)} cells; a list without a header row holds an address and "
                    "optionally a name per line (add a header row such as email,name,city)",
                )
        elif len(cells) != columns.count:
            if not any(cell.strip() for cell in cells):
                return None  # a row of empty cells, as spreadsheets export
            return BadRow(number, f"{len(cells)} cells where the header has {columns.count}")
        raw = from_spreadsheet(cells[columns.email].strip())  # digest's own exports guard cells
        if not raw:
            if not any(cell.strip() for cell in cells):
                return None
            return BadRow(number, "no address")
        try:
            email = check_address(raw)
        except ValueError as error:
            try:
                email = check_address(unbracket(raw))
            except ValueError:
                shown = raw if len(raw) <= 60 else raw[:57] + "..."
                return BadRow(number, f"{shown!r} is not an email address ({error})")
        name = from_spreadsheet(name_of(cells, columns))
        values = self._values(cells)
        problems: tuple[str, ...] = ()
        if not plain:
            problems = value_problems(name, columns.field_names, values)
        status, detail = self._status(cells, email) if self._status else self._file_said
        date = cells[columns.date].strip() if columns.date is not None else ""
        return Row(number, email, name, values, status, detail, date, problems)

    def close(self) -> None:
        """Close the file."""
        self._close()

    def __enter__(self) -> ListFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _blocks(stream: BinaryIO) -> Iterator[bytes]:
    while block := stream.read(content.READ_BLOCK_BYTES):
        yield block


def _start(
    source: str, blocks: Iterator[bytes], close: Callable[[], None], size: int = 0
) -> ListFile:
    head = next(blocks, b"")
    container = content.describe_container(head)
    if container:
        raise ListFileError(f"{source}: {container}")
    encoding = content.detect_encoding(head)
    rest = itertools.chain([head[encoding.bom :]], blocks)
    breaks = head.count(b"\n") or head.count(b"\r")
    expected = size * breaks // len(head) if head and size else breaks
    return ListFile(source, encoding, content.lines(rest, encoding), close, expected)


def open_list(path: Path) -> ListFile:
    """Open a list file and read its header: ListFileError when it cannot be a list."""
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise ListFileError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ListFileError(f"{path}: is a folder, not a list file") from None
    except OSError as error:
        raise ListFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        return _start(str(path), _blocks(stream), stream.close, os.fstat(stream.fileno()).st_size)
    except OSError as error:
        stream.close()
        raise ListFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    except BaseException:
        stream.close()
        raise


def parse_list(data: str | bytes | Iterable[bytes], source: str = "list") -> ListFile:
    """A list held in memory (tests, stdin): text, bytes, or blocks of bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    blocks = iter([data]) if isinstance(data, bytes) else iter(data)
    return _start(source, blocks, lambda: None)
