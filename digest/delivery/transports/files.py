"""Files delivery for review: one .eml per recipient in a folder, or one mbox file."""

from __future__ import annotations

import hashlib
import logging
import mailbox
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from digest.atomic import write_atomic
from digest.config import Delivery
from digest.delivery.transports import FatalTransportError

logger = logging.getLogger(__name__)

MBOX_SUFFIX = ".mbox"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")
# File names stay well under every file system's 255-byte limit.
MAX_NAME_CHARS = 80


def eml_name(recipient: str) -> str:
    """A safe, unique file name for one recipient's message."""
    readable = _UNSAFE.sub("_", recipient)[:MAX_NAME_CHARS].lstrip(".") or "recipient"
    suffix = hashlib.sha256(recipient.lower().encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{suffix}.eml"


class FilesTransport:
    """Writes messages where a person can open them; `output` ending .mbox means one mbox."""

    name = "files"

    def __init__(self, output: Path) -> None:
        self.output = output
        self.is_mbox = output.suffix == MBOX_SUFFIX
        self._ready = False
        # One writer for an mbox (its lock is per process, not per thread); .eml files any.
        self.max_connections = 1 if self.is_mbox else None

    @property
    def destination(self) -> str:
        """Where the messages go, for the command line to show."""
        return str(self.output) if self.is_mbox else f"{self.output}{os.sep}"

    def open(self) -> None:
        """Create the folder."""
        try:
            (self.output.parent if self.is_mbox else self.output).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise FatalTransportError(f"cannot create {self.output}: {error}") from None
        self._ready = True

    def close(self) -> None:
        """Nothing to close: every message is written completely."""

    def send(
        self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None]
    ) -> None:
        """Write one message (atomically for .eml files)."""
        del sender
        if not self._ready:
            self.open()  # the folder may not exist yet on the first message
        before_data()
        try:
            if self.is_mbox:
                self._append_mbox(data)
            else:
                self._write_eml(recipient, data)
        except OSError as error:
            raise FatalTransportError(f"cannot write to {self.output}: {error}") from None

    def _write_eml(self, recipient: str, data: bytes) -> None:
        write_atomic(self.output / eml_name(recipient), data)

    def _append_mbox(self, data: bytes) -> None:
        box = mailbox.mbox(self.output, create=True)
        box.lock()
        try:
            # mbox is a Unix format: LF line ends; mailbox adds the From_ line and quoting.
            box.add(data.replace(b"\r\n", b"\n"))
            box.flush()
        finally:
            box.unlock()
            box.close()


def create(delivery: Delivery, root: Path, environ: Mapping[str, str]) -> FilesTransport:
    """The files transport writing to [delivery] output (relative to the publication)."""
    del environ
    return FilesTransport((root / delivery.output).resolve())
