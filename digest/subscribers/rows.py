"""Rows of a reader list file as `digest subscribers import` takes them: address, name, status.

`read_rows(path)` reads through the one recipient-file reader (`digest.delivery.lists`: every
encoding, delimiter, header and export it knows, workbooks named and refused) and turns its
words on each reader into the store's: subscribed -> confirmed, unconfirmed -> pending,
unsubscribed and blocklisted -> unsubscribed, cleaned and soft-bounced -> bounced, complained
-> complained, and no word at all -> None (the import's default decides).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.delivery.lists import BadRow as ListBadRow
from digest.delivery.lists import ListFile, open_list
from digest.delivery.lists import Status as ListStatus
from digest.delivery.recipients import check_value
from digest.store.subscribers import Status

_KEY = re.compile(r"[^a-z0-9]+")
# Columns that say where a reader stands or who they are by name: read as the row's status and
# name, not kept as attributes (compared without case or punctuation).
NOT_ATTRIBUTES = frozenset(
    {
        "status",
        "subscribertype",
        "type",
        "reason",
        "state",
        "subscribedtoemails",
        "subscribed",
        "emaildisabled",
        "unsubtime",
        "cleantime",
        "firstname",
        "lastname",
        "fname",
        "lname",
    }
)
STORE_STATUS: dict[ListStatus, Status] = {
    ListStatus.SUBSCRIBED: Status.CONFIRMED,
    ListStatus.UNCONFIRMED: Status.PENDING,
    ListStatus.UNSUBSCRIBED: Status.UNSUBSCRIBED,
    ListStatus.BLOCKLISTED: Status.UNSUBSCRIBED,
    ListStatus.CLEANED: Status.BOUNCED,
    ListStatus.SOFT_BOUNCED: Status.BOUNCED,
    ListStatus.COMPLAINED: Status.COMPLAINED,
}


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


def read_rows(path: Path) -> Iterator[ListRow | BadRow]:
    """Every line of a reader list, in file order: a reader, or why the line holds none.

    Raises ListFileError (a RecipientsError) at once when the file cannot be read or cannot be
    a list (a workbook, no address column, no rows), before any row is asked for.
    """
    return _rows(open_list(path))


def _rows(listing: ListFile) -> Iterator[ListRow | BadRow]:
    with listing:
        kept = [
            (index, name)
            for index, name in enumerate(listing.field_names)
            if _KEY.sub("", name.lower()) not in NOT_ATTRIBUTES
        ]
        for row in listing:
            if isinstance(row, ListBadRow):
                yield BadRow(row.line, row.message)
                continue
            # A name that cannot go into a To header is left out, the reader kept.
            name = "" if check_value("name", row.name) else row.name
            attributes = tuple(
                (key, row.values[index])
                for index, key in kept
                if row.values[index] and not check_value(key, row.values[index])
            )
            status = STORE_STATUS[row.status] if row.status is not None else None
            yield ListRow(row.line, row.email, name, status, attributes)
