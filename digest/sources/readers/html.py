"""HTML pages -> Article: trafilatura for body and metadata; our own charset and date care."""

from __future__ import annotations

import codecs
import json
import logging
import re
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree

from digest.errors import SourceError
from digest.models import Article
from digest.sources.readers import ReadContext, decompress_if_gzip
from digest.sources.readers.leads import is_body_paragraph, join_wrapped, true_lead
from digest.sources.sanitize import safe_link

log = logging.getLogger(__name__)

# Charset declarations and the byte-order mark sit in the first bytes of a page.
HEAD_BYTES = 8192
# Share of control bytes above which the input is binary data, not text (text has ~0).
MAX_CONTROL_SHARE = 0.05
# A body shorter than this (characters) after the precise extraction is probably a miss:
# retry with the recall-oriented settings and keep whichever is longer.
SHORT_BODY_CHARS = 600
# Fewer words than this is a menu or a stub ("Home"), not an article.
MIN_BODY_WORDS = 5
# trafilatura repeats the title and the teaser within the first few lines of a body, if at all.
LEADING_LINES_CHECKED = 4
# Lines this short at the very end of a body are widgets ("comments", "Share this"), not text.
TRAILING_STUB_WORDS = 2
# og:image:width/height beyond this is a typo, not a photo.
MAX_IMAGE_SIDE = 10_000
UTF8_NAMES = frozenset({"utf-8", "utf8", "unicode-1-1-utf-8"})
# Browsers read "latin-1" as windows-1252 (WHATWG Encoding); pages written for them rely on it.
LATIN1_NAMES = frozenset(
    {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "l1", "us-ascii", "ascii"}
)
FALLBACK_ENCODING = "cp1252"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))
_SPACES = re.compile(r"\s+")
# WordPress-style shortcodes that leak as text: [button link=...]Send us...[/button]
_SHORTCODE = re.compile(r"^\[(\w+)\b[^\]]*\].*\[/\1\]$")
# Dates before this year or this far in the future are placeholders, not publication dates.
MIN_YEAR = 1990
MAX_FUTURE = timedelta(days=366)
# " – TechCrunch", " | Reuters", " - IGN": where a site's name is glued to a headline.
_TITLE_SEPARATOR = re.compile(r"\s+[|–—-]\s+")
DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "date",
)


# --- bytes -> text -------------------------------------------------------------------------


def _declared_charset(head: bytes) -> str | None:
    """The charset a page's <meta> declares, lower case, or None."""
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace").lower() if match else None


def _check_text(data: bytes, origin: str) -> None:
    """Refuse empty input and binary data before any parser sees it."""
    if not data.strip():
        raise SourceError(f"{origin}: the page is empty")
    sample = data[:HEAD_BYTES]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    controls = sum(sample.count(byte) for byte in _CONTROL_BYTES)
    if controls / len(sample) > MAX_CONTROL_SHARE:
        raise SourceError(f"{origin}: this is binary data, not an HTML page")


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Page bytes -> text, trusting the bytes over a wrong charset label in either direction."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name, errors="replace")
    declared = (declared or _declared_charset(data[:HEAD_BYTES]) or "").lower() or None
    try:
        as_utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    if declared is None or declared in UTF8_NAMES:
        # Labelled (or assumed) UTF-8 but not valid UTF-8: almost always windows-1252/latin-1.
        return as_utf8 if as_utf8 is not None else data.decode(FALLBACK_ENCODING, "replace")
    if as_utf8 is not None and not as_utf8.isascii():
        # Valid multi-byte UTF-8 is vanishingly unlikely in a real single-byte page:
        # the label is wrong (typically "iso-8859-1" on a UTF-8 page).
        return as_utf8
    encoding = FALLBACK_ENCODING if declared in LATIN1_NAMES else declared
    try:
        codecs.lookup(encoding)
    except LookupError:
        log.debug("unknown charset %r; reading as %s", declared, FALLBACK_ENCODING)
        encoding = FALLBACK_ENCODING
    return data.decode(encoding, errors="replace")


def _parse(text: str, origin: str) -> Any:
    """An lxml tree of the page (for our own metadata lookups)."""
    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses str with an encoding decl.
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise SourceError(f"{origin}: the page cannot be parsed as HTML ({error})") from None


# --- metadata ------------------------------------------------------------------------------


def _meta_values(tree: Any) -> dict[str, str]:
    """<meta> property/name/itemprop -> content, first occurrence wins, names lower case."""
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and key.lower() not in values:
            values[key.lower()] = content.strip()
    return values


def _json_ld_dates(tree: Any) -> list[str]:
    """datePublished values from JSON-LD blocks, in page order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                found.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(script.text or ""))
        except ValueError:
            continue
    return found


def parse_datetime(value: str, tz: tzinfo) -> datetime | None:
    """An ISO-8601-ish date or date-time -> aware datetime (naive ones are in `tz`)."""
    text = value.strip().replace(" ", "T", 1) if value.strip()[10:11] == " " else value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(datetime.fromisoformat(text[:10]).date(), time())
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _published(
    tree: Any, meta: dict[str, str], fallback: str | None, tz: tzinfo
) -> datetime | None:
    """The publication time: meta tags, JSON-LD, <time>, then trafilatura's date."""
    candidates = [meta[name.lower()] for name in DATE_META if name.lower() in meta]
    candidates += _json_ld_dates(tree)
    candidates += [str(v) for v in tree.xpath("//time/@datetime")[:1]]
    if fallback:
        candidates.append(fallback)
    for candidate in candidates:
        moment = parse_datetime(candidate, tz)
        if moment is not None and not plausible(moment):
            log.warning("ignoring the impossible date %s on the page", moment.date())
            continue
        if moment is not None:
            return moment
    return None


def plausible(moment: datetime) -> bool:
    """False for placeholder and far-future dates (year 1, 2099): no page was published then."""
    latest = datetime.now(UTC) + MAX_FUTURE
    return moment.year >= MIN_YEAR and moment <= latest


def strip_site_name(title: str, site_name: str | None, url: str | None) -> str:
    """'New York State AG investigating WeWork – TechCrunch' -> without the site's name."""
    names = {_site_key(site_name)} if site_name else set()
    host = (urlsplit(url).hostname or "") if url else ""
    names |= {_site_key(part) for part in host.removeprefix("www.").split(".")[:1] if part}
    parts = _TITLE_SEPARATOR.split(title)
    while len(parts) > 1 and _site_key(parts[-1]) in names:
        parts.pop()
    while len(parts) > 1 and _site_key(parts[0]) in names:
        parts.pop(0)
    return " – ".join(parts) if len(parts) > 1 else parts[0]


def _site_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold().removesuffix(".com"))


def _language(tree: Any, meta: dict[str, str], found: str | None) -> str | None:
    """The page language as a BCP 47 tag (en, en-GB), from lang attributes or meta."""
    raw = found or tree.get("lang") or meta.get("og:locale") or meta.get("content-language")
    if not raw:
        return None
    primary, _, region = raw.strip().replace("_", "-").partition("-")
    return f"{primary.lower()}-{region.upper()}" if region else primary.lower()


def _image_size(
    meta: dict[str, str], image: str | None, base: str | None
) -> tuple[int | None, int | None]:
    """og:image:width/height, only when the image chosen is the og:image they describe."""
    og_image = meta.get("og:image")
    if image is None or og_image is None or safe_link(og_image, base) != image:
        return None, None
    sides = []
    for key in ("og:image:width", "og:image:height"):
        value = meta.get(key, "").strip()
        sides.append(int(value) if value.isdigit() and 0 < int(value) <= MAX_IMAGE_SIDE else None)
    width, height = sides
    return (width, height) if width and height else (None, None)


def _clean(value: str | None) -> str | None:
    """Collapse whitespace; empty -> None."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value).strip()
    return text or None


# --- body ----------------------------------------------------------------------------------


def _normalized(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _extract_text(html: str, url: str | None, *, recall: bool) -> tuple[Any, list[str]]:
    """One trafilatura pass: the document (metadata) and its body lines."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_recall=recall,
        favor_precision=not recall,
        deduplicate=False,
    )
    if document is None or isinstance(document, dict):
        return None, []
    lines = [_SPACES.sub(" ", line).strip() for line in (document.text or "").splitlines()]
    return document, [line for line in lines if line]


def _drop_header_lines(
    lines: list[str], title: str | None, teaser: str | None, tree: Any
) -> list[str]:
    """Remove the title where trafilatura repeats it, and the teaser when it is a standfirst
    in the page header rather than the article's own first paragraph."""
    unwanted = {_normalized(title)} if title else set()
    if teaser and not is_body_paragraph(tree, teaser):
        unwanted.add(_normalized(teaser))
    kept = []
    for index, line in enumerate(lines):
        if index < LEADING_LINES_CHECKED and _normalized(line) in unwanted:
            continue
        kept.append(line)
    return kept


def _drop_boilerplate(lines: list[str]) -> list[str]:
    """Remove CMS shortcodes that leak into the text as lines of their own."""
    return [line for line in lines if not _SHORTCODE.match(line)]


def extract_body(html: str, url: str | None, tree: Any) -> tuple[Any, tuple[str, ...]]:
    """The article's paragraphs as plain text, and trafilatura's document for the metadata."""
    document, lines = _extract_text(html, url, recall=False)
    if sum(map(len, lines)) < SHORT_BODY_CHARS:
        second, more = _extract_text(html, url, recall=True)
        if sum(map(len, more)) > sum(map(len, lines)):
            log.debug("short body from %s; using the recall-oriented extraction", url)
            document = document or second
            lines = more
    if document is None:
        return None, ()
    teaser = getattr(document, "description", None)
    lines = _drop_boilerplate(_drop_header_lines(lines, document.title, teaser, tree))
    lines = true_lead(tree, join_wrapped(lines), document.title, teaser)
    return document, tuple(lines)


# --- the reader ----------------------------------------------------------------------------


def _page_url(origin: str, context: ReadContext) -> str | None:
    """Where the page lives, to resolve relative links: the origin if it is a URL, or the base."""
    if urlsplit(origin).scheme in ("http", "https"):
        return origin
    return context.base_url


def read(data: bytes, *, origin: str, context: ReadContext, charset: str | None = None) -> Article:
    """Read one HTML page (optionally gzip-compressed) into an Article."""
    data = decompress_if_gzip(data)
    _check_text(data, origin)
    text = decode_html(data, charset)
    if "<" not in text:
        raise SourceError(f"{origin}: this is not an HTML page (no markup at all)")
    tree = _parse(text, origin)
    page_url = _page_url(origin, context)
    try:
        document, body = extract_body(text, page_url, tree)
    except (ValueError, etree.LxmlError) as error:
        raise SourceError(f"{origin}: the page cannot be read ({error})") from None
    if document is None or sum(len(line.split()) for line in body) < MIN_BODY_WORDS:
        raise SourceError(f"{origin}: no article text found in the page")
    meta = _meta_values(tree)
    title = _clean(document.title) or _clean(meta.get("og:title"))
    if title:
        title = strip_site_name(title, _clean(document.sitename), document.url or page_url)
    if not title:
        heading = tree.xpath("string(//h1)")
        title = _clean(heading) or body[0][:120]
    canonical = safe_link(document.url, page_url) if document.url else None
    if canonical and canonical.startswith("http://") and (page_url or "").startswith("https://"):
        canonical = "https://" + canonical.removeprefix("http://")  # prefer the secure address
    base = canonical or page_url
    image = safe_link(document.image or meta.get("og:image") or meta.get("twitter:image"), base)
    if image is not None and image.startswith("mailto:"):
        image = None
    width, height = _image_size(meta, image, base)
    return Article(
        title=title,
        body=body,
        url=canonical or (page_url if page_url == origin else None),
        published=_published(tree, meta, document.date, context.tz),
        author=_clean(document.author),
        image=image,
        image_width=width,
        image_height=height,
        site_name=_clean(document.sitename),
        language=_language(tree, meta, document.language),
        source=origin,
    )
