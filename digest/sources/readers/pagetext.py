"""Scraped page text (like the seed page): ticker block, headline, byline, image, body.

The reader parses the shape rather than one page: blocks are separated by blank lines; a
ticker is a short heading followed by bullet or `|`-separated lines; the headline is the first
short single-line block that is not a lead (`text.looks_like_lead`: a dateline, two sentences,
a final stop) and has more after it; a byline is a short line holding a date; an image is a
line that is an image file name or URL; everything else is body.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time
from urllib.parse import urljoin

from digest.errors import SourceError
from digest.models import Article, Byline, TickerItem
from digest.sources.readers import ReadContext
from digest.sources.readers.bylines import clean_byline, join_names
from digest.sources.readers.dates import plausible
from digest.sources.readers.text import MAX_HEADLINE_CHARS, decode_text, looks_like_lead

log = logging.getLogger(__name__)

# Characters scraped pages use to mark ticker and list lines.
BULLETS = "•·▪▫◦‣⁃●○■□►▶▸»›-–—*+~"
BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+\S")
TICKER_SEPARATOR = re.compile(r"\s*[|¦‖]\s*")
# A ticker heading is a label ("News update", "Breaking", "Latest headlines"), not a sentence.
MAX_TICKER_HEADING_WORDS = 4
# Bylines are single short lines; anything longer is body text.
MAX_BYLINE_CHARS = 120
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
IMAGE_LINE = re.compile(
    r"^(?:https?://\S+|[\w./%+-]+)\.(?:jpe?g|png|gif|webp|avif)(?:\?\S*)?$", re.IGNORECASE
)

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
DATE_PATTERNS = (
    re.compile(r"(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(rf"(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>\d{{4}})"),
    re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"),
    re.compile(r"(?P<day>\d{1,2})/(?P<mon>\d{1,2})/(?P<year>\d{4})"),
)
TIME_PATTERN = re.compile(
    r"(?<![\d:])(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*(?P<ampm>[ap]\.?\s?m\.?)?(?![\d])",
    re.IGNORECASE,
)
BYLINE_SEPARATORS = re.compile(r"\s*(?:[|·•/–—]|\s-\s|,)\s*")
BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
DESK_WORD = re.compile(r"^(?P<desk>.*?\bdesk)\b\s*(?P<rest>.*)$", re.IGNORECASE)


def read(data: bytes, *, origin: str, context: ReadContext) -> Article:
    """Read one scraped page-text file into an Article."""
    text = decode_text(data, origin)
    blocks = split_blocks(text)
    if not blocks:
        raise SourceError(f"{origin}: the page is empty")

    ticker: list[TickerItem] = []
    if blocks and is_ticker_block(blocks[0]):
        ticker = parse_ticker_block(blocks.pop(0), origin)

    title = ""
    byline = Byline()
    image: str | None = None
    body: list[str] = []
    for index, block in enumerate(blocks):
        line = " ".join(block)
        # A headline has a story after it: a page of one block is all body.
        if not body and not title and index + 1 < len(blocks) and _looks_like_headline(block):
            title = line
        elif not body and byline == Byline() and (parsed := parse_byline(line, context)):
            byline = parsed
        elif image is None and len(block) == 1 and IMAGE_LINE.match(line):
            image = resolve_image(line, context.base_url)
        elif not title and not body and is_ticker_block(block):
            ticker.extend(parse_ticker_block(block, origin))
        else:
            body.append(line)

    return Article(
        title=title,
        body=tuple(body),
        section=byline.section,
        published=byline.published,
        date_only=byline.date_only,
        author=join_names(clean_byline(byline.author), context.language),
        image=image,
        source=origin,
        ticker=tuple(ticker),
    )


def split_blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks, each a list of stripped non-empty lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_ticker_line(line: str) -> bool:
    return bool(BULLET_LINE.match(line)) or bool(TICKER_SEPARATOR.search(line))


def is_ticker_block(block: list[str]) -> bool:
    """A heading (optional) followed by bullet or `|`-separated lines."""
    lines = block[1:] if len(block) > 1 and _is_ticker_heading(block[0]) else block
    if not lines:
        return False
    if len(lines) == 1 and not BULLET_LINE.match(lines[0]):
        # One line counts only when it is clearly a list: two or more `|`-separated items.
        return len([part for part in TICKER_SEPARATOR.split(lines[0]) if part.strip()]) >= 2
    return all(_is_ticker_line(line) for line in lines)


def _is_ticker_heading(line: str) -> bool:
    words = line.rstrip(":").split()
    return (
        0 < len(words) <= MAX_TICKER_HEADING_WORDS
        and not _is_ticker_line(line)
        and not line.endswith((".", "?", "!"))
    )


def parse_ticker_block(block: list[str], origin: str) -> list[TickerItem]:
    """Ticker items in page order, bullets and separators stripped (duplicates kept)."""
    lines = block[1:] if len(block) > 1 and _is_ticker_heading(block[0]) else block
    items = []
    for line in lines:
        stripped = line.lstrip(BULLETS + " ")
        for part in TICKER_SEPARATOR.split(stripped):
            part = part.strip(BULLETS + " ")
            if part:
                items.append(TickerItem(text=part, origin=origin))
    return items


def _looks_like_headline(block: list[str]) -> bool:
    """One short line that is not an image, a dated byline or a story's lead paragraph."""
    line = " ".join(block)
    return (
        len(block) == 1
        and len(line) <= MAX_HEADLINE_CHARS
        and not IMAGE_LINE.match(line)
        and find_date(line) is None
        and not looks_like_lead(line)
    )


def find_date(text: str) -> tuple[datetime, tuple[int, int], bool] | None:
    """The first date in `text` (naive, with time if one follows), the span it covers, and
    whether a time of day was found."""
    for pattern in DATE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        parts = match.groupdict()
        if parts.get("month"):
            month = MONTHS.get(parts["month"].lower().rstrip("."))
            if month is None:
                continue
        else:
            month = int(parts["mon"])
        try:
            day = datetime(int(parts["year"]), month, int(parts["day"]))
        except ValueError:
            continue
        start, end = match.span()
        clock = TIME_PATTERN.search(text)
        parsed_time = _parse_time(clock) if clock else None
        if clock and parsed_time is not None:
            day = datetime.combine(day.date(), parsed_time)
            start, end = min(start, clock.start()), max(end, clock.end())
        return day, (start, end), parsed_time is not None
    return None


def _parse_time(match: re.Match[str]) -> time | None:
    hour, minute = int(match["hour"]), int(match["minute"])
    ampm = (match["ampm"] or "").lower().replace(".", "").replace(" ", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_byline(line: str, context: ReadContext) -> Byline | None:
    """'Greenwatch Desk Diplomacy 2024-11-22, 3:48pm' -> who, section, when (tz-aware)."""
    if len(line) > MAX_BYLINE_CHARS:
        return None
    found = find_date(line)
    if found is None:
        return None
    naive, (start, end), timed = found
    published: datetime | None = naive.replace(tzinfo=context.tz)
    if published is not None and not plausible(published):
        log.warning("ignoring the impossible date %s in the byline", naive.date())
        published = None
    rest = (line[:start] + " " + line[end:]).strip(" ,|·-–—")
    author, section = _split_who_and_section(rest, context)
    return Byline(
        author=author,
        section=section,
        published=published,
        date_only=published is not None and not timed,
    )


def _split_who_and_section(text: str, context: ReadContext) -> tuple[str | None, str | None]:
    parts = [part for part in BYLINE_SEPARATORS.split(text) if part]
    if len(parts) >= 2:
        who = BY_PREFIX.sub("", parts[0]) or None
        return who, parts[1]
    if not parts:
        return None, None
    only = parts[0]
    for section in sorted(context.sections, key=len, reverse=True):
        if only.lower().endswith(" " + section.lower()):
            return BY_PREFIX.sub("", only[: -len(section)].strip()) or None, section
        if only.lower().startswith(section.lower() + " "):
            return BY_PREFIX.sub("", only[len(section) :].strip()) or None, section
    desk = DESK_WORD.match(only)
    if desk and desk["rest"]:
        return desk["desk"], desk["rest"]
    return BY_PREFIX.sub("", only) or None, None


def resolve_image(reference: str, base_url: str | None) -> str | None:
    """An absolute http(s) image URL, or the bare reference when there is no base to resolve."""
    if reference.lower().startswith(("http://", "https://")):
        return reference
    if base_url:
        return urljoin(base_url, reference)
    return reference
