"""The connection factory: one SQLite connection per file per process, used one thread at a time.

Why one serialized connection rather than one per thread: SQLite lets one writer in at a time
anyway, so per-thread connections add no write throughput (an unsubscribe is one insert and one
fsync); they add connections that open and close as server threads come and go, each close a
chance to checkpoint under another connection, and a busy wait between our own threads where a
lock is a plain queue. One connection, a lock around each use and each transaction, and a
registry so every part of the process that opens the same file shares it: the endpoint's
threads (waitress, gunicorn `--threads`), the send, the bounce import. WAL keeps other
processes' readers and writers working beside it; `busy_timeout` makes them wait, not fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from digest.errors import DigestError, ExitCode, describe_os_error
from digest.store.files import Damaged, check_found, check_whole, create
from digest.store.schema import Schema, pending

logger = logging.getLogger(__name__)

# Another process (a send, `digest status`, the endpoint) may hold the write lock for a moment.
BUSY_TIMEOUT_MS = 5_000
# How long a thread waits for the process's connection while other threads use it: each use is
# bounded by the busy timeout, so twice that means something is stuck.
LOCK_WAIT_S = 2 * BUSY_TIMEOUT_MS / 1000


class StoreError(DigestError):
    """A database file cannot be opened, read or written."""

    exit_code = ExitCode.IO


class DamagedError(StoreError):
    """The file is there but is not a database (0 bytes, cut short, another kind of file)."""

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


@dataclass(slots=True)
class _Shared:
    """The process's one connection to a file, the lock its users take, and how many they are."""

    connection: sqlite3.Connection
    schema: Schema
    pid: int
    lock: threading.RLock
    users: int = 0


_REGISTRY: dict[tuple[int, Path], _Shared] = {}
_REGISTRY_LOCK = threading.Lock()


def _describe(error: BaseException) -> str:
    notes = getattr(error, "__notes__", ())
    return " ".join([str(error), *notes])


def _roll_back(connection: sqlite3.Connection, first: BaseException) -> None:
    """Undo the open transaction; a failing ROLLBACK is noted on the first error, never raised.

    SQLite rolls some failures back by itself (a full disk, an I/O error, RAISE(ROLLBACK));
    a ROLLBACK then fails with "no transaction is active", and raising that would hide why.
    """
    if not connection.in_transaction:
        return
    try:
        connection.execute("ROLLBACK")
    except sqlite3.Error as second:
        logger.warning("the rollback after %r failed too: %s", first, second)
        first.add_note(f"(the rollback failed too: {second})")


@contextlib.contextmanager
def immediate(connection: sqlite3.Connection) -> Iterator[None]:
    """A BEGIN IMMEDIATE transaction: the write lock is taken (or waited for) at the start, so
    it never fails halfway for another writer; committed at the end, rolled back on error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException as first:
        _roll_back(connection, first)
        raise


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # A state the reader was told about (an unsubscribe, a claim) survives a power cut.
    connection.execute("PRAGMA synchronous = FULL")
    return connection


def _migrate(connection: sqlite3.Connection, schema: Schema, path: Path) -> None:
    found = connection.execute("PRAGMA user_version").fetchone()[0]
    if found > schema.version:
        raise StoreError(
            f"the {schema.title} {path} was written by a newer version of digest (schema "
            f"{found}; this one knows {schema.version}): upgrade digest to use it"
        )
    if found == schema.version:
        return
    with immediate(connection):
        found = connection.execute("PRAGMA user_version").fetchone()[0]  # another may have won
        for migration in pending(schema, found):
            migration.apply(connection)
        connection.execute(f"PRAGMA user_version = {schema.version}")
    logger.info("%s %s: schema %d -> %d", schema.title, path, found, schema.version)


def _initialize(schema: Schema, path: Path) -> Callable[[sqlite3.Connection], None]:
    def initialize(connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA journal_mode = WAL")  # kept in the file from now on
        _migrate(connection, schema, path)

    return initialize


def _open_file(path: Path, schema: Schema) -> sqlite3.Connection:
    """A connection to `path`, created or checked, in WAL mode, at the schema's version."""
    if not path.exists():
        create(path, _initialize(schema, path))
    check_found(path)
    connection = _connect(path)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        connection.execute("PRAGMA user_version").fetchone()  # "file is not a database"
        check_whole(path, page_size)
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = WAL")  # a file from before WAL
        _migrate(connection, schema, path)
    except BaseException:
        connection.close()  # our only connection to a file we cannot use: nothing is live
        raise
    return connection


def _shared(path: Path, schema: Schema) -> _Shared:
    """The process's connection to `path`, opened on first use; the caller becomes a user."""
    key = (os.getpid(), path)
    with _REGISTRY_LOCK:
        shared = _REGISTRY.get(key)
        if shared is None:
            shared = _Shared(_open_file(path, schema), schema, key[0], threading.RLock())
            _REGISTRY[key] = shared
        elif shared.schema.title != schema.title:
            raise StoreError(f"{path} is open as the {shared.schema.title}, not the {schema.title}")
        shared.users += 1
        return shared


def open_files() -> list[Path]:
    """The files this process holds a connection to: none once every user has closed."""
    with _REGISTRY_LOCK:
        return [path for pid, path in _REGISTRY if pid == os.getpid()]


def open_database(path: Path, schema: Schema, *, error: type[StoreError] = StoreError) -> Database:
    """Open (or create) a database file digest keeps; errors are raised as `error`.

    A file that exists but is no database raises DamagedError (whatever `error` is), so the
    caller can say what to do about it.
    """
    path = path.resolve()
    try:
        return Database(path, schema, _shared(path, schema), error)
    except Damaged as damaged:
        raise DamagedError(
            f"the {schema.title} {path} {damaged}", path=path, reason=str(damaged)
        ) from None
    except StoreError as failure:
        raise failure if isinstance(failure, error) else error(failure.message) from None
    except sqlite3.DatabaseError as failure:
        if "not a database" in str(failure):
            reason = "is not a SQLite database (another kind of file, or a damaged copy)"
            raise DamagedError(
                f"the {schema.title} {path} {reason}", path=path, reason=reason
            ) from None
        raise error(f"cannot open the {schema.title} {path}: {_describe(failure)}") from None
    except OSError as failure:
        raise error(describe_os_error(failure, f"cannot open the {schema.title}")) from None


class Database:
    """A user of the process's connection to one file; a context manager (closing = leaving)."""

    def __init__(
        self, path: Path, schema: Schema, shared: _Shared, error: type[StoreError]
    ) -> None:
        self.path = path
        self.schema = schema
        self._shared: _Shared | None = shared
        self._error = error

    @contextlib.contextmanager
    def _use(self) -> Iterator[sqlite3.Connection]:
        shared = self._shared
        if shared is None:
            raise self._error(f"the {self.schema.title} {self.path} is closed")
        if shared.pid != os.getpid():  # inherited through fork (gunicorn --preload): never
            shared = self._shared = _shared(self.path, self.schema)  # shared with the parent
        if not shared.lock.acquire(timeout=LOCK_WAIT_S):
            raise self._error(
                f"the {self.schema.title} {self.path} stayed busy for {LOCK_WAIT_S:g} s; try again"
            )
        try:
            yield shared.connection
        finally:
            shared.lock.release()

    @contextlib.contextmanager
    def transaction(self, *, secure_delete: bool = False) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT on the shared connection, no other thread in between.

        When the block returns, the commit has returned: the change is on disk.
        `secure_delete`: what the block deletes is overwritten with zeros (an erasure).
        """
        try:
            with self._use() as connection:
                connection.execute(f"PRAGMA secure_delete = {'ON' if secure_delete else 'OFF'}")
                with immediate(connection):
                    yield connection
        except sqlite3.Error as failure:
            raise self._error(
                f"cannot write the {self.schema.title} {self.path}: {_describe(failure)}"
            ) from None

    def checkpoint(self) -> None:
        """Copy the WAL into the file and empty it, so no page from before (an erased reader's)
        stays in the WAL; a reader elsewhere may keep it from emptying, which is only noted."""
        try:
            with self._use() as connection:
                busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as failure:
            raise self._error(
                f"cannot write the {self.schema.title} {self.path}: {_describe(failure)}"
            ) from None
        if busy:
            logger.warning("%s: another process is reading; its WAL empties later", self.path)

    def read(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of one query, fetched while no other thread uses the connection."""
        try:
            with self._use() as connection:
                return connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as failure:
            raise self._error(
                f"cannot read the {self.schema.title} {self.path}: {_describe(failure)}"
            ) from None

    def close(self) -> None:
        """Leave; the last user in the process closes the connection (it may checkpoint)."""
        shared, self._shared = self._shared, None
        if shared is None or shared.pid != os.getpid():
            return  # closed already, or the parent's connection: never closed in a child
        with _REGISTRY_LOCK:
            shared.users -= 1
            if shared.users:
                return
            _REGISTRY.pop((shared.pid, self.path), None)
            with shared.lock:
                try:
                    shared.connection.close()
                except sqlite3.Error as failure:
                    logger.warning("closing %s: %s", self.path, failure)

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
