"""RSS and Atom feeds (bytes we fetched ourselves) -> Articles, one per entry."""

from __future__ import annotations

import codecs
import io
import logging
import re
from calendar import timegm
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
from lxml import etree

from digest.errors import SourceError
from digest.models import Article
from digest.sources.readers import MAX_SOURCE_BYTES, ReadContext, decompress_if_gzip
from digest.sources.readers.bylines import clean_byline, join_names, outlet_keys
from digest.sources.readers.dates import Moment, has_time_of_day, parse_moment, plausible
from digest.sources.sanitize import html_paragraphs, plain_text, safe_link

log = logging.getLogger(__name__)

# Entity declarations are how "billion laughs" and external-entity attacks start; no real
# feed needs them (RSS 0.91's DOCTYPE names an external DTD but declares nothing inline).
# A document XML parsers refuse is searched whole: feedparser reads those too, loosely.
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.I)
# Feeds this large are archives, not today's news; refuse before parsing.
MAX_FEED_BYTES = MAX_SOURCE_BYTES
# A title made from the summary, when an entry has none, is cut here (a headline, not a text).
UNTITLED_CHARS = 100
IMAGE_TYPES = ("image/",)


def _text_for_scan(data: bytes) -> str:
    """The feed as text good enough to look for declarations, whatever its UTF encoding."""
    for marks, codec in (
        ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "utf-32"),
        ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-16"),
    ):
        if data.startswith(marks):
            return data.decode(codec, errors="replace")
    head = data[:4]
    if head in (b"<\x00\x00\x00", b"\x00\x00\x00<"):
        return data.decode("utf-32-le" if head[0] else "utf-32-be", errors="replace")
    if head[:2] in (b"<\x00", b"\x00<"):
        return data.decode("utf-16-le" if head[0] else "utf-16-be", errors="replace")
    return data.decode("latin-1")  # ASCII-compatible encodings: byte positions are enough


def _declares_entities(data: bytes) -> bool:
    """True when the document's DTD declares an entity, wherever the DTD stands.

    libxml2 reads the prolog as XML does (comments, processing instructions and all), never
    expanding an entity or fetching a DTD; a document it cannot parse is searched whole.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError, LookupError):
        return _ENTITY_DECLARATION.search(_text_for_scan(data)) is not None
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def check_feed_safe(data: bytes, origin: str) -> None:
    """Refuse a feed whose DTD declares entities (entity expansion, external entities)."""
    if _declares_entities(data):
        raise SourceError(
            f"{origin}: the feed declares XML entities, which feeds never need; "
            "refused as unsafe (entity expansion)"
        )


def _struct_time_utc(value: Any) -> datetime | None:
    return datetime.fromtimestamp(timegm(value), tz=UTC) if value else None


_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def entry_date(entry: Any, tz: tzinfo) -> Moment | None:
    """When an entry was published (or updated), keeping the feed's own UTC offset.

    A date written without a clock time ("2024-11-22", "Fri, 22 Nov 2024") is date-only;
    placeholder and far-future dates are skipped with a warning.
    """
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        moment: Moment | None = None
        try:
            parsed = parsedate_to_datetime(raw)  # RFC 822, as RSS 2.0 requires
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
            moment = Moment(parsed, not has_time_of_day(raw))
            # The stdlib reads the year "0001" as 2001: a placeholder must not become a date.
            written = _FOUR_DIGIT_YEAR.search(raw)
            if written is not None and int(written.group()) != parsed.year:
                log.warning("ignoring the impossible date %r of an entry", str(raw))
                continue
        except (TypeError, ValueError, IndexError):
            moment = parse_moment(raw, tz)  # ISO 8601, as Atom and RSS 1.0 use
        if moment is None:
            struct = _struct_time_utc(entry.get(f"{key}_parsed"))
            moment = Moment(struct, not has_time_of_day(raw)) if struct is not None else None
        if moment is None:
            continue
        if not plausible(moment.when):
            log.warning("ignoring the impossible date %r of an entry", str(raw))
            continue
        return moment
    return None


def _field_text(entry: Any, key: str) -> str:
    """A text field as plain text: HTML ones lose their tags, plain ones keep every character."""
    value = str(entry.get(key, ""))
    kind = str(entry.get(f"{key}_detail", {}).get("type", "text/html"))
    if kind == "text/plain":
        return " ".join(value.split())
    return plain_text(value)


def _image(entry: Any, base: str | None) -> str | None:
    """The entry's picture: media:thumbnail, media:content, or an image enclosure."""
    candidates: list[str] = []
    for item in entry.get("media_thumbnail", []) + entry.get("media_content", []):
        if item.get("url") and str(item.get("medium", "image")) == "image":
            candidates.append(item["url"])
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith(IMAGE_TYPES):
            candidates.append(link.get("href", ""))
    for candidate in candidates:
        url = safe_link(candidate, base)
        if url is not None and not url.startswith("mailto:"):
            return url
    return None


def _entry_article(
    entry: Any, *, feed: Any, base: str | None, origin: str, context: ReadContext
) -> Article | None:
    """One feed entry as an Article, or None if it has nothing to show."""
    summary_html = entry.get("summary", "")
    contents = entry.get("content") or []
    body_html = contents[0].get("value", "") if contents else ""
    body = html_paragraphs(body_html) or html_paragraphs(summary_html)
    teaser = " ".join(html_paragraphs(summary_html)) or None
    title = _field_text(entry, "title")
    link = safe_link(entry.get("link"), base)
    if link is not None and link.startswith("mailto:"):
        link = None
    if not title:
        if not teaser:
            log.debug("%s: skipped an entry with neither title nor summary", origin)
            return None
        title = teaser[:UNTITLED_CHARS].rsplit(" ", 1)[0] + "…"
    outlets = outlet_keys([plain_text(feed.get("title", ""))], link)
    raw_author = plain_text(entry.get("author", ""))
    author = join_names(clean_byline(raw_author, outlets=outlets), context.language)
    language = feed.get("language") or None
    published = entry_date(entry, context.tz)
    return Article(
        title=title,
        body=body,
        url=link,
        published=published.when if published else None,
        date_only=published.date_only if published else False,
        author=author,
        image=_image(entry, link or base),
        site_name=plain_text(feed.get("title", "")) or None,
        language=language.strip() if isinstance(language, str) else None,
        teaser=teaser,
        source=origin,
    )


def _newest_first(article: Article) -> float:
    return article.published.timestamp() if article.published else float("-inf")


def parse_feed(data: bytes, *, origin: str) -> Any:
    """feedparser's result for `data`, after the safety checks; SourceError if not a feed."""
    data = decompress_if_gzip(data, MAX_FEED_BYTES)
    if len(data) > MAX_FEED_BYTES:
        raise SourceError(f"{origin}: {len(data):,} bytes is too large for a feed")
    if not data.strip():
        raise SourceError(f"{origin}: the feed is empty")
    check_feed_safe(data, origin)
    headers = {"content-location": origin} if urlsplit(origin).scheme in ("http", "https") else {}
    # A stream, never bytes or str: feedparser opens a str as a URL or path, and even bytes
    # as a file name, which would let the content pick what is read.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if result.get("bozo") and not result.get("entries") and not result.get("feed"):
        reason = result.get("bozo_exception")
        raise SourceError(f"{origin}: not a readable RSS or Atom feed ({reason})")
    if not result.get("version") and not result.get("entries"):
        raise SourceError(f"{origin}: not an RSS or Atom feed")
    return result


def read_feed(
    data: bytes,
    *,
    origin: str,
    context: ReadContext,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[Article]:
    """Every entry of a feed as an Article, newest first; `since` drops older dated entries."""
    result = parse_feed(data, origin=origin)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=context.tz)
    feed = result.get("feed", {})
    base = safe_link(feed.get("link"), origin if "://" in origin else context.base_url)
    base = base or (origin if urlsplit(origin).scheme in ("http", "https") else context.base_url)
    articles: list[Article] = []
    for entry in result.get("entries", []):
        article = _entry_article(entry, feed=feed, base=base, origin=origin, context=context)
        if article is None:
            continue
        if since is not None and article.published is not None and article.published < since:
            continue
        articles.append(article)
    # Newest first; undated entries keep their feed position after the dated ones.
    articles.sort(key=_newest_first, reverse=True)
    if limit is not None:
        articles = articles[: max(limit, 0)]
    log.debug("%s: %d entries kept", origin, len(articles))
    return articles


def read(data: bytes, *, origin: str, context: ReadContext) -> Article:
    """The single-article protocol: the newest entry of the feed."""
    articles = read_feed(data, origin=origin, context=context, limit=1)
    if not articles:
        raise SourceError(f"{origin}: the feed has no entries")
    return articles[0]
