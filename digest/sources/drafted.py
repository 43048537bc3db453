"""What `digest new` drafts as a story's summary, and where from.

A feed's teaser is material, never the editor's words: per feed the publication chooses
`summaries = "page"` (fetch the entry's link and summarize the page, as the build would; the
default) or `"feed"` (the entry's own text through the same cleanup and budget as every
summary). A page named directly is summarized as it is. The draft marks the result as drafted
(`drafted_summary`, with where it came from), so the editor can tell it from their own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from digest.config import Publication
from digest.errors import SourceError
from digest.models import Article
from digest.sources.extract import read_url, summary_of
from digest.sources.fetch import FetchSettings
from digest.sources.fetch.pool import Outcome
from digest.sources.readers import ReadContext
from digest.summarize.tidy import is_cut_off

log = logging.getLogger(__name__)

# A drafted summary ends like a sentence; a fragment ("…", an open quote) is no summary.
_FINISHED = re.compile(r"[.!?][\"”’'»)\]]*$")


@dataclass(frozen=True, slots=True)
class Drafted:
    """A drafted summary and where it came from ("page" or "feed"), or why there is none."""

    text: str | None
    origin: str
    note: str | None = None  # worth a line in the draft ("the page could not be read")


def finished(text: str | None) -> str | None:
    """The text when it reads as finished sentences, else None."""
    if not text or is_cut_off(text) or not _FINISHED.search(text):
        return None
    return text


def draft_summary(
    article: Article,
    *,
    kind: str,
    source: str,
    publication: Publication,
    context: ReadContext,
    settings: FetchSettings,
    pages: Mapping[str, Outcome[tuple[str, list[Article]]]] | None = None,
) -> Drafted:
    """The summary `digest new` writes for one candidate read from `source` (of `kind`);
    a linked page in `pages` (`linked_pages`) was fetched already, side by side."""
    budget, method = publication.summary_chars, publication.summary_method
    if kind != "feed":
        return Drafted(finished(summary_of(article, budget, method)), "page")
    note = None
    if article.url and wants_page(article, kind, source, publication):
        try:
            page = _linked_page(article.url, pages or {}, context, settings)
        except SourceError as error:
            note = f"the linked page could not be read ({error.message})"
            log.info("%s", note)
        else:
            text = finished(summary_of(page, budget, method))
            if text is not None:
                return Drafted(text, "page")
            note = "the linked page gave no summary"
    text = finished(summary_of(article, budget, method))
    if text is None:
        fragment = "the feed's text is a fragment; write a summary or let the build read the page"
        note = f"{note}; {fragment}" if note else fragment
    return Drafted(text, "feed", note)


def wants_page(article: Article, kind: str, source: str, publication: Publication) -> bool:
    """True when the draft's summary of this candidate comes from its linked page."""
    return (
        kind == "feed"
        and bool(article.url)
        and (publication.sources.summaries_for(source) == "page")
    )


def _linked_page(
    url: str,
    pages: Mapping[str, Outcome[tuple[str, list[Article]]]],
    context: ReadContext,
    settings: FetchSettings,
) -> Article:
    outcome = pages.get(url.strip())
    if outcome is None:
        return read_url(url, context=context, settings=settings)
    _kind, articles = outcome.get()
    if not articles:
        raise SourceError(f"{url}: nothing to read (an empty feed)")
    return articles[0]
