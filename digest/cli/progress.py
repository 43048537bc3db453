"""One progress line on the terminal while pages and images are fetched; nothing otherwise."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from digest.sources.fetch.progress import FetchProgress, reporting

# Erase the line the cursor is on and go back to its start.
CLEAR_LINE = "\r\x1b[2K"


def _printable(text: str) -> str:
    """A URL as the terminal may show it: no escape sequences from an edition file."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def progress_text(progress: FetchProgress, width: int) -> str:
    """'fetching pages 7/20 example.org/story' cut to `width` columns."""
    url = _printable(progress.url.split("://", 1)[-1])
    text = f"fetching {progress.label} {progress.done}/{progress.total} {url}".rstrip()
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


@contextmanager
def fetch_progress_line(stream: TextIO | None = None) -> Iterator[None]:
    """Inside this block, every batch of fetches redraws one line on `stream` (stderr), and
    the line is gone when the block ends. Silent when `stream` is not a terminal."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield
        return
    drawn = False

    def show(progress: FetchProgress) -> None:
        nonlocal drawn
        width = shutil.get_terminal_size().columns - 1
        stream.write(CLEAR_LINE + progress_text(progress, width))
        stream.flush()
        drawn = True

    try:
        with reporting(show):
            yield
    finally:
        if drawn:
            stream.write(CLEAR_LINE)
            stream.flush()
