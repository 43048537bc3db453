"""`digest check --links`: ask every link of an email, in parallel, through the safe fetch.

Each link is one `fetch` (public addresses or `[fetch] allow_hosts` only, one deadline for
the whole request and its redirects, a size cap) with the publication's timeout; a small
pool of threads asks several at once, so an email of 60 links takes a few deadlines at
worst, not sixty. Nothing is cached: the point is to see each page as it answers now.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit

from digest.errors import SourceError
from digest.sources.fetch import FetchSettings, fetch

# Links asked at once: enough to hide each server's latency, few enough not to look like a
# crawl to one site (most of an email's links go to the publication's own site).
LINK_WORKERS = 8
# A link only needs its status and where it lands: a page larger than this still answered.
LINK_MAX_BYTES = 2 * 1024 * 1024
# How the fetch words what it met (sources/fetch/http.py): status codes, deadlines, answers
# that are fine for a link although no reader would read them (a PDF, a big page).
STATUS = re.compile(r"the server answered (\d{3})")
TIMEOUT_WORDS = ("took longer than", "did not answer in time")
REACHED_WORDS = ("not a web page or feed", "the response is larger than")
REFUSED_WORDS = ("allow_hosts", "only public addresses")
NOT_AN_IMAGE_WORDS = ("not an image",)

Outcome = Literal["ok", "status", "home", "timeout", "unreachable", "refused"]


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """How one link answered."""

    url: str
    outcome: Outcome
    status: int | None = None
    final_url: str = ""
    detail: str = ""


def probe_links(
    links: Sequence[tuple[str, str]],
    settings: FetchSettings,
    *,
    workers: int = LINK_WORKERS,
) -> list[LinkStatus]:
    """(tag, URL) pairs -> how each distinct http(s) URL answered, in the order given.

    Images (`img`) are asked for as images; links (`a`) as pages. Mail links are skipped.
    """
    wanted = list(
        dict.fromkeys(
            (tag, url.strip())
            for tag, url in links
            if url.strip().lower().startswith(("http://", "https://"))
        )
    )
    page = replace(settings, cache_dir=None, offline=False, max_bytes=LINK_MAX_BYTES)
    image = replace(page, mode="image")
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="linkcheck") as pool:
        return list(
            pool.map(lambda pair: probe(pair[1], image if pair[0] == "img" else page), wanted)
        )


def probe(url: str, settings: FetchSettings) -> LinkStatus:
    """Ask one URL; classify the answer."""
    try:
        result = fetch(url, settings=settings)
    except SourceError as error:
        return _failed(url, str(error))
    if _lands_on_home_page(url, result.final_url):
        return LinkStatus(url, "home", final_url=result.final_url)
    return LinkStatus(url, "ok", final_url=result.final_url)


def _failed(url: str, message: str) -> LinkStatus:
    status = STATUS.search(message)
    if status:
        return LinkStatus(url, "status", int(status.group(1)), detail=message)
    if any(words in message for words in REACHED_WORDS):
        return LinkStatus(url, "ok", detail=message)
    if any(words in message for words in NOT_AN_IMAGE_WORDS):
        return LinkStatus(url, "status", detail=message)  # answered, but with no image
    if any(words in message for words in TIMEOUT_WORDS):
        return LinkStatus(url, "timeout", detail=message)
    if any(words in message for words in REFUSED_WORDS):
        return LinkStatus(url, "refused", detail=message)  # the link checks said why
    return LinkStatus(url, "unreachable", detail=message)


def _lands_on_home_page(url: str, final: str) -> bool:
    """True when a link to a page ends, after redirects, at a site's front page: the page
    is gone and the site sends everyone home instead of answering 404."""
    if not final or final == url:
        return False
    asked, landed = urlsplit(url), urlsplit(final)
    at_home = landed.path in ("", "/") and not landed.query
    return at_home and asked.path not in ("", "/")
