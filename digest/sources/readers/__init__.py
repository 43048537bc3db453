"""Readers turn a source (file bytes) into an Article; the kind is chosen by content."""

from __future__ import annotations

import functools
import gzip
import io
import logging
from dataclasses import dataclass
from datetime import tzinfo
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Protocol

from digest.errors import SourceError
from digest.models import Article

log = logging.getLogger(__name__)

READER_GROUP = "digest.readers"
# Enough of the start of a file to tell HTML, a feed, Markdown and page text apart.
SNIFF_BYTES = 4096
# A local article file larger than this is not an article; refuse before parsing it.
MAX_SOURCE_BYTES = 20 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a reader needs from the publication to interpret a page."""

    tz: tzinfo
    base_url: str | None = None
    sections: tuple[str, ...] = ()  # known section names help split "Desk Section" bylines
    language: str = "en"  # the publication's: several authors are joined in it


class Reader(Protocol):
    """A reader takes the raw bytes of one source and returns one Article."""

    def __call__(self, data: bytes, *, origin: str, context: ReadContext) -> Article: ...


def sniff(data: bytes, name: str = "") -> str:
    """Name the kind of a source from its bytes (and, only as a tie-breaker, its name)."""
    if data.startswith(GZIP_MAGIC):
        return "html"
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"---") and name.lower().endswith((".md", ".markdown")):
        return "markdown"
    if head.startswith(b"<"):
        if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
            return "feed"
        return "html"
    if head.startswith(b"---\n") or head.startswith(b"---\r\n"):
        return "markdown"
    if name.lower().endswith((".md", ".markdown")):
        return "markdown"
    return "pagetext"


@functools.cache
def registered_readers() -> dict[str, EntryPoint]:
    """Every reader installed, by kind: one scan of the installed distributions per process."""
    readers: dict[str, EntryPoint] = {}
    for point in entry_points(group=READER_GROUP):
        readers.setdefault(point.name, point)  # the first one found wins, as before
    return readers


@functools.cache
def get_reader(kind: str) -> Reader:
    """The reader registered under `kind` (entry point group `digest.readers`).

    Cached: scanning installed distributions for entry points costs milliseconds per call.
    """
    point = registered_readers().get(kind)
    if point is None:
        raise SourceError(f"no reader is installed for {kind} sources")
    reader: Reader = point.load()
    return reader


def read_bytes(
    data: bytes, *, origin: str, context: ReadContext, kind: str | None = None
) -> Article:
    """Read one source already in memory."""
    kind = kind or sniff(data, origin)
    log.debug("reading %s as %s", origin, kind)
    return get_reader(kind)(data, origin=origin, context=context)


def read_source_bytes(path: Path) -> bytes:
    """The bytes of a local source file, refusing folders and files too large for an article."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(f"{path}: {size:,} bytes is too large for an article")
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror})") from None


def read_file(path: Path, context: ReadContext) -> Article:
    """Read one local article file, whatever its kind."""
    return read_bytes(read_source_bytes(path), origin=str(path), context=context)


def decompress_if_gzip(data: bytes, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """Gunzip `data` if it is gzip, refusing output beyond `limit` bytes (gzip bombs)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    decompressor = gzip.GzipFile(fileobj=io.BytesIO(data))
    out = decompressor.read(limit + 1)
    if len(out) > limit:
        raise SourceError(f"decompressed content is larger than {limit:,} bytes")
    return out
