"""Read sources: the edition's entries -> Articles and TickerItems, every failure at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from digest.config import ArticleEntry, LoadedEdition
from digest.config.access import inside
from digest.errors import SourceError
from digest.models import Article, ArticleOverrides, TickerItem
from digest.sources.fetch.settings import FetchSettings, publication_settings
from digest.sources.readers import ReadContext, read_file

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
        url=entry.url,
        lead=entry.lead,
    )


def local_source(loaded: LoadedEdition, relative: str) -> Path:
    """The file a `source` names, refused if it lies outside the publication's folders.

    Loading the edition checked this already; checked again here, when the file is opened,
    so a symlink swapped in between cannot lead outside."""
    path = loaded.resolve(relative)
    if not inside(path, loaded.publication.sources.roots(loaded.root)):
        raise SourceError(f"{relative}: outside the publication folder {loaded.root}")
    return path


def _read_entry(
    entry: ArticleEntry, loaded: LoadedEdition, context: ReadContext, settings: FetchSettings
) -> Article:
    if entry.source is not None:
        return read_file(local_source(loaded, entry.source), context)
    assert entry.url is not None  # the config model guarantees one of the two
    from digest.sources.extract import read_url

    return read_url(entry.url, context=context, settings=settings)


def from_the_edition(entry: ArticleEntry) -> Article | None:
    """The article as the editor wrote it (title and summary), for when it cannot be read."""
    if not (entry.title and entry.summary):
        return None
    return Article(title=entry.title, url=entry.url, source=entry.url or entry.source or "")


def read_articles(
    loaded: LoadedEdition, *, offline: bool = False
) -> tuple[list[SourcedArticle], list[str]]:
    """Every selected article in the editor's order, and warnings about the inputs.

    An article that cannot be read is built from the edition's `title` and `summary` when
    it has both (with a warning); the others fail together, every one named. `offline`
    reads web pages from the fetch cache only.
    """
    context = read_context(loaded)
    settings = publication_settings(loaded.publication.fetch, loaded.root, offline=offline)
    articles: list[SourcedArticle] = []
    failures: list[str] = []
    warnings: list[str] = []
    for number, entry in enumerate(loaded.edition.articles, 1):
        key = f"articles[{number}]"
        try:
            article = _read_entry(entry, loaded, context, settings)
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


def read_ticker(loaded: LoadedEdition, articles: list[SourcedArticle]) -> list[TickerItem]:
    """Ticker items in the editor's order: inline ones, and pages' ticker blocks."""
    context = read_context(loaded)
    # A page already read as an article is not read twice for its ticker block.
    by_source = {item.article.source: item.article for item in articles}
    items: list[TickerItem] = []
    origin = loaded.edition_path.name
    for entry in loaded.edition.ticker:
        if entry.text is not None:
            items.append(TickerItem(text=entry.text, url=entry.url, origin=origin))
            continue
        assert entry.source is not None
        path = local_source(loaded, entry.source)
        article = by_source.get(str(path)) or read_file(path, context)
        if not article.ticker:
            log.warning("%s has no ticker block", entry.source)
        items.extend(article.ticker)
    return items
