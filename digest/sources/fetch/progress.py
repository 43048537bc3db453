"""How far a batch of fetches has come, for whoever shows it (only the command line prints).

A command wraps its work in `reporting(listener)`; every batch fetched inside it, however
deep in the pipeline, tells the listener as it goes, from the thread that started the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FetchProgress:
    """After each fetch of a batch (and once before the first): `done` of `total`."""

    label: str  # what is fetched: "pages", "images", "links"
    done: int
    total: int
    url: str  # the one just finished ("" before the first)
    failed: bool = False


Listener = Callable[[FetchProgress], None]

_listener: ContextVar[Listener | None] = ContextVar("digest_fetch_progress", default=None)


@contextmanager
def reporting(listener: Listener) -> Iterator[None]:
    """Send the progress of every batch fetched inside this block to `listener`."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def current_listener() -> Listener | None:
    """The listener of the enclosing `reporting` block, if any."""
    return _listener.get()
