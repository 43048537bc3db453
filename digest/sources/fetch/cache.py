"""The fetch cache: one body and one metadata file per URL, written atomically.

Two fetches of one URL may write at once (two commands, or a preview's rebuilds): each file
is replaced whole, and the metadata names its body's digest, so a body from one fetch paired
with the metadata of the other reads as a miss, never as the wrong page.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from digest.atomic import write_atomic
from digest.sources.fetch.settings import FetchResult

log = logging.getLogger(__name__)

# --- the cache -----------------------------------------------------------------------------


def cache_key(url: str) -> str:
    """The cache file name stem for a URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _cache_paths(cache_dir: Path, url: str) -> tuple[Path, Path]:
    key = cache_key(url)
    return cache_dir / f"{key}.body", cache_dir / f"{key}.json"


def read_cache(cache_dir: Path, url: str) -> FetchResult | None:
    body_path, meta_path = _cache_paths(cache_dir, url)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = body_path.read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("url") != url:
        return None
    stated = meta.get("sha256")  # entries written before it was recorded have none
    if stated is not None and stated != _body_digest(data):
        log.debug("%s: the cached body is not the one its metadata describes", url)
        return None
    return FetchResult(
        url=url,
        final_url=str(meta.get("final_url") or url),
        data=data,
        content_type=meta.get("content_type"),
        charset=meta.get("charset"),
        from_cache=True,
    )


def cache_stamp(cache_dir: Path, url: str) -> tuple[int, int, int] | None:
    """When and how big the cached copy of `url` is (None if none): it changes on a refresh."""
    body_path, meta_path = _cache_paths(cache_dir, url)
    try:
        body, meta = body_path.stat(), meta_path.stat()
    except OSError:
        return None
    return body.st_mtime_ns, body.st_size, meta.st_mtime_ns


def _body_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_cache(cache_dir: Path, result: FetchResult) -> None:
    body_path, meta_path = _cache_paths(cache_dir, result.url)
    meta = {
        "url": result.url,
        "final_url": result.final_url,
        "content_type": result.content_type,
        "charset": result.charset,
        "bytes": len(result.data),
        "sha256": _body_digest(result.data),
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(body_path, result.data)  # body first: metadata marks the entry complete
        write_atomic(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"))
    except OSError as error:
        log.warning("could not cache %s in %s: %s", result.url, cache_dir, error)
