"""Read sources: the edition's entries -> Articles and TickerItems, every failure at once."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from digest.cache import BuildCache
from digest.config import ArticleEntry, LoadedEdition
from digest.errors import SourceError
from digest.models import Article, ArticleOverrides, TickerItem
from digest.sources.readers import ReadContext, read_bytes, read_source_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourcedArticle:
    """An article as read, paired with what the editor set for it."""

    article: Article
    overrides: ArticleOverrides
    key: str  # "articles[3]", for messages and the report


def read_context(loaded: LoadedEdition) -> ReadContext:
    """What readers need from the publication."""
    publication = loaded.publication
    return ReadContext(
        tz=publication.tz,
        base_url=publication.base_url,
        sections=tuple(publication.sections),
    )


def overrides_of(entry: ArticleEntry) -> ArticleOverrides:
    """The editor's overrides for one entry."""
    return ArticleOverrides(
        title=entry.title,
        summary=entry.summary,
        section=entry.section,
        image=entry.image,
        image_alt=entry.image_alt,
        image_width=entry.image_width,
        image_height=entry.image_height,
        url=entry.url,
        lead=entry.lead,
        keep=entry.keep,
    )


def read_local(path: Path, context: ReadContext, cache: BuildCache | None = None) -> Article:
    """Read one local file; with a cache, the same bytes under the same settings read once."""
    data = read_source_bytes(path)
    origin = str(path)
    if cache is None:
        return read_bytes(data, origin=origin, context=context)
    key = ("file", origin, hashlib.blake2b(data, digest_size=16).digest(), context)
    return cache.reads.get(key, lambda: read_bytes(data, origin=origin, context=context))


def read_web(
    url: str, loaded: LoadedEdition, context: ReadContext, cache: BuildCache | None = None
) -> Article:
    """Read one URL through the publication's fetch cache; with a cache, each copy read once."""
    from digest.sources.extract import CACHE_FOLDER, read_url
    from digest.sources.fetch.cache import cache_stamp

    def read() -> Article:
        return read_url(url, context=context, cache_root=loaded.root)

    # Keyed on the cached copy, so a refreshed page is read again; not yet fetched: no key.
    stamp = cache_stamp(loaded.root / CACHE_FOLDER, url.strip())
    if cache is None or stamp is None:
        return read()
    return cache.reads.get(("url", url, stamp, context), read)


def _read_entry(
    entry: ArticleEntry, loaded: LoadedEdition, context: ReadContext, cache: BuildCache | None
) -> Article:
    if entry.source is not None:
        return read_local(loaded.resolve(entry.source), context, cache)
    assert entry.url is not None  # the config model guarantees one of the two
    return read_web(entry.url, loaded, context, cache)


def read_articles(loaded: LoadedEdition, cache: BuildCache | None = None) -> list[SourcedArticle]:
    """Every selected article, in the editor's order; all failures reported together.

    With a `cache` (the preview's), sources whose bytes did not change are not read again.
    """
    context = read_context(loaded)
    articles: list[SourcedArticle] = []
    failures: list[str] = []
    for number, entry in enumerate(loaded.edition.articles, 1):
        key = f"articles[{number}]"
        try:
            article = _read_entry(entry, loaded, context, cache)
        except SourceError as error:
            failures.append(f"{key}: {error}")
            continue
        if not (entry.title or article.title):
            failures.append(
                f"{key}: no headline found in {entry.source or entry.url}; "
                "set `title` for this article in the edition"
            )
            continue
        articles.append(SourcedArticle(article, overrides_of(entry), key))
    if failures:
        raise SourceError(
            f"{len(failures)} of {len(loaded.edition.articles)} articles could not be read "
            f"({loaded.edition_path.name}):\n" + "\n".join(f"  - {line}" for line in failures)
        )
    return articles


def read_ticker(
    loaded: LoadedEdition, articles: list[SourcedArticle], cache: BuildCache | None = None
) -> list[TickerItem]:
    """Ticker items in the editor's order: inline ones, and pages' ticker blocks."""
    context = read_context(loaded)
    # A page already read as an article is not read twice for its ticker block.
    by_source = {item.article.source: item.article for item in articles}
    items: list[TickerItem] = []
    origin = loaded.edition_path.name
    for entry in loaded.edition.ticker:
        if entry.text is not None:
            items.append(TickerItem(text=entry.text, url=entry.url, origin=origin, keep=entry.keep))
            continue
        assert entry.source is not None
        path = loaded.resolve(entry.source)
        article = by_source.get(str(path)) or read_local(path, context, cache)
        if not article.ticker:
            log.warning("%s has no ticker block", entry.source)
        items.extend(replace(item, keep=entry.keep) for item in article.ticker)
    return items
