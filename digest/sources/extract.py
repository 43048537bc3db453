"""`digest extract`: read pages, feeds or files (local or URLs) and report what a reader found."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digest.config import Publication
from digest.errors import DigestError, SourceError
from digest.models import Article
from digest.sources.fetch import FetchSettings, fetch
from digest.sources.fetch.settings import FetchResult, publication_settings
from digest.sources.readers import ReadContext, get_reader, read_source_bytes, sniff

if TYPE_CHECKING:
    from digest.sources.fetch.pool import Outcome

log = logging.getLogger(__name__)

# The publication default (config.DEFAULT_SUMMARY_CHARS); digest.toml can set another.
DEFAULT_SUMMARY_CHARS = 350
# trafilatura parses every page with one lxml parser shared by the whole process, and two
# threads in it at once crash the interpreter: pages fetched side by side are read one at a
# time (each while the others are still on their way).
READING = threading.Lock()
FEED_CONTENT_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
)


def is_url(text: str) -> bool:
    """True for http(s) URLs, which are fetched; everything else is a local path."""
    return text.strip().lower().startswith(("http://", "https://"))


def cache_settings(cache_root: Path | None, *, offline: bool = False) -> FetchSettings:
    """Fetch settings with the cache under `cache_root` (a publication's folder)."""
    return publication_settings(None, cache_root, offline=offline)


def _kind(data: bytes, name: str, content_type: str | None = None) -> str:
    if content_type in FEED_CONTENT_TYPES:
        return "feed"
    return sniff(data, name)


def _read_as(
    kind: str, data: bytes, *, origin: str, context: ReadContext, charset: str | None = None
) -> list[Article]:
    """Read with our own html/feed readers (no entry point needed), others by entry point."""
    if kind == "feed":
        from digest.sources.readers.feed import read_feed

        return read_feed(data, origin=origin, context=context)
    if kind == "html":
        from digest.sources.readers.html import read as read_html

        return [read_html(data, origin=origin, context=context, charset=charset)]
    return [get_reader(kind)(data, origin=origin, context=context)]


def read_fetched(result: FetchResult, *, context: ReadContext) -> tuple[str, list[Article]]:
    """Read what a fetch returned: its kind, and one Article for a page or one per feed entry.

    Safe from several threads: they read one at a time (READING).
    """
    with READING:
        kind = _kind(result.data, urlsplit(result.final_url).path, result.content_type)
        log.debug("%s is %s (%s)", result.url, kind, result.content_type)
        articles = _read_as(
            kind, result.data, origin=result.final_url, context=context, charset=result.charset
        )
    return kind, articles


def read_url_all(
    url: str, *, context: ReadContext, settings: FetchSettings | None = None
) -> tuple[str, list[Article]]:
    """Fetch a URL and read it: its kind, and one Article for a page or one per feed entry."""
    return read_fetched(fetch(url, settings=settings), context=context)


def read_url(
    url: str,
    *,
    context: ReadContext,
    cache_root: Path | None = None,
    settings: FetchSettings | None = None,
    fetched: FetchResult | None = None,
) -> Article:
    """One article from a URL (a feed gives its newest entry), cached under `cache_root`;
    from `fetched` when it was fetched already."""
    if fetched is not None:
        _kind_found, articles = read_fetched(fetched, context=context)
    else:
        settings = settings or cache_settings(cache_root)
        _kind_found, articles = read_url_all(url, context=context, settings=settings)
    if not articles:
        raise SourceError(f"{url}: nothing to read (an empty feed)")
    return articles[0]


def read_path_all(path: Path, *, context: ReadContext) -> tuple[str, list[Article]]:
    """Read a local file: its kind, and one Article for a page or one per feed entry."""
    data = read_source_bytes(path)
    kind = _kind(data, path.name)
    return kind, _read_as(kind, data, origin=str(path), context=context)


def read_any(
    source: str,
    *,
    context: ReadContext,
    settings: FetchSettings | None = None,
    read_ahead: Mapping[str, Outcome[tuple[str, list[Article]]]] | None = None,
) -> tuple[str, list[Article]]:
    """A URL or a local path: its kind ("feed", "html", ...) and its Articles.

    A URL in `read_ahead` (see `read_urls_ahead`) was read there; it is not fetched again.
    """
    if is_url(source):
        outcome = (read_ahead or {}).get(source.strip())
        if outcome is not None:
            return outcome.get()
        return read_url_all(source.strip(), context=context, settings=settings)
    return read_path_all(Path(source), context=context)


def read_urls_ahead(
    sources: list[str], *, context: ReadContext, settings: FetchSettings
) -> dict[str, Outcome[tuple[str, list[Article]]]]:
    """The URLs among `sources`, fetched and read side by side (`run_by_host`), for
    `read_any`: a page is read while the others are still on their way."""
    from digest.sources.fetch.pool import Job, run_by_host

    urls = dict.fromkeys(source.strip() for source in sources if is_url(source))
    read = partial(read_fetched, context=context)
    jobs = [Job.followed(url, partial(fetch, url, settings=settings), read) for url in urls]
    return {outcome.url: outcome for outcome in run_by_host(jobs, concurrency=settings.concurrency)}


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What one input gave: an article and its summary, or the reason it could not be read."""

    input: str
    article: Article | None = None
    summary: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the input was read."""
        return self.article is not None

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values."""
        if self.article is None:
            return {"input": self.input, "error": self.error}
        article = self.article
        return {
            "input": self.input,
            "title": article.title,
            "url": article.url,
            "date": _written_date(article),
            "date_only": article.date_only,
            "author": article.author,
            "section": article.section,
            "image": article.image,
            "site_name": article.site_name,
            "language": article.language,
            "summary": self.summary,
            "teaser": article.teaser,
            "body": list(article.body),
            "source": article.source,
        }

    def to_json(self) -> str:
        """One JSON line."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_text(self) -> str:
        """A short human-readable report."""
        if self.article is None:
            error = self.error or "could not be read"
            return error if error.startswith(self.input) else f"{self.input}: {error}"
        article = self.article
        facts = [
            article.url or article.source,
            _written_date(article) or "no date",
            article.author or "no author",
        ]
        if article.section:
            facts.append(article.section)
        words = sum(len(paragraph.split()) for paragraph in article.body)
        lines = [
            article.title,
            "  " + " | ".join(facts),
            f"  {len(article.body)} paragraph{'s' if len(article.body) != 1 else ''}, {words} words"
            + (f"; image {article.image}" if article.image else ""),
        ]
        if self.summary:
            lines.append("  " + self.summary)
        return "\n".join(lines)


def summary_of(article: Article, max_chars: int, method: str | None = None) -> str | None:
    """The summary the build would use: the writer's own (front matter), else one made from
    the body, else from a feed's teaser, both through the same cleanup and budget."""
    from digest.summarize import DEFAULT_METHOD, summarize

    if article.summary:
        return article.summary
    material = article.body or ((article.teaser,) if article.teaser else ())
    if material:
        chosen = method or DEFAULT_METHOD
        return summarize(list(material), max_chars, chosen, title=article.title) or None
    return None


@dataclass(frozen=True, slots=True)
class SummarySettings:
    """Budget and method: the publication's (digest.toml around the folder) unless given."""

    max_chars: int
    method: str
    context: ReadContext


def summary_settings(
    max_chars: int | None, method: str | None, start: Path | None = None
) -> SummarySettings:
    """The publication's summary budget and method, overridden by what the caller gives."""
    from digest.config import find_publication, load_publication
    from digest.summarize import DEFAULT_METHOD

    budget, chosen, context = DEFAULT_SUMMARY_CHARS, DEFAULT_METHOD, ReadContext(tz=UTC)
    found = find_publication((start or Path.cwd()).resolve())
    if found is not None:
        try:
            publication = load_publication(found)
        except DigestError as error:
            log.warning("ignoring %s: %s", found, error)
        else:
            budget, chosen = publication.summary_chars, publication.summary_method
            context = _context_of(publication)
    return SummarySettings(max_chars or budget, method or chosen, context)


def summarize_source(
    source: str,
    settings: SummarySettings,
    *,
    stdin: bytes | None = None,
    fetch_settings: FetchSettings | None = None,
) -> str:
    """`digest summarize`: read a page, file, URL or stdin as the build does; its summary."""
    if stdin is not None:
        article = get_reader("pagetext")(stdin, origin="<stdin>", context=settings.context)
    else:
        _kind, articles = read_any(source, context=settings.context, settings=fetch_settings)
        if not articles:
            raise SourceError(f"{source}: nothing to read (an empty feed)")
        article = articles[0]
    return summary_of(article, settings.max_chars, settings.method) or ""


def _publication_near(start: Path | None) -> tuple[Publication | None, Path | None]:
    """The publication around `start` (cwd) and its folder; an invalid one is ignored."""
    from digest.config import find_publication, load_publication

    found = find_publication((start or Path.cwd()).resolve())
    if found is None:
        return None, None
    try:
        return load_publication(found), found.parent
    except DigestError as error:
        log.warning("ignoring %s: %s", found, error)
        return None, found.parent


def _context_of(publication: Publication | None) -> ReadContext:
    if publication is not None:
        return ReadContext(
            tz=publication.tz, base_url=publication.base_url, language=publication.language
        )
    return ReadContext(tz=UTC)


def default_context(start: Path | None = None) -> ReadContext:
    """The read context of the publication around `start` (cwd), else UTC with no base URL."""
    publication, _root = _publication_near(start)
    return _context_of(publication)


def defaults_near(
    start: Path | None = None, *, offline: bool = False
) -> tuple[ReadContext, FetchSettings]:
    """The read context and fetch settings ([fetch], the cache) of the publication around
    `start` (cwd), read once."""
    publication, root = _publication_near(start)
    fetch = publication.fetch if publication else None
    return _context_of(publication), publication_settings(fetch, root, offline=offline)


def extract(
    inputs: list[str],
    *,
    context: ReadContext | None = None,
    settings: FetchSettings | None = None,
    summary_chars: int = DEFAULT_SUMMARY_CHARS,
    method: str | None = None,
    on_result: Callable[[ExtractResult], None] | None = None,
) -> list[ExtractResult]:
    """Read every input (URL, page, feed or article file); a failure never stops the others."""
    context = context or default_context()
    results: list[ExtractResult] = []
    for source in inputs:
        try:
            _kind_found, articles = read_any(source, context=context, settings=settings)
            found = [
                ExtractResult(source, article, summary_of(article, summary_chars, method))
                for article in articles
            ]
            if not found:
                found = [ExtractResult(source, error="nothing to read (an empty feed)")]
        except SourceError as error:
            found = [ExtractResult(source, error=error.message)]
        for result in found:
            if on_result is not None:
                on_result(result)
            results.append(result)
    return results


def _written_date(article: Article) -> str | None:
    """The publication date as ISO 8601: the day alone when the source gave no time."""
    if article.published is None:
        return None
    if article.date_only:
        return article.published.date().isoformat()
    return article.published.isoformat()
