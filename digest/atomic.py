"""Writing files so that a reader never sees half of one, or half of a set.

A file is written to a temporary name in the same folder, flushed to disk, then renamed over
the old one, so a crash or a full disk leaves the old file or the new one, never a 0-byte or
truncated file. A folder of outputs (a build) is written whole beside the old one and switched
in with two renames, so the folder never mixes two builds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path


def _umask() -> int:
    # Read once, at import, while no other thread creates files: os.umask can only be read
    # by setting it.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _umask()
# Permissions of a file anyone may read (as open() would create it) and of a private one.
SHARED_MODE = 0o666 & ~UMASK
PRIVATE_MODE = 0o600
FOLDER_MODE = 0o777 & ~UMASK
# A staging folder this old was left by a crash, not by a build that is still running.
STALE_SECONDS = 3600
# Signals held back while a folder is switched, so Ctrl-C cannot fall between the two renames.
HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every system can open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _write_temporary(folder: Path, name: str, data: bytes, mode: int, target: Path) -> str:
    """`data` in a new temporary file in `folder`, on disk; its path. An error names
    `target`, the file being written (a full disk's error names no file by itself)."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        if error.filename is None:
            error.filename = str(target)
        raise
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def write_atomic(path: Path, data: bytes, *, private: bool = True, exclusive: bool = False) -> None:
    """Write `path` all at once: readers see the old file or the new one, never a part.

    private: readable by the owner only (0600), else as any new file (umask applies).
    exclusive: never replace a file; FileExistsError if `path` exists (even one made meanwhile).
    """
    mode = PRIVATE_MODE if private else SHARED_MODE
    temporary = _write_temporary(path.parent, path.name, data, mode, path)
    try:
        if exclusive:
            os.link(temporary, path)
            os.unlink(temporary)
        else:
            os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and termination signals back (main thread only; delivered afterwards)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _only_ours(folder: Path, names: Mapping[str, bytes]) -> bool:
    """True when `folder` holds nothing but files a previous write of these names made."""
    return all(entry.name in names and entry.is_file() for entry in folder.iterdir())


def _remove_leftovers(folder: Path) -> None:
    """Old builds and stale staging folders left beside `folder` by a crash."""
    now = time.time()
    for entry in folder.parent.glob(f".{folder.name}.*"):
        try:
            stale = ".old-" in entry.name or now - entry.stat().st_mtime > STALE_SECONDS
            if stale and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def write_folder(folder: Path, files: Mapping[str, bytes], *, last: str | None = None) -> None:
    """Write a set of files into `folder` so that no reader sees two sets mixed.

    A folder holding only these files (or none yet) is written whole beside the old one and
    switched in. A folder that holds other files too (`--out .`) keeps them: each file is
    replaced atomically, `last` (the report) removed first and written last, so its presence
    says the set beside it is complete.
    """
    _refuse_file_in_the_way(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.is_dir() and not _only_ours(folder, files):
        _replace_each(folder, files, last)
        return
    _remove_leftovers(folder)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.new-"))
    try:
        for name, data in files.items():
            temporary = _write_temporary(staging, name, data, SHARED_MODE, folder / name)
            os.replace(temporary, staging / name)
        os.chmod(staging, FOLDER_MODE)
        sync_folder(staging)
        _switch(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    sync_folder(folder.parent)


def _refuse_file_in_the_way(folder: Path) -> None:
    """A clear error when `folder` or one of its parents is a file (mkdir says "File exists")."""
    for ancestor in [folder, *folder.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(ancestor))
            return


def _switch(staging: Path, folder: Path) -> None:
    """Put `staging` where `folder` is; the old folder goes away only once the new one is in."""
    with _signals_held():
        if not folder.exists():
            os.rename(staging, folder)
            return
        old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
        try:
            os.rename(folder, old / folder.name)
        except BaseException:
            old.rmdir()
            raise
        try:
            os.rename(staging, folder)
        except BaseException:
            os.rename(old / folder.name, folder)  # put the previous build back
            old.rmdir()
            raise
        # Still holding signals: a handful of files, and no trash left for Ctrl-C to strand.
        shutil.rmtree(old, ignore_errors=True)


def _replace_each(folder: Path, files: Mapping[str, bytes], last: str | None) -> None:
    if last is not None:
        (folder / last).unlink(missing_ok=True)
    for name, data in files.items():
        if name != last:
            write_atomic(folder / name, data, private=False)
    if last is not None and last in files:
        write_atomic(folder / last, files[last], private=False)
