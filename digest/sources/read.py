"""Read sources: the edition's entries -> Articles and TickerItems, every failure at once."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from digest.cache import BuildCache
from digest.config import ArticleEntry, LoadedEdition
from digest.config.access import inside
from digest.errors import SourceError
from digest.models import Article, ArticleOverrides, TickerItem
from digest.sources.fetch.cache import cache_stamp
from digest.sources.fetch.settings import (
    CACHE_FOLDER,
    FetchResult,
    FetchSettings,
    publication_settings,
)
from digest.sources.readers import ReadContext, read_bytes, read_source_bytes

if TYPE_CHECKING:
    from digest.sources.fetch.pool import Outcome

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
        language=publication.language,
    )


def overrides_of(entry: ArticleEntry) -> ArticleOverrides:
    """The editor's overrides for one entry."""
    return ArticleOverrides(
        title=entry.title,
        summary=entry.summary,
        drafted_summary=entry.drafted_summary,
        section=entry.section,
        image=entry.image,
        image_alt=entry.image_alt,
        image_width=entry.image_width,
        image_height=entry.image_height,
        url=entry.url,
        lead=entry.lead,
        keep=entry.keep,
        update=entry.update,
    )


def local_source(loaded: LoadedEdition, relative: str) -> Path:
    """The file a `source` names, refused if it lies outside the publication's folders.

    Loading the edition checked this already; checked again here, when the file is opened,
    so a symlink swapped in between cannot lead outside."""
    path = loaded.resolve(relative)
    if not inside(path, loaded.publication.sources.roots(loaded.root)):
        raise SourceError(f"{relative}: outside the publication folder {loaded.root}")
    return path


def read_local(path: Path, context: ReadContext, cache: BuildCache | None = None) -> Article:
    """Read one local file; with a cache, the same bytes under the same settings read once."""
    data = read_source_bytes(path)
    origin = str(path)
    if cache is None:
        return read_bytes(data, origin=origin, context=context)
    key = ("file", origin, hashlib.blake2b(data, digest_size=16).digest(), context)
    return cache.reads.get(key, lambda: read_bytes(data, origin=origin, context=context))


def read_web(
    url: str,
    loaded: LoadedEdition,
    context: ReadContext,
    settings: FetchSettings,
    cache: BuildCache | None = None,
    fetched: FetchResult | None = None,
) -> Article:
    """Read one URL through the publication's fetch cache; with a cache, each copy read once.

    `fetched`: what a fetch of it just returned (`read_missing`)."""
    from digest.sources.extract import read_url

    def read() -> Article:
        return read_url(url, context=context, settings=settings, fetched=fetched)

    # Keyed on the cached copy, so a refreshed page is read again; not yet fetched: no key.
    stamp = cache_stamp(loaded.root / CACHE_FOLDER, url.strip())
    if cache is None or stamp is None:
        return read()
    return cache.reads.get(("url", url, stamp, context), read)


def read_missing(
    loaded: LoadedEdition,
    context: ReadContext,
    settings: FetchSettings,
    cache: BuildCache | None,
) -> dict[str, Outcome[Article]]:
    """The edition's web pages not in the fetch cache yet, fetched and read side by side
    (`run_by_host`): each is read while the others are still on their way.

    Pages already cached are left to the ordered pass, which may not need their bytes."""
    if settings.offline:
        return {}
    folder = loaded.root / CACHE_FOLDER
    urls = [entry.url for entry in loaded.edition.articles if entry.source is None and entry.url]
    missing = dict.fromkeys(url.strip() for url in urls if cache_stamp(folder, url.strip()) is None)
    if not missing:
        return {}
    from digest.sources.fetch import fetch
    from digest.sources.fetch.pool import Job, run_by_host

    def job(url: str) -> Job[Article]:
        def read(result: FetchResult) -> Article:
            return read_web(url, loaded, context, settings, cache, result)

        return Job.followed(url, partial(fetch, url, settings=settings), read)

    jobs = [job(url) for url in missing]
    return {outcome.url: outcome for outcome in run_by_host(jobs, concurrency=settings.concurrency)}


def _read_entry(
    entry: ArticleEntry,
    loaded: LoadedEdition,
    context: ReadContext,
    settings: FetchSettings,
    cache: BuildCache | None,
    read_ahead: dict[str, Outcome[Article]],
) -> Article:
    if entry.source is not None:
        return read_local(local_source(loaded, entry.source), context, cache)
    assert entry.url is not None  # the config model guarantees one of the two
    ahead = read_ahead.get(entry.url.strip())
    if ahead is not None:
        return ahead.get()
    return read_web(entry.url, loaded, context, settings, cache)


def from_the_edition(entry: ArticleEntry) -> Article | None:
    """The article as the editor wrote it (title and summary), for when it cannot be read."""
    if not (entry.title and (entry.summary or entry.drafted_summary)):
        return None
    return Article(title=entry.title, url=entry.url, source=entry.url or entry.source or "")


def read_articles(
    loaded: LoadedEdition, *, offline: bool = False, cache: BuildCache | None = None
) -> tuple[list[SourcedArticle], list[str]]:
    """Every selected article in the editor's order, and warnings about the inputs.

    An article that cannot be read is built from the edition's `title` and `summary` when
    it has both (with a warning); the others fail together, every one named. `offline`
    reads web pages from the fetch cache only. With a `cache` (the preview's), sources whose
    bytes did not change are not read again. Pages not in the fetch cache are fetched and read
    side by side first; the results are then taken in the editor's order, whatever order the
    pages came in.
    """
    context = read_context(loaded)
    settings = publication_settings(loaded.publication.fetch, loaded.root, offline=offline)
    read_ahead = read_missing(loaded, context, settings, cache)
    articles: list[SourcedArticle] = []
    failures: list[str] = []
    warnings: list[str] = []
    for number, entry in enumerate(loaded.edition.articles, 1):
        key = f"articles[{number}]"
        try:
            article = _read_entry(entry, loaded, context, settings, cache, read_ahead)
        except SourceError as error:
            fallback = from_the_edition(entry)
            if fallback is None:
                failures.append(f"{key}: {error}")
                continue
            warnings.append(f"{key}: {error}; built from the edition's title and summary")
            article = fallback
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
            f"({loaded.edition_path.name}):\n"
            + "\n".join(f"  - {line}" for line in failures)
            + "\nAn article whose entry has a `title` and a `summary` is built from those when "
            "it cannot be read; or remove the entry."
        )
    return articles, warnings


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
            items.append(
                TickerItem(
                    text=entry.text,
                    url=entry.url,
                    origin=origin,
                    keep=entry.keep,
                    update=entry.update,
                )
            )
            continue
        assert entry.source is not None
        path = local_source(loaded, entry.source)
        article = by_source.get(str(path)) or read_local(path, context, cache)
        if not article.ticker:
            log.warning("%s has no ticker block", entry.source)
        items.extend(replace(item, keep=entry.keep, update=entry.update) for item in article.ticker)
    return items
