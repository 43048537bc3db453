"""Messages from where bounces land: an mbox file, a Maildir, a folder of .eml files, one file.

Every file is opened without blocking and read only when it is a regular file of a bounded
size, so a FIFO, a socket or a link to /dev/zero left in a Maildir is named and passed over
rather than hanging or filling memory; an mbox is read line by line, one message at a time.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from digest.errors import DigestError, ExitCode

MBOX_MAGIC = b"From "
# A bounce returns at most the message we sent (a digest is ~100 KB) plus a report; anything
# larger is somebody's attachment, not a delivery report, and is skipped unread.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAILDIR_FOLDERS = ("new", "cur")


class MailboxError(DigestError):
    """The mailbox cannot be found or read."""

    exit_code = ExitCode.CONFIG


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of a mailbox: its bytes, or why it was not read."""

    label: str  # "message 3", a Maildir key or a file name
    data: bytes | None
    problem: str = ""


def _describe(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _open_regular(path: Path) -> tuple[BinaryIO | None, str]:
    """(handle, "") for a regular file, else (None, why); never blocks on a FIFO."""
    try:
        mode = path.stat().st_mode  # a socket, device or FIFO is named without being opened
        if not stat.S_ISREG(mode):
            return None, f"{_describe(mode)}, not a message"
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        if error.errno == errno.ENOENT and path.is_symlink():
            return None, "a link to nothing"
        raise
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        return None, f"{_describe(info.st_mode)}, not a message"
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb"), ""


def _file_entry(path: Path, label: str) -> Entry:
    """One message file, read only when it is regular and not too large."""
    try:
        handle, why = _open_regular(path)
        if handle is None:
            return Entry(label, None, why)
        with handle:
            data = handle.read(MAX_MESSAGE_BYTES + 1)
    except OSError as error:
        return Entry(label, None, f"cannot be read: {error.strerror or error}")
    if len(data) > MAX_MESSAGE_BYTES:
        return Entry(label, None, f"larger than {MAX_MESSAGE_BYTES // 2**20} MB, not a bounce")
    return Entry(label, data)


def _maildir(path: Path) -> Iterator[Entry]:
    names = sorted(
        (folder, entry.name)
        for folder in MAILDIR_FOLDERS
        for entry in os.scandir(path / folder)
        if not entry.name.startswith(".")
    )
    for folder, name in names:
        yield _file_entry(path / folder / name, name.split(":", 1)[0])


def _mbox(handle: BinaryIO) -> Iterator[Entry]:
    """Split on "From " lines, as Python's mailbox does, without holding more than a message."""
    number, size, too_big = 0, 0, False
    lines: list[bytes] = []

    def finish() -> Entry:
        label = f"message {number}"
        if too_big:
            return Entry(label, None, f"larger than {MAX_MESSAGE_BYTES // 2**20} MB, not a bounce")
        if lines and lines[-1] in (b"\n", b"\r\n"):  # the blank line before the next From_
            lines.pop()
        return Entry(label, b"".join(lines))

    # readline is bounded too: a file of one endless line must not be read whole.
    for line in iter(lambda: handle.readline(MAX_MESSAGE_BYTES + 1), b""):
        if line.startswith(MBOX_MAGIC):
            if number:
                yield finish()
            number, lines, size, too_big = number + 1, [], 0, False
            continue
        if not number or too_big:
            continue
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            too_big, lines = True, []
        else:
            lines.append(line)
    if number:
        yield finish()


def read_messages(path: Path) -> Iterator[Entry]:
    """Every message, in the mailbox's order; unreadable ones carry the reason instead."""
    try:
        if path.is_dir():
            if (path / "cur").is_dir() and (path / "new").is_dir():
                yield from _maildir(path)
                return
            for entry in sorted(os.scandir(path), key=lambda e: e.name):
                if entry.name[0] != "." and not entry.is_dir():
                    yield _file_entry(Path(entry.path), entry.name)
            return
        handle, why = _open_regular(path)
        if handle is None:
            raise MailboxError(f"{path}: {why}")
        with handle:
            if handle.read(len(MBOX_MAGIC)) != MBOX_MAGIC:
                yield _file_entry(path, path.name)
                return
            handle.seek(0)
            yield from _mbox(handle)
    except FileNotFoundError:
        raise MailboxError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise MailboxError(f"{path}: cannot be read: {error.strerror or error}") from None
