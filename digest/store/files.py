"""A database file on disk: made whole and private before anyone sees it, checked when found.

Nothing here opens a descriptor on a database that may be live. A new file is made under a
temporary name (0600 from its first byte: `mkstemp`), given its schema by SQLite, closed, then
linked into place, so the live name is either absent or a complete database. SQLite gives the
`-wal` and `-shm` files the mode of the database file, so they are private too. An existing file
is only `stat`ed and `chmod`ed by name: closing any descriptor of a file drops every POSIX lock
the process holds on it (SQLite, "How To Corrupt An SQLite Database File", 2.2), which let
another process delete the WAL under a live endpoint and lost confirmed unsubscribes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from digest.atomic import sync_folder

logger = logging.getLogger(__name__)

# Readers' addresses are personal data: the owner alone reads the files and their folder.
FILE_MODE = 0o600
FOLDER_MODE = 0o700
# What SQLite keeps beside a database in WAL mode.
SIDE_FILES = ("-wal", "-shm", "-journal")


class Damaged(Exception):
    """The file exists but is not a database digest can trust (the reason is the message)."""


def create(path: Path, initialize: Callable[[sqlite3.Connection], None]) -> None:
    """Make `path` a new database, whole, unless another process made it first.

    `initialize` runs on a connection to the temporary file (WAL, schema); it is closed before
    the file takes its name, so no connection of ours is ever open on a file being renamed.
    """
    folder = path.parent
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".new")
    os.close(handle)  # a file that did not exist a moment ago: no lock of ours is on it
    temporary = Path(name)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            initialize(connection)
        finally:
            connection.close()  # the last connection: checkpoints, removes -wal and -shm
        with contextlib.suppress(FileExistsError):  # theirs is as good as ours
            _claim_name(temporary, path)
            sync_folder(folder)
            logger.info("created %s", path)
    finally:
        for suffix in ("", *SIDE_FILES):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def _claim_name(temporary: Path, path: Path) -> None:
    """Give the new file its name, never over a file another process made meanwhile."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: rename, checking first (a small race)
        if path.exists():
            raise FileExistsError(path) from None
        os.rename(temporary, path)


def check_found(path: Path) -> None:
    """Refuse a file SQLite would take for an empty database; keep the file private.

    SQLite opens a 0-byte file (a copy that failed, `: > journal.sqlite`) as a new, empty
    database; for the send journal that would mean mailing everyone again.
    """
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise Damaged("is a folder, not a database file")
    if info.st_size == 0:
        raise Damaged("is empty (0 bytes): not a database, perhaps a copy that failed")
    if stat.S_IMODE(info.st_mode) & ~FILE_MODE:
        os.chmod(path, FILE_MODE)  # by name: a file made before this rule gets tightened


def check_whole(path: Path, page_size: int) -> None:
    """Refuse a file cut short: SQLite writes whole pages, a truncated copy ends mid-page."""
    size = path.stat().st_size
    if page_size > 0 and size % page_size:
        raise Damaged(
            f"is cut short ({size:,} bytes, not a whole number of {page_size:,}-byte pages): "
            "perhaps a copy that failed"
        )
