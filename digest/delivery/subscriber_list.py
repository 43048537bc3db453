"""`digest send --to subscribers`: the store's confirmed readers, streamed into the usual send.

The readers are read a page at a time in address order, so a send from a million-row store
holds one page in memory; the send's plan still checks each chunk against the suppression
list (unsubscribes, bounces, pauses, erased readers) and the journal, as for a list file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

from digest.delivery.recipient_list import ListCheck, RecipientList
from digest.delivery.recipients import Recipient
from digest.delivery.suppression import default_suppression_path
from digest.errors import DigestError, ExitCode
from digest.store.subscribers import SubscriberStore

logger = logging.getLogger(__name__)

# `--to subscribers` and `[delivery] list = "subscribers"` name the store, not a file.
SUBSCRIBERS_LIST = "subscribers"
SOURCE = "the subscriber store"


def names_the_store(target: str | Path | None) -> bool:
    """True when a list target is the word `subscribers` (a file of that name: ./subscribers)."""
    return target is not None and str(target) == SUBSCRIBERS_LIST


class SubscriberList(RecipientList):
    """Confirmed readers who are not paused, in address order; a context manager.

    It is a RecipientList to the send: unique addresses, the merge fields email and name, a
    length counted once at the start (readers who join during the send are mailed too when
    their address comes after the page being read).
    """

    def __init__(self, root: Path, *, now: float | None = None) -> None:
        self._store = SubscriberStore(default_suppression_path(root))
        self._now = time.time() if now is None else now
        count = self._store.count(mailable_at=self._now)
        check = ListCheck(SOURCE, layout="confirmed readers of the store", valid=count)
        self.check = check
        if not count:
            self._store.close()
            raise DigestError(
                "the subscriber store has no confirmed readers to mail (`digest subscribers "
                "list` shows who is there; readers join through `digest serve` or "
                "`digest subscribers add` and `import`)",
                exit_code=ExitCode.RECIPIENTS,
            )

    @property
    def fields(self) -> frozenset[str]:
        """The merge fields every reader has: email and name."""
        return frozenset({"email", "name"})

    def __len__(self) -> int:
        return self.check.valid

    def __iter__(self) -> Iterator[Recipient]:
        for line, reader in enumerate(self._store.stream(mailable_at=self._now), start=1):
            yield Recipient(reader.address, reader.name or None, (), line)

    def close(self) -> None:
        """Leave the store."""
        self._store.close()
