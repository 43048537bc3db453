"""What reading a list gives: a reader's row, or a line that holds none; and the checks a row
passes (the address, the name, the merge values) on the way.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from digest.delivery.lists.formats import Status
from digest.delivery.lists.header import Columns
from digest.delivery.recipients import RecipientsError, check_address, check_value

_BRACKETED = re.compile(r"<([^<>]*)>")


class ListFileError(RecipientsError):
    """The file is not a list that can be read: a workbook, no address column, no rows."""


class Row(NamedTuple):
    """One reader as the list gives them (a NamedTuple: a million are made per list, and a
    frozen dataclass costs three times as much to build)."""

    line: int
    email: str  # validated, in its ASCII form
    name: str  # "" when the list gives none
    values: tuple[str, ...]  # merge values, in the order of ListFile.field_names
    status: Status | None  # None: the list says nothing about this reader
    detail: str  # the words behind the status: "listmonk status blocklisted"
    date: str  # the date the status dates from, as written ("" when none)
    problems: tuple[str, ...]  # why the name or a value could not go into a message


class BadRow(NamedTuple):
    """A line that holds no reader: broken quoting, no valid address, bytes in no encoding."""

    line: int
    message: str


def is_address(cell: str) -> bool:
    """True when `cell` is an address the send would take."""
    try:
        check_address(cell)
    except ValueError:
        return False
    return True


def unbracket(cell: str) -> str:
    """`Ann Lee <ann@example.org>` or `<ann@example.org>` -> the address inside."""
    found = _BRACKETED.search(cell)
    return found.group(1).strip() if found else cell.strip()


def name_of(cells: list[str], columns: Columns) -> str:
    if columns.name is not None:
        return cells[columns.name].strip() if columns.name < len(cells) else ""
    first = cells[columns.first_name].strip() if columns.first_name is not None else ""
    last = cells[columns.last_name].strip() if columns.last_name is not None else ""
    return f"{first} {last}" if first and last else first or last


def value_problems(name: str, fields: tuple[str, ...], values: tuple[str, ...]) -> tuple[str, ...]:
    pairs = (("name", name), *zip(fields, values, strict=True))
    found = [check_value(column, value) for column, value in pairs]
    return tuple(problem for problem in found if problem)
