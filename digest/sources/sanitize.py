"""Untrusted HTML and links -> a small, safe subset (nh3); links are http, https or mailto only."""

from __future__ import annotations

import html as html_module
import logging
import re
from urllib.parse import urljoin, urlsplit

import nh3

log = logging.getLogger(__name__)

# Enough to keep an article's structure in an email; no layout, media, forms or scripts.
ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "i", "li", "ol", "p",
        "pre", "strong", "sub", "sup", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# Elements that end a paragraph when an HTML fragment becomes plain text.
BLOCK_TAGS = frozenset(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "dd", "dt"}
)
_BLOCK_BOUNDARY = re.compile(
    r"</?(?:" + "|".join(sorted(BLOCK_TAGS)) + r")\b[^>]*>|(?:<br\s*/?>\s*){2,}", re.I
)
_BLANK_LINE = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
# Links open a page the sender does not control: don't leak the referrer or the opener.
LINK_REL = "noopener noreferrer"
# Browsers drop these before reading a scheme ("java\tscript:" is javascript:), so must we.
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")


def safe_link(url: str | None, base: str | None = None) -> str | None:
    """`url` made absolute against `base` if it is http(s) or mailto, otherwise None."""
    if not url:
        return None
    candidate = url.strip()
    squeezed = _IGNORED_IN_URLS.sub("", candidate)
    scheme = urlsplit(squeezed).scheme.lower()
    if not scheme:
        if base is None or safe_link(base) is None:
            return None  # a relative link means nothing in an email without a base
        candidate = urljoin(base, candidate)
        squeezed = _IGNORED_IN_URLS.sub("", candidate)
        scheme = urlsplit(squeezed).scheme.lower()
    if scheme not in LINK_SCHEMES:
        log.debug("dropped a %s: link", scheme or "schemeless")
        return None
    if scheme != "mailto" and not urlsplit(squeezed).netloc:
        return None
    if _IGNORED_IN_URLS.search(candidate):
        return None  # whitespace or control characters inside a URL: not a link we emit
    return candidate


def clean_html(html: str, base: str | None = None) -> str:
    """`html` reduced to the allow-list, every link absolute and http(s)/mailto."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href":
            return safe_link(value, base)
        return value

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=keep,
    )


def plain_text(html: str) -> str:
    """The text of an HTML fragment on one line: no tags, entities decoded, spaces collapsed."""
    stripped = nh3.clean(html, tags=set(), strip_comments=True)
    return _SPACES.sub(" ", html_module.unescape(stripped)).strip()


def html_paragraphs(html: str) -> tuple[str, ...]:
    """An HTML fragment as plain-text paragraphs, split at block elements and double breaks."""
    if "<" not in html:
        return tuple(p for p in (_SPACES.sub(" ", c).strip() for c in _BLANK_LINE.split(html)) if p)
    chunks = _BLOCK_BOUNDARY.split(nh3.clean(html, tags=set(BLOCK_TAGS) | {"br"}))
    paragraphs = (plain_text(chunk) for chunk in chunks)
    return tuple(paragraph for paragraph in paragraphs if paragraph)
