"""Messages from where bounces land: an mbox file, a Maildir, a folder of .eml files, one file."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from digest.errors import DigestError, ExitCode

MBOX_MAGIC = b"From "


class MailboxError(DigestError):
    """The mailbox cannot be found or read."""

    exit_code = ExitCode.CONFIG


def read_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) of every message, in the mailbox's order."""
    try:
        if path.is_dir():
            if (path / "cur").is_dir() and (path / "new").is_dir():
                folder = mailbox.Maildir(path, factory=None, create=False)
                for key in sorted(folder.iterkeys()):
                    yield key, folder.get_bytes(key)
                return
            for file in sorted(p for p in path.iterdir() if p.is_file() and p.name[0] != "."):
                yield file.name, file.read_bytes()
            return
        with path.open("rb") as handle:
            magic = handle.read(len(MBOX_MAGIC))
        if magic != MBOX_MAGIC:
            yield path.name, path.read_bytes()
            return
        box = mailbox.mbox(path, factory=None, create=False)
        try:
            for number, key in enumerate(box.iterkeys(), start=1):
                yield f"message {number}", box.get_bytes(key)
        finally:
            box.close()
    except FileNotFoundError:
        raise MailboxError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise MailboxError(f"{path}: cannot be read: {error.strerror or error}") from None
