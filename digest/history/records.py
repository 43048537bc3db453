"""The history file: `<publication>/.digest/history.sqlite`, opened through the store.

Reading never creates it, and a publication without one costs a build nothing (the store, and
SQLite with it, is imported only once there is a file to open): a build, the preview and
`digest check` of a publication that never sent leave no file behind. Writing creates it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.store import Database

HISTORY_DIR = ".digest"
HISTORY_FILE = "history.sqlite"
DAMAGED_ADVICE = (
    "It holds what earlier editions ran, their corrections and approvals: restore .digest/ "
    "from a backup, or move the file aside to start a new history"
)


def history_path(root: Path) -> Path:
    """`<publication>/.digest/history.sqlite`."""
    return root / HISTORY_DIR / HISTORY_FILE


def has_history(root: Path) -> bool:
    """Whether the publication keeps a history yet (its first list send, approval...)."""
    return history_path(root).exists()


@contextlib.contextmanager
def opened(root: Path, *, create: bool) -> Iterator[Database | None]:
    """The publication's history; None when it has none and `create` is False."""
    path = history_path(root)
    if not create and not path.exists():
        yield None
        return
    from digest.store import DamagedError, StoreError, open_database
    from digest.store.schemas import HISTORY

    try:
        database = open_database(path, HISTORY)
    except DamagedError as damaged:
        raise StoreError(f"{damaged}. {DAMAGED_ADVICE}") from None
    with database:
        yield database


@contextlib.contextmanager
def kept_open(root: Path) -> Iterator[None]:
    """Hold the history open for a block: the reads inside share one connection instead of
    opening and closing the file each (a build reads it four or five times)."""
    with opened(root, create=False):
        yield


def utc_now() -> datetime:
    """Now, in UTC, to the second (what every record says)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """A moment as the records keep it."""
    return moment.isoformat(timespec="seconds")
