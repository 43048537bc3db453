"""Recipient list files as they come: CSV with `,` `;` or tab, exports' headers, plain lists.

Every physical line is one row and is parsed on its own, so a broken row (an unterminated
quote, bytes that are not UTF-8) is reported with its line number and never swallows the rows
after it. The address column is found by the names Mailchimp, Buttondown, listmonk, Substack
and spreadsheets use (`Email Address`, `email_address`, `Email`, `E-mail`, ...).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from digest.delivery.recipients import RowProblem, check_address

DELIMITERS = (",", ";", "\t")
# Lines longer than this are not a person's row; they are cut off and reported.
MAX_LINE_BYTES = 65_536
# Header spellings, compared with case, spaces and punctuation removed.
EMAIL_HEADERS = ("email", "emailaddress", "mail", "emailaddr", "subscriberemail")
NAME_HEADERS = ("name", "fullname", "displayname", "subscribername")
FIRST_NAME_HEADERS = ("firstname", "fname", "givenname", "first")
LAST_NAME_HEADERS = ("lastname", "lname", "surname", "familyname", "last")
# Excel writes this first line to name the delimiter of a CSV it exports.
EXCEL_SEPARATOR_HINT = re.compile(r"^sep=(.)$")
_NOT_FIELD_CHARS = re.compile(r"[^a-z0-9]+")
UTF8_BOM = b"\xef\xbb\xbf"
LINE_BREAK = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line: its number and text, or why it could not be read."""

    number: int
    text: str | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """Where the address, name and merge values are in each row."""

    email: int
    count: int  # cells a row must have; 0 for a list without a header row (1 or 2 cells)
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    fields: tuple[tuple[int, str], ...] = ()  # (cell index, merge field name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The merge fields a template may use with this list (email and name included)."""
        return ("email", "name", *(name for _, name in self.fields))


def physical_lines(blocks: Iterable[bytes]) -> Iterator[bytes | None]:
    """Lines without their ends (CRLF, LF or a lone CR); None for a line over MAX_LINE_BYTES."""
    carry = b""
    oversize = False
    for block in blocks:
        data = carry + block
        held = b""
        if data.endswith(b"\r"):  # maybe the first half of CRLF: decide with the next block
            data, held = data[:-1], b"\r"
        parts = LINE_BREAK.split(data)
        carry = parts.pop() + held
        for part in parts:
            if oversize:  # this part ends a line whose start was already dropped
                oversize = False
                yield None
            else:
                yield None if len(part) > MAX_LINE_BYTES else part
        if len(carry) > MAX_LINE_BYTES:
            oversize, carry = True, b""
    if oversize:
        yield None
    elif carry.rstrip(b"\r"):
        yield carry.rstrip(b"\r")


def read_lines(blocks: Iterable[bytes]) -> Iterator[Line]:
    """Physical lines as UTF-8 text (BOM removed); unreadable lines become a problem line."""
    for number, raw in enumerate(physical_lines(blocks), start=1):
        if raw is None:
            yield Line(number, None, f"longer than {MAX_LINE_BYTES:,} bytes")
            continue
        if number == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Line(
                number,
                None,
                f'not UTF-8 text (byte {error.start + 1}); save the list as "CSV UTF-8"',
            )
            continue
        yield Line(number, text)


def sniff_delimiter(header: str) -> str:
    """The delimiter used most often outside quotes in the header line (',' when none is)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def split_row(text: str, delimiter: str) -> list[str]:
    """The cells of one line; raises ValueError for broken quoting."""
    if '"' not in text:
        return text.split(delimiter)
    try:
        rows = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as error:
        reason = "an unterminated quote" if "unexpected end" in str(error) else str(error)
        raise ValueError(f"not valid CSV: {reason}") from None
    return rows[0] if rows else []


def field_name(header: str) -> str:
    """A header cell as a merge-field name: 'First Name' -> 'first_name'."""
    return _NOT_FIELD_CHARS.sub("_", header.strip().lower()).strip("_")


def _key(header: str) -> str:
    return _NOT_FIELD_CHARS.sub("", header.strip().lower())


def _find(keys: list[str], names: tuple[str, ...]) -> list[int]:
    return [index for index, key in enumerate(keys) if key in names]


def _looks_like_address(cell: str) -> bool:
    try:
        check_address(cell.strip())
    except ValueError:
        return False
    return True


def map_columns(
    header: list[str], first_row: list[str] | None
) -> tuple[Columns | None, list[str], list[RowProblem]]:
    """Columns from a header row: (columns, notes for the editor, problems that stop the list).

    When no header names the address column, the one column whose value in the first data row
    is an address is used, and a note says so.
    """
    keys = [_key(cell) for cell in header]
    notes: list[str] = []
    candidates: list[int] = []
    for names in (EMAIL_HEADERS[:1], EMAIL_HEADERS[1:]):  # "email" wins over its variants
        candidates = _find(keys, names)
        if candidates:
            break
    if len(candidates) > 1:
        both = ", ".join(repr(header[i].strip()) for i in candidates)
        return None, notes, [RowProblem(1, f"several columns could hold the address ({both})")]
    if not candidates and first_row is not None:
        candidates = [i for i, cell in enumerate(first_row) if _looks_like_address(cell)]
        if len(candidates) == 1:
            notes.append(f"addresses are taken from the column {header[candidates[0]].strip()!r}")
    if len(candidates) != 1:
        shown = ", ".join(repr(cell.strip()) for cell in header) or "none"
        return (
            None,
            notes,
            [
                RowProblem(
                    1,
                    f"no column holds the addresses (columns: {shown}); name it `email` "
                    "(exports' `Email Address` and `email_address` work too)",
                )
            ],
        )
    email = candidates[0]
    name = next(iter(_find(keys, NAME_HEADERS)), None)
    first = next(iter(_find(keys, FIRST_NAME_HEADERS)), None)
    last = next(iter(_find(keys, LAST_NAME_HEADERS)), None)
    fields: list[tuple[int, str]] = []
    seen = {"email", "name"}
    for index, cell in enumerate(header):
        if index in (email, name):
            continue
        merge = field_name(cell) or f"column_{index + 1}"
        if merge[0].isdigit():
            merge = f"column_{merge}"
        if merge in seen:
            notes.append(f"column {cell.strip()!r} repeats an earlier column's name; ignored")
            continue
        seen.add(merge)
        fields.append((index, merge))
    columns = Columns(email, len(header), name, first, last, tuple(fields))
    return columns, notes, []


HEADERLESS = Columns(email=0, count=0, name=1)
