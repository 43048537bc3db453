"""Rows of a reader list file as `digest subscribers import` takes them: address, name, status.

`read_rows(path)` is the one place the import reads a file: it yields `ListRow`s (address,
name, status, attributes) and `BadRow`s, in file order. Today it reads through the send's list
reader (`digest.delivery.listfile`: CSV dialects, exports' header names, plain lists) and maps
the status words of the common exports itself. When the one recipient-file reader
(`digest.delivery.lists`) is merged, `read_rows` becomes a loop over `open_list(path)` that
turns each `Row` into a `ListRow` (its status: subscribed -> confirmed, unconfirmed ->
pending, unsubscribed and blocklisted -> unsubscribed, cleaned and soft-bounced -> bounced,
complained -> complained, None -> None) and each of its `BadRow`s into ours; nothing else
changes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from digest.delivery.listfile import (
    EXCEL_SEPARATOR_HINT,
    Columns,
    field_name,
    map_columns,
    read_lines,
    sniff_delimiter,
    split_row,
)
from digest.delivery.recipients import RecipientsError, check_address, check_value
from digest.store.subscribers import Status
from digest.subscribers.cells import from_spreadsheet

READ_BLOCK_BYTES = 1 << 20
_KEY = re.compile(r"[^a-z0-9]+")
# Columns that say where a reader stands, by export (compared without case or punctuation).
STATUS_COLUMNS = ("status", "subscribertype", "type", "reason", "state")
# Ghost (`subscribed_to_emails`, `subscribed`): false means no email; Substack's
# `email_disabled`: true means no email.
YES_MEANS_MAILED = ("subscribedtoemails", "subscribed")
YES_MEANS_NOT_MAILED = ("emaildisabled",)
# Mailchimp's unsubscribed and cleaned exports are told apart by one column each.
FILE_STATUS_COLUMNS = {"unsubtime": Status.UNSUBSCRIBED, "cleantime": Status.BOUNCED}
# Columns that describe the row rather than the reader; not kept as attributes.
NOT_ATTRIBUTES = frozenset(
    {*STATUS_COLUMNS, *YES_MEANS_MAILED, *YES_MEANS_NOT_MAILED, *FILE_STATUS_COLUMNS}
)
# Status words of Mailchimp, listmonk, Ghost, Substack, Buttondown and digest's own exports.
STATUS_WORDS: dict[str, Status] = {
    **dict.fromkeys(
        (
            "subscribed",
            "active",
            "enabled",
            "confirmed",
            "regular",
            "premium",
            "free",
            "paid",
            "disabled",
            "gift",
            "comp",
        ),
        Status.CONFIRMED,
    ),
    **dict.fromkeys(("pending", "unconfirmed", "unactivated", "unverified"), Status.PENDING),
    **dict.fromkeys(
        (
            "unsubscribed",
            "unsubscribe",
            "unsub",
            "optedout",
            "optout",
            "left",
            "deleted",
            "removed",
            "blocklisted",
            "blacklisted",
            "blocked",
            "manual",
        ),
        Status.UNSUBSCRIBED,
    ),
    **dict.fromkeys(
        (
            "cleaned",
            "bounced",
            "bounce",
            "hardbounce",
            "undeliverable",
            "invalid",
            "softbounces",
            "softbounce",
        ),
        Status.BOUNCED,
    ),
    **dict.fromkeys(("complained", "complaint", "spam", "spammy", "abuse"), Status.COMPLAINED),
}
TRUE_WORDS = frozenset({"true", "yes", "1", "y"})
FALSE_WORDS = frozenset({"false", "no", "0", "n"})
# Substack marks readers who asked to be deleted with an address at this domain.
DELETION_DOMAIN = "@deletion-request.substack.com"


@dataclass(frozen=True, slots=True)
class ListRow:
    """One reader: a validated address, a name ('' when none), the file's word on their
    status (None: it says nothing) and the other columns as attributes."""

    line: int
    email: str
    name: str
    status: Status | None
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line that holds no reader (no valid address, broken quoting, not text)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _key(header: str) -> str:
    return _KEY.sub("", header.strip().lower())


@dataclass(frozen=True, slots=True)
class _Layout:
    columns: Columns
    delimiter: str
    status: int | None
    mailed_flag: int | None  # a yes/no column; `mailed_yes` says what yes means
    mailed_yes: bool
    file_status: Status | None
    attributes: tuple[tuple[int, str], ...]


def status_of(word: str) -> Status | None:
    """A status cell's word as a store status (None: it says nothing we know)."""
    return STATUS_WORDS.get(_key(word))


def _status(cells: list[str], layout: _Layout, email: str) -> Status | None:
    if email.endswith(DELETION_DOMAIN):
        return Status.UNSUBSCRIBED
    if layout.file_status is not None:
        return layout.file_status
    if layout.status is not None and layout.status < len(cells):
        found = status_of(cells[layout.status])
        if found is not None:
            return found
    if layout.mailed_flag is not None and layout.mailed_flag < len(cells):
        word = cells[layout.mailed_flag].strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            mailed = (word in TRUE_WORDS) == layout.mailed_yes
            return Status.CONFIRMED if mailed else Status.UNSUBSCRIBED
    return None


def _layout(header: list[str], first: list[str] | None) -> tuple[_Layout | None, str]:
    columns, _, problems = map_columns(header, first)
    if columns is None:
        return None, problems[0].message if problems else "no column holds the addresses"
    keys = [_key(cell) for cell in header]
    flag_yes = next((i for i, k in enumerate(keys) if k in YES_MEANS_MAILED), None)
    flag_no = next((i for i, k in enumerate(keys) if k in YES_MEANS_NOT_MAILED), None)
    return _Layout(
        columns=columns,
        delimiter="",
        status=next((i for i, k in enumerate(keys) if k in STATUS_COLUMNS), None),
        mailed_flag=flag_yes if flag_yes is not None else flag_no,
        mailed_yes=flag_yes is not None,
        file_status=next((FILE_STATUS_COLUMNS[k] for k in keys if k in FILE_STATUS_COLUMNS), None),
        attributes=tuple(
            (index, field_name(cell) or f"column_{index + 1}")
            for index, cell in enumerate(header)
            if keys[index] not in NOT_ATTRIBUTES
            and index not in (columns.email, columns.name, columns.first_name, columns.last_name)
        ),
    ), ""


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while block := stream.read(READ_BLOCK_BYTES):
            yield block


def read_rows(path: Path) -> Iterator[ListRow | BadRow]:
    """Every line of a reader list, in file order: a reader, or why the line holds none.

    Raises RecipientsError when the file cannot be read or names no address column.
    """
    try:
        lines = read_lines(_blocks(path))
        first_lines = list(itertools.islice(lines, 2))
    except OSError as error:
        raise RecipientsError(f"{path}: cannot be read: {error.strerror or error}") from None
    if first_lines and first_lines[0].text and EXCEL_SEPARATOR_HINT.match(first_lines[0].text):
        first_lines = first_lines[1:] + list(itertools.islice(lines, 1))
    if not first_lines or first_lines[0].text is None:
        raise RecipientsError(f"{path}: no rows (or the first line is not text)")
    head = first_lines[0].text
    delimiter = sniff_delimiter(head)
    header = split_row(head, delimiter)
    ahead = first_lines[1:]
    if len(header) <= 2 and _is_address(header[0]):  # a plain list: no header row
        layout = _Layout(Columns(0, 0, name=1), delimiter, None, None, True, None, ())
        ahead = first_lines
    else:
        first = split_row(ahead[0].text, delimiter) if ahead and ahead[0].text else None
        found, problem = _layout(header, first)
        if found is None:
            raise RecipientsError(f"{path}: {problem}")
        layout = replace(found, delimiter=delimiter)
    for line in itertools.chain(ahead, lines):
        if line.text is None:
            yield BadRow(line.number, line.problem or "cannot be read")
            continue
        if not line.text.strip():
            continue
        yield _row(line.number, line.text, layout)


def _is_address(cell: str) -> bool:
    try:
        check_address(cell.strip())
    except ValueError:
        return False
    return True


def _row(number: int, text: str, layout: _Layout) -> ListRow | BadRow:
    try:
        # digest's own exports guard formula starts with an apostrophe (subscribers.cells).
        cells = [from_spreadsheet(cell) for cell in split_row(text, layout.delimiter)]
    except ValueError as error:
        return BadRow(number, str(error))
    columns = layout.columns
    cell = cells[columns.email].strip() if columns.email < len(cells) else ""
    try:
        email = check_address(cell.strip("<>"))
    except ValueError as error:
        return BadRow(number, f"{cell!r}: {error}" if cell else "no address")
    if columns.name is not None:
        name = cells[columns.name].strip() if columns.name < len(cells) else ""
    else:
        parts = (columns.first_name, columns.last_name)
        name = " ".join(cells[i].strip() for i in parts if i is not None and i < len(cells))
    name = " ".join(name.split())
    if check_value("name", name):
        name = ""  # a name that cannot go into a To header is left out, the reader kept
    attributes = tuple(
        (key, cells[index].strip())
        for index, key in layout.attributes
        if index < len(cells) and cells[index].strip() and not check_value(key, cells[index])
    )
    return ListRow(number, email, name, _status(cells, layout, email), attributes)
