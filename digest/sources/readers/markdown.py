"""Hand-written Markdown articles with YAML front matter (title required)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time
from typing import Any

import yaml

from digest.errors import SourceError
from digest.models import Article
from digest.sources.readers import ReadContext
from digest.sources.readers.dates import Moment, parse_moment, plausible
from digest.sources.readers.pagetext import resolve_image, split_blocks
from digest.sources.readers.text import decode_text

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
FIELDS = {
    "title",
    "url",
    "section",
    "date",
    "image",
    "summary",
    "author",
    "image_alt",
    "image_width",
    "image_height",
}
# Markdown syntax that would read as noise in plain-text summaries.
HEADING = re.compile(r"^#{1,6}\s+")
EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
# An image side beyond this is a typo, not a photo.
MAX_PIXELS = 10_000
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")

log = logging.getLogger(__name__)


def read(data: bytes, *, origin: str, context: ReadContext) -> Article:
    """Read a Markdown file: front matter for metadata, paragraphs for the body."""
    text = decode_text(data, origin)
    match = FRONT_MATTER.match(text)
    if not match:
        raise SourceError(f"{origin}: Markdown articles start with front matter between --- lines")
    try:
        meta = yaml.safe_load(match["yaml"]) or {}
    except yaml.YAMLError as error:
        raise SourceError(f"{origin}: the front matter is not valid YAML ({error})") from None
    if not isinstance(meta, dict):
        raise SourceError(f"{origin}: the front matter must be key: value lines")
    unknown = sorted(str(key) for key in meta if key not in FIELDS)
    if unknown:
        raise SourceError(
            f"{origin}: unknown front matter key(s) {', '.join(unknown)}; "
            f"known keys are {', '.join(sorted(FIELDS))}"
        )
    title = _text(meta, "title", origin)
    if not title:
        raise SourceError(f"{origin}: the front matter needs a `title`")
    url = _text(meta, "url", origin)
    if url and not url.lower().startswith(("http://", "https://")):
        raise SourceError(f"{origin}: `url` must be an absolute http(s) URL")
    image = _text(meta, "image", origin)
    body = tuple(_plain(" ".join(block)) for block in split_blocks(text[match.end() :]))
    published = _when(meta.get("date"), context, origin)
    return Article(
        title=title,
        body=tuple(paragraph for paragraph in body if paragraph),
        url=url,
        section=_text(meta, "section", origin),
        published=published.when if published else None,
        date_only=published.date_only if published else False,
        author=_text(meta, "author", origin),
        image=resolve_image(image, context.base_url) if image else None,
        image_alt=_text(meta, "image_alt", origin),
        image_width=_pixels(meta, "image_width", origin),
        image_height=_pixels(meta, "image_height", origin),
        summary=_text(meta, "summary", origin),
        source=origin,
    )


def _text(meta: dict[str, Any], key: str, origin: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise SourceError(f"{origin}: front matter `{key}` must be text")
    return " ".join(str(value).split()) or None


def _pixels(meta: dict[str, Any], key: str, origin: str) -> int | None:
    """An image side in pixels from the front matter (the email reserves its box)."""
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_PIXELS:
        raise SourceError(f"{origin}: front matter `{key}` must be a whole number of pixels")
    return value


def _when(value: object, context: ReadContext, origin: str) -> Moment | None:
    """The front matter's `date`: a day (date-only) or a date and time; impossible ones dropped."""
    if value is None:
        return None
    moment: Moment | None
    if isinstance(value, datetime):
        moment = Moment(value if value.tzinfo else value.replace(tzinfo=context.tz))
    elif isinstance(value, date):
        moment = Moment(datetime.combine(value, time(), tzinfo=context.tz), date_only=True)
    elif isinstance(value, str):
        moment = parse_moment(value, context.tz)
        if moment is None:
            raise SourceError(f"{origin}: `date` {value!r} is not YYYY-MM-DD[ HH:MM]")
    else:
        raise SourceError(f"{origin}: `date` must be a date such as 2024-11-22")
    if not plausible(moment.when):
        log.warning("%s: ignoring the impossible date %s", origin, moment.when.date())
        return None
    return moment


def _plain(paragraph: str) -> str:
    """Markdown paragraph -> the plain text a reader would see."""
    paragraph = HEADING.sub("", paragraph)
    paragraph = LINK.sub(r"\1", paragraph)
    return EMPHASIS.sub(r"\2", paragraph).strip()
