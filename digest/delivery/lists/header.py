"""A list's layout: its delimiter, its header row, and which cell holds what.

The address column is found by the names exports and spreadsheets give it (`Email Address`,
`email_address`, `Email`, `E-mail`, ...); when none does, by the one column whose first value is
an address. `First Name` + `Last Name` (or `name`) make the display name; every other column is
a merge field, named in lower case with `_`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digest.delivery.lists.formats import header_key

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Excel writes this first line to name the delimiter of a CSV it exports.
EXCEL_SEPARATOR_HINT = re.compile(r"^sep=(.)$")
# Spellings of the address column, best first: the first tier that matches wins. (A bare
# `Address` is a postal one in Mailchimp's export; a column of addresses under another name
# is found by its first value.)
EMAIL_HEADERS = (
    ("email",),
    ("emailaddress", "mail", "emailaddr", "subscriberemail", "mailaddress"),
)
NAME_HEADERS = ("name", "fullname", "displayname", "subscribername")
FIRST_NAME_HEADERS = ("firstname", "fname", "givenname", "first")
LAST_NAME_HEADERS = ("lastname", "lname", "surname", "familyname", "last")
_NOT_FIELD_CHARS = re.compile(r"[^a-z0-9]+")
_QUOTED = re.compile(r'"[^"]*"')
UNTERMINATED = "not valid CSV: an unterminated quote"


@dataclass(frozen=True, slots=True)
class Columns:
    """Where the address, the name, the merge values and the status date are in each row."""

    email: int
    count: int  # cells a row must have; 0 for a list without a header row (1 or 2 cells)
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    fields: tuple[tuple[int, str], ...] = ()  # (cell index, merge field name)
    date: int | None = None

    @property
    def field_names(self) -> tuple[str, ...]:
        """The merge fields beyond email and name, in the order rows hold their values."""
        return tuple(name for _, name in self.fields)


HEADERLESS = Columns(email=0, count=0, name=1)


class LayoutError(ValueError):
    """The header row cannot be used; its words say why."""


def sniff_delimiter(header: str) -> str:
    """The delimiter used most often outside quotes in the header line (',' when none is)."""
    unquoted = _QUOTED.sub("", header)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def split_quoted(text: str, delimiter: str) -> list[str]:
    """The cells of a record holding quotes; ValueError(UNTERMINATED) when a quote never
    closes, ValueError with csv's words for other broken quoting."""
    try:
        rows = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as error:
        if "unexpected end" in str(error):
            raise ValueError(UNTERMINATED) from None
        raise ValueError(f"not valid CSV: {error}") from None
    return rows[0] if rows else []


def split_row(text: str, delimiter: str) -> list[str]:
    """The cells of one line; raises ValueError for broken quoting."""
    if '"' not in text:
        return text.split(delimiter)
    return split_quoted(text, delimiter)


def field_name(header: str) -> str:
    """A header cell as a merge-field name: 'First Name' -> 'first_name'."""
    return _NOT_FIELD_CHARS.sub("_", header.strip().lower()).strip("_")


def _find(keys: Sequence[str], names: tuple[str, ...]) -> list[int]:
    return [index for index, key in enumerate(keys) if key in names]


def map_columns(
    header: Sequence[str],
    first_row: Sequence[str] | None,
    is_address: Callable[[str], bool],
    date_keys: tuple[str, ...] = (),
) -> tuple[Columns, list[str]]:
    """Columns from a header row and notes for the editor; LayoutError when none holds the
    addresses, or several could.

    When no header names the address column, the one column whose value in the first data row
    is an address is used, and a note says so.
    """
    keys = [header_key(cell) for cell in header]
    notes: list[str] = []
    candidates: list[int] = []
    for names in EMAIL_HEADERS:
        candidates = _find(keys, names)
        if candidates:
            break
    if len(candidates) > 1:
        both = ", ".join(repr(header[i].strip()) for i in candidates)
        raise LayoutError(f"several columns could hold the address ({both})")
    if not candidates and first_row is not None:
        candidates = [i for i, cell in enumerate(first_row) if is_address(cell.strip())]
        if len(candidates) == 1:
            notes.append(f"addresses are taken from the column {header[candidates[0]].strip()!r}")
    if len(candidates) != 1:
        shown = ", ".join(repr(cell.strip()) for cell in header) or "none"
        raise LayoutError(
            f"no column holds the addresses (columns: {shown}); name it `email` "
            "(exports' `Email Address` and `email_address` work too)"
        )
    email = candidates[0]
    name = next(iter(_find(keys, NAME_HEADERS)), None)
    first = next(iter(_find(keys, FIRST_NAME_HEADERS)), None)
    last = next(iter(_find(keys, LAST_NAME_HEADERS)), None)
    date = next(iter(_find(keys, date_keys)), None)
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
    return Columns(email, len(header), name, first, last, tuple(fields), date), notes


def describe_layout(delimiter: str, cells: int, headerless: bool) -> str:
    """'CSV, semicolon-separated, with a header row', for the report."""
    if headerless and cells == 0:
        return "one address per line (no header row)"
    shown = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return f"CSV, {shown}-separated, {'no' if headerless else 'with a'} header row"
