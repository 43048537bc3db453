"""Remove page debris (datelines, bylines, credits, "Read more") before summarizing."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

logger = logging.getLogger(__name__)

# Wire-service datelines: "LONDON (Reuters) -", "(CNN) --", "WASHINGTON, D.C. (AP) —".
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z.'’\-]*(?:[ ,]+[A-Z][A-Za-z.'’\-]*)*,?\s+)?"
    r"\((?:[A-Z][\w.&' ]{0,30})\)\s*(?:[-–—]{1,2}|:)\s+"
)
# "WASHINGTON —" or "LONDON, England --" with no agency in brackets (all-caps place name).
_CAPS_DATELINE = re.compile(r"^[A-Z][A-Z.'’\- ]{2,}(?:,\s*[A-Z][\w.' ]{1,25})?\s+[-–—]{1,2}\s+")
# Whole paragraphs that are page furniture rather than article text.
_DEBRIS = re.compile(
    r"^(?:advertisement|advertising|sponsored( content)?|story continues below|"
    r"(?:read|see|watch|click) (?:more|also|here|full)\b.*|related:?.*|share (?:this|on)\b.*|"
    r"(?:photo|photograph|image|picture|video|credit|caption)s?\s*(?:copyright)?\s*[:©].*|"
    r".*(?:getty images|/ap|/reuters|/afp|shutterstock)\)?|"
    r"\S+\.(?:jpe?g|png|gif|webp)|by [A-Z][\w.'’\- ]{1,60}(?:,\s*[\w.' ]{1,40})?|"
    r"updated?:? .{0,40}\d{4}.*|published:? .{0,40}\d{4}.*|"
    r".{0,60}\b\d{4}-\d{2}-\d{2},?\s+\d{1,2}:\d{2}\s*(?:am|pm)?)$",
    re.IGNORECASE,
)
# Debris paragraphs are short; a long paragraph matching a pattern is real text.
DEBRIS_MAX_CHARS = 120
# A paragraph with this many bullets or pipes is a scraped ticker or menu, not prose.
LIST_MARKERS_MIN = 3
_LIST_MARKER = re.compile(r"[•|·▪►]")


def strip_dateline(text: str) -> str:
    """Remove a leading wire-service dateline from a paragraph."""
    stripped = _DATELINE.sub("", text, count=1)
    if stripped == text:
        stripped = _CAPS_DATELINE.sub("", text, count=1)
    return stripped if stripped.strip() else text


def is_debris(paragraph: str) -> bool:
    """True for bylines, photo credits, "Advertisement", "Read more" and image names."""
    flat = paragraph.strip()
    if len(_LIST_MARKER.findall(flat)) >= LIST_MARKERS_MIN:
        return True
    return len(flat) <= DEBRIS_MAX_CHARS and _DEBRIS.match(flat) is not None


def clean_paragraphs(paragraphs: Sequence[str], title: str | None = None) -> list[str]:
    """Drop debris paragraphs and a repeated title; strip the dateline of the first kept one."""
    kept: list[str] = []
    title_key = _key(title) if title else None
    for paragraph in paragraphs:
        if not paragraph.strip() or is_debris(paragraph):
            continue
        if title_key is not None and not kept and _key(paragraph) == title_key:
            continue
        kept.append(paragraph if kept else strip_dateline(paragraph.strip()))
    present = [p.strip() for p in paragraphs if p.strip()]
    if not kept:
        # Everything looked like debris: the text is all there is, so keep it rather than
        # silently summarizing an article to nothing.
        return present
    if len(kept) < len(present):
        logger.debug("dropped %d debris paragraphs", len(present) - len(kept))
    return kept


def _key(text: str) -> str:
    """Comparison key: letters and digits only, lower case."""
    return "".join(ch for ch in text.lower() if ch.isalnum())
