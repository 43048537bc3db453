"""All network access in digest: fetch one URL safely, within limits, with a disk cache.

`fetch()` is the one door to the network: public addresses only (or loopback in tests), one
deadline for the whole fetch (the name lookup included), a size cap after decompression,
redirects re-checked, and a cache so `--offline` works. `fetch_all()` fetches many side by
side, politely (`pool`); `run_by_host()` does the same for any per-URL job (a link check).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from digest.errors import SourceError
from digest.sources.fetch.cache import cache_key, read_cache, write_cache
from digest.sources.fetch.settings import USER_AGENT, FetchResult, FetchSettings

log = logging.getLogger(__name__)
# The address policy and the HTTP client (sockets, TLS) load on first use: a build of local
# files names the fetch settings but never fetches, and should not pay for them.
_LAZY = {
    "Job": "pool",
    "Outcome": "pool",
    "fetch_all": "pool",
    "run_by_host": "pool",
    "address_problem": "policy",
    "check_url": "policy",
    "literal_address": "policy",
    "parse_ipv4_number": "policy",
    "resolve": "policy",
    "resolve_all": "policy",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


# --- the entry point -----------------------------------------------------------------------


def fetch(url: str, *, settings: FetchSettings | None = None) -> FetchResult:
    """Fetch `url` within the limits of `settings`; raise SourceError with a reason on failure."""
    settings = settings or FetchSettings()
    url = url.strip()
    if settings.cache_dir is not None and (settings.offline or not settings.refresh):
        cached = read_cache(settings.cache_dir, url)
        if cached is not None:
            log.debug("%s from the cache", url)
            return cached
    if settings.offline:
        where = f" in {settings.cache_dir}" if settings.cache_dir else ""
        raise SourceError(f"{url}: not in the cache{where}, and offline mode is on")
    from digest.sources.fetch.http import fetch_network

    result = fetch_network(url, settings)
    if settings.cache_dir is not None:
        write_cache(settings.cache_dir, result)
    return result


__all__ = [
    "USER_AGENT",
    "FetchResult",
    "FetchSettings",
    "Job",
    "Outcome",
    "address_problem",
    "cache_key",
    "check_url",
    "fetch",
    "fetch_all",
    "literal_address",
    "parse_ipv4_number",
    "resolve",
    "resolve_all",
    "run_by_host",
]
