"""Image sizes: read from the first bytes of PNG, JPEG, GIF and WebP files, and looked up for
the stories of an edition (the page's metadata and the editor come first; bytes are fetched
through `sources.fetch`, cached, only for images whose size nobody gave).

Mail clients reserve an image's box from its width and height attributes; without them the
layout jumps when images load, and Outlook shows nothing at all until they do.
"""

from __future__ import annotations

import logging
import struct
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

from digest.cache import BuildCache
from digest.config.access import DEFAULT_FETCH_CONCURRENCY
from digest.errors import SourceError
from digest.models import ImageSize
from digest.sources.read import SourcedArticle

log = logging.getLogger(__name__)

# PNG's IHDR, GIF's screen descriptor and WebP's VP8 headers sit in the first 32 bytes; a
# JPEG's frame header may follow kilobytes of EXIF data, so the parser walks its segments.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GIF_SIGNATURES = (b"GIF87a", b"GIF89a")
# JPEG start-of-frame markers (baseline, progressive, lossless...), not DHT/JPG/DAC.
JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field (RST0-7, SOI, EOI, TEM).
JPEG_STANDALONE = frozenset({*range(0xD0, 0xDA), 0x01})
# Larger than this is a corrupt header, not a photo.
MAX_SIDE = 100_000
# An image is worth less waiting than a page: a slow image host must not hold a build (or the
# live preview) for the pages' full minute. A failed image is not cached, so it is retried.
IMAGE_TOTAL_TIMEOUT = 10.0
IMAGE_CONNECT_TIMEOUT = 5.0
# The preview asks again for an image it could not size after this long (a host back up).
RETRY_SECONDS = 300.0


def _checked(width: int, height: int) -> ImageSize | None:
    if 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE:
        return ImageSize(width, height)
    return None


def _png(data: bytes) -> ImageSize | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return _checked(width, height)


def _gif(data: bytes) -> ImageSize | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return _checked(width, height)


def _webp(data: bytes) -> ImageSize | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return _checked(width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return _checked((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _checked(width, height)
    return None


def _jpeg(data: bytes) -> ImageSize | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill bytes before a marker
            position += 1
            continue
        if marker in JPEG_STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            return None
        if marker in JPEG_FRAME_MARKERS:
            if position + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return _checked(width, height)
        position += 2 + length
    return None


def image_size(data: bytes) -> ImageSize | None:
    """The pixel size from an image file's header, or None when it is not one we can read."""
    if data.startswith(PNG_SIGNATURE):
        return _png(data)
    if data.startswith(GIF_SIGNATURES):
        return _gif(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def fetch_image_size(url: str, cache_root: Path | None, *, offline: bool) -> ImageSize | None:
    """The size of the image at `url`: from the fetch cache, else (online) fetched and cached.

    Returns None, with the reason logged, when the image cannot be had or read: the theme then
    leaves it out rather than guess a box that would distort it. Raises HostUnreachable when
    its host cannot be reached at all (no address, refused, silent).
    """
    from digest.sources.fetch import FetchSettings, fetch
    from digest.sources.fetch.policy import HostUnreachable
    from digest.sources.fetch.settings import CACHE_FOLDER, MAX_IMAGE_BYTES

    cache_dir = cache_root / CACHE_FOLDER if cache_root is not None else None
    settings = FetchSettings(
        cache_dir=cache_dir,
        offline=offline,
        mode="image",
        max_bytes=MAX_IMAGE_BYTES,
        connect_timeout=IMAGE_CONNECT_TIMEOUT,
        total_timeout=IMAGE_TOTAL_TIMEOUT,
    )
    try:
        result = fetch(url, settings=settings)
    except HostUnreachable:
        raise
    except SourceError as error:
        log.info("image size unknown: %s", error)
        return None
    size = image_size(result.data)
    if size is None:
        log.info("image size unknown: %s is not a PNG, JPEG, GIF or WebP file", url)
    return size


def _needs_size(item: SourcedArticle) -> str | None:
    """The https image of an article whose size neither the editor nor the page gave."""
    article, overrides = item.article, item.overrides
    image = overrides.image or article.image
    known = overrides.image_width and overrides.image_height
    own = overrides.image is None or overrides.image == article.image
    known = known or (own and article.image_width and article.image_height)
    if image and image.lower().startswith("https://") and not known:
        return image
    return None


class _NotRemembered(Exception):
    """Raised in place of a lookup, to ask the memo whether it holds a size already."""


def _not_remembered() -> ImageSize | None:
    raise _NotRemembered


def _remembered(
    cache: BuildCache | None, keys: dict[str, tuple[str, str, bool, int]]
) -> dict[str, ImageSize | None]:
    """The sizes the preview's memo holds for this window, without looking anything up: a
    rebuild that would only hit the memo starts no fetch at all (and no thread)."""
    held: dict[str, ImageSize | None] = {}
    if cache is None:
        return held
    for url, key in keys.items():
        try:
            held[url] = cache.images.get(key, _not_remembered)
        except _NotRemembered:
            continue
    return held


def with_image_sizes(
    articles: list[SourcedArticle],
    cache_root: Path | None,
    *,
    offline: bool = False,
    cache: BuildCache | None = None,
    concurrency: int = DEFAULT_FETCH_CONCURRENCY,
) -> list[SourcedArticle]:
    """Articles whose image has no known size get one from its bytes, where it can be had.

    Images are looked up side by side (`concurrency` at once, politely per host). A host
    that cannot be reached is tried once per build, not once per image; with a `cache` (the
    preview's), a size is looked up once per RETRY_SECONDS, so an unreachable image host
    costs one wait, not one per rebuild.
    """
    from digest.sources.fetch.pool import Job, run_by_host

    # Keyed on the time window too: a failure is retried in the next window.
    window = int(time.monotonic() // RETRY_SECONDS)
    keys = {url: ("image", url, offline, window) for url in map(_needs_size, articles) if url}
    sizes = _remembered(cache, keys)

    def size_of(url: str) -> ImageSize | None:
        size = fetch_image_size(url, cache_root, offline=offline)
        return size if cache is None else cache.images.get(keys[url], lambda: size)

    outcomes = run_by_host(
        [Job(url, partial(size_of, url)) for url in keys if url not in sizes],
        concurrency=concurrency,
        skip_unreachable=True,
        label="images",
    )
    for outcome in outcomes:  # in the stories' order: the log reads the same every time
        if outcome.error is None:
            sizes[outcome.url] = outcome.value
            continue
        log.info("image size unknown: %s", outcome.error)
        sizes[outcome.url] = None
        if cache is not None:  # the unreachable host is not asked again in this window
            cache.images.get(keys[outcome.url], lambda: None)
    measured = []
    for item in articles:
        url = _needs_size(item)
        size = sizes.get(url) if url else None
        if size is not None:
            overrides = replace(item.overrides, image_width=size.width, image_height=size.height)
            item = replace(item, overrides=overrides)
        measured.append(item)
    return measured
