"""What a fetch may do (timeouts, sizes, redirects, types) and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from digest.config.access import DEFAULT_FETCH_CONCURRENCY, FetchConfig, HostAllowList

# Fetched pages are cached here, under the publication's folder, so builds repeat offline.
CACHE_FOLDER = ".digest-cache"
USER_AGENT = "digest/0.1 (+https://github.com/digest-newsletter/digest)"
# Long enough for a slow news site, short enough that a dead host doesn't stall a build.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
# A slow-drip server can keep each read under READ_TIMEOUT for ever; this one deadline covers
# the whole fetch: connecting, TLS, the request, the headers, the body and every redirect.
TOTAL_TIMEOUT = 60.0
# Real article pages are well under 5 MB; more is a download, not an article. Applies to the
# bytes on the wire and again to the bytes after gzip/deflate decoding (decompression bombs).
MAX_BYTES = 10 * 1024 * 1024
# Browsers allow 20; news sites rarely chain more than 3 (http -> https -> www -> canonical).
MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# What a reader can use: pages, feeds, text; anything else (images, PDFs) is refused early.
READABLE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "text/plain",
        "text/markdown",
        "application/gzip",  # a saved .html.gz served as a file; readers gunzip it
        "application/x-gzip",
    }
)
# Images are fetched only to read their size; pages' rules hold for them otherwise.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/pjpeg", "image/gif", "image/webp"})
IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp"
# A news photo is well under this; more is not an image for an email.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/plain;q=0.8"
)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How to fetch: limits, where the cache lives, and whether to touch the network."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    allow_private: bool = False  # lets loopback through; only for tests against 127.0.0.1
    allow: HostAllowList = field(default_factory=HostAllowList)  # [fetch] allow_hosts
    cache_dir: Path | None = None
    offline: bool = False  # read the cache only; never the network
    refresh: bool = False  # ignore cached copies (but still update the cache)
    ca_certs: str | None = None  # a CA bundle instead of the system's (tests, corporate CAs)
    mode: Literal["page", "image"] = "page"  # what may come back: pages and feeds, or images
    concurrency: int = DEFAULT_FETCH_CONCURRENCY  # fetches at once in a batch (fetch_all)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The body of a fetched URL and what the server said about it."""

    url: str  # as asked for
    final_url: str  # after redirects
    data: bytes  # decoded from gzip/deflate transfer encoding, not from charset
    content_type: str | None
    charset: str | None
    from_cache: bool = False


def publication_settings(
    config: FetchConfig | None, root: Path | None, *, offline: bool = False
) -> FetchSettings:
    """How a publication fetches: its [fetch] table, and its cache beside digest.toml."""
    config = config or FetchConfig()
    return FetchSettings(
        total_timeout=config.timeout,
        concurrency=config.concurrency,
        allow=config.allow_list,
        cache_dir=root / CACHE_FOLDER if root is not None else None,
        offline=offline,
    )
