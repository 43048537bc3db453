"""HTML pages -> Article: trafilatura for body and metadata; our own charset and date care."""

from __future__ import annotations

import codecs
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree

from digest.errors import SourceError
from digest.models import Article
from digest.sources.readers import ReadContext, decompress_if_gzip
from digest.sources.readers.bylines import clean_byline, join_names, outlet_keys
from digest.sources.readers.dates import Moment, choose_published
from digest.sources.readers.furniture import drop_promo_lines, without_furniture
from digest.sources.readers.leads import is_body_paragraph, join_wrapped, true_lead
from digest.sources.readers.pagemeta import PageMeta, page_meta
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
# "Detroit News wire services Published": a date label extracted with the byline.
_AUTHOR_TAIL = re.compile(r"\s+(?:published|updated|posted)\b.*$", re.IGNORECASE)
# WordPress-style shortcodes that leak as text: [button link=...]Send us...[/button]
_SHORTCODE = re.compile(r"^\[(\w+)\b[^\]]*\].*\[/\1\]$")
# " – TechCrunch", " | Reuters", " - IGN": where a site's name is glued to a headline.
_TITLE_SEPARATOR = re.compile(r"\s+[|–—-]\s+")


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


def _published(
    pagemeta: PageMeta,
    fallback: str | None,
    context: ReadContext,
    page_url: str | None,
    origin: str,
) -> Moment | None:
    """The publication time (`dates.choose_published`): page statements, then trafilatura's."""
    written = [*pagemeta.published, *([fallback] if fallback else [])]
    own_site = _host(page_url) is not None and _host(page_url) == _host(context.base_url)
    others = [*pagemeta.published, *pagemeta.other_times]
    return choose_published(written, others=others, tz=context.tz, own_site=own_site, origin=origin)


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def strip_site_name(title: str, site_name: str | None, url: str | None) -> str:
    """'New York State AG investigating WeWork – TechCrunch' -> without the site's name.

    Only segments naming the site (its name, or the first label of the host) are cut, from
    either end; what remains is kept as written, separators included, so a section label
    ("Opinion | Is Football…") stays: it tells the reader what kind of piece it is.
    """
    names = {_site_key(site_name)} if site_name else set()
    host = (urlsplit(url).hostname or "") if url else ""
    names |= {_site_key(part) for part in host.removeprefix("www.").split(".")[:1] if part}
    names.discard("")
    separators = list(_TITLE_SEPARATOR.finditer(title))
    start, end = 0, len(title)
    # Segment bounds: text between separators; drop site-name segments from both ends.
    while separators and _site_key(title[separators[-1].end() : end]) in names:
        end = separators.pop().start()
    while separators and _site_key(title[start : separators[0].start()]) in names:
        start = separators.pop(0).end()
    return title[start:end].strip()


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


def _author(value: str | None, outlets: frozenset[str], language: str) -> str | None:
    """The people the byline names (`bylines`), joined in the publication's language."""
    text = _clean(value)
    if not text:
        return None
    return join_names(clean_byline(_AUTHOR_TAIL.sub("", text), outlets=outlets), language)


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
    """The article's paragraphs as plain text, and trafilatura's document for the metadata.

    The page's furniture (captions, hover cards, promos: `furniture`) is taken out first."""
    tree = without_furniture(tree)
    html = lxml.html.tostring(tree, encoding="unicode")
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
    lines = drop_promo_lines(lines)
    lines = true_lead(tree, join_wrapped(lines), document.title, teaser)
    return document, tuple(lines)


# --- the reader ----------------------------------------------------------------------------


def _prefer_https(canonical: str, page_url: str | None, tree: Any, meta: dict[str, str]) -> str:
    """The https twin of an http canonical URL when the page was fetched over https or names
    that twin itself (og:url, twitter:url, <link rel=canonical>)."""
    secure = "https://" + canonical.removeprefix("http://")
    named = [meta.get("og:url"), meta.get("twitter:url")]
    named += [str(href) for href in tree.xpath('//link[@rel="canonical"]/@href')]
    if (page_url or "").startswith("https://") or secure in named:
        return secure
    return canonical


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
    pagemeta = page_meta(tree)
    meta = pagemeta.meta
    title = _clean(document.title) or _clean(meta.get("og:title"))
    if title:
        title = strip_site_name(title, _clean(document.sitename), document.url or page_url)
    if not title:
        heading = tree.xpath("string(//h1)")
        title = _clean(heading) or body[0][:120]
    canonical = safe_link(document.url, page_url) if document.url else None
    if canonical and canonical.startswith("http://"):
        canonical = _prefer_https(canonical, page_url, tree, meta)
    base = canonical or page_url
    image = safe_link(document.image or meta.get("og:image") or meta.get("twitter:image"), base)
    if image is not None and image.startswith("mailto:"):
        image = None
    width, height = _image_size(meta, image, base)
    published = _published(pagemeta, document.date, context, canonical or page_url, origin)
    site_name = _clean(meta.get("og:site_name")) or _clean(document.sitename)
    site_name = site_name or (pagemeta.publishers[0] if pagemeta.publishers else None)
    outlets = outlet_keys([site_name, document.sitename, *pagemeta.publishers], base)
    return Article(
        title=title,
        body=body,
        url=canonical or (page_url if page_url == origin else None),
        published=published.when if published else None,
        date_only=published.date_only if published else False,
        author=_author(document.author, outlets, context.language),
        image=image,
        image_width=width,
        image_height=height,
        site_name=site_name,
        language=_language(tree, meta, document.language),
        source=origin,
    )
