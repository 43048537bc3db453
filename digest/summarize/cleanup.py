"""Remove page debris before summarizing: one step shared by every method.

Datelines ("LONDON (Reuters) -", "Indianapolis –", "Washington, DC, United States:"), bylines,
photo captions and credits, "Read more"/"Related"/"Fact check" lines, "originally published",
newsletter and copyright lines and keyword lists never reach a summary. Whole paragraphs of
debris are dropped; debris sentences inside a paragraph are dropped by `is_boilerplate`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

logger = logging.getLogger(__name__)

# Wire-service datelines: "LONDON (Reuters) -", "(CNN) --", "WASHINGTON, D.C. (AP) —", "(CNN)A".
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z.'’\-]*(?:[ ,]+[A-Z][A-Za-z.'’\-]*)*,?\s+)?"
    r"\((?:[A-Z][\w.&' ]{0,30})\)\s*(?:(?:[-–—]{1,2}|:)\s+|(?=[A-Z\"“]))"
)
# "WASHINGTON —", "NEW DELHI:", "SIOUX FALLS, S.D. –": an all-caps place, then a dash or colon.
_CAPS_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’\- ]{2,}(?:,\s*[A-Z][\w.' ]{1,25})?(?:\s+[-–—]{1,2}\s+|:\s+)"
)
# "Indianapolis –", "Dekalb, Ill. —", "New York, NY –": a short title-case place and a long dash;
# "Washington, DC, United States:" needs a comma before a colon, so "Update: ..." stays.
_PLACE = r"[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){0,3}"
_PLACE_DATELINE = re.compile(
    rf"^(?:{_PLACE}(?:, {_PLACE}){{0,2}}\s+[–—]{{1,2}}\s+|{_PLACE}(?:, {_PLACE}){{1,2}}:\s+)"
    r"(?=[A-Z0-9\"“‘])"
)
# "5 min read", "Reading time: 3 minutes", "Tempo de leitura: 1 minuto" before the text.
_READING_TIME = re.compile(
    r"^(?:\d+\s*min(?:ute)?s?\s+read|(?:reading time|tempo de leitura|lesezeit|temps de lecture)"
    r"\s*:?\s*\d+\s*\w*)\s*[:·|–—-]?\s*",
    re.IGNORECASE,
)
# Whole paragraphs that are page furniture rather than article text.
_DEBRIS = re.compile(
    r"^(?:advertisement|advertising|sponsored( content)?|story continues below|"
    r"(?:read|see|watch|click) (?:more|also|here|full)\b.*|(?:also )?read:.*|more:?|"
    r"related(?: stories| articles| coverage)?:?.*|share (?:this|on)\b.*|"
    r"(?:photo|photograph|image|picture|video|credit|caption)s?\s*(?:copyright)?\s*[:©].*|"
    r".*(?:getty images|/ap|/reuters|/afp|shutterstock)\)?|"
    r"\S+\.(?:jpe?g|png|gif|webp)|by [A-Z][\w.'’\- ]{1,60}(?:,\s*[\w.' ]{1,40})?|"
    r"updated?:? .{0,40}\d{4}.*|published:? .{0,40}\d{4}.*|"
    r"\d{1,2}(?::\d{2})? ?[ap]\.?m\.?|"  # "10 p.m." heading of a live-updates entry
    r"(?:tags?|keywords?|topics?|filed under|categories|category)\s*:.*|"
    r"(?:#\w+[\s,]*){2,}|"  # a run of hashtags
    r".{0,60}\b\d{4}-\d{2}-\d{2},?\s+\d{1,2}:\d{2}\s*(?:am|pm)?)$",
    re.IGNORECASE,
)
# Sentences that are about the page, the publisher or the reader, never the story.
_BOILERPLATE = re.compile(
    r"(?:originally (?:published|appeared)|first (?:published|appeared) (?:on|in|at)|"
    r"republished (?:with|from|by)|this (?:article|story|post) (?:was|is|has been|first)|"
    r"^fact[ -]?check\b|^editor'?s note\b|contributed (?:to )?(?:this|reporting)|"
    r"^(?:additional )?reporting by\b|^(?:writing|editing) by\b|"
    r"^copyright\b|©|\(c\) ?\d{4}|all rights reserved|for (?:your )?personal,? non-?commercial use|"
    r"\bsubscribe (?:to|now|today|for)\b|\bsign up (?:for|to|here|now)\b|"
    r"\b(?:our|free|daily|weekly) newsletter|"
    r"\bfollow (?:us|me|him|her|them|@\w+|[\w .]{1,40} on (?:twitter|facebook|instagram))|"
    r"\blike us on facebook|\bclick here\b|\be-?mail to a friend\b|"
    r"for more information,? (?:please )?(?:visit|contact|call|see)|"
    r"\b(?:powered|sponsored|presented|brought to you) by\b|affiliate links?|"
    r"\bhas been compensated\b|the (?:opinions|views) expressed|"
    r"^(?:read|see|watch) (?:more|also|the full|our)\b|^related:|^watch:|"
    r"delivered (?:to|through) your (?:inbox|letterbox|door)|\bnews alerts\b|"
    r"\bget (?:a )?free trial\b|"
    r"(?:graphic|disturbing) (?:content|images|depictions))",
    re.IGNORECASE,
)
# Debris paragraphs and boilerplate sentences are short; a long one is real text.
DEBRIS_MAX_CHARS = 120
BOILERPLATE_MAX_CHARS = 220
# A paragraph with this many bullets or pipes is a scraped ticker or menu, not prose.
LIST_MARKERS_MIN = 3
_LIST_MARKER = re.compile(r"[•|·▪►]")
# A keyword list: many short comma-separated items and no sentence punctuation.
KEYWORD_LIST_MIN_ITEMS = 4
KEYWORD_MAX_WORDS = 4
# Datelines are looked for in this many leading paragraphs (after debris is dropped).
DATELINE_PARAGRAPHS = 2


def strip_dateline(text: str) -> str:
    """Remove a leading dateline ("LONDON (Reuters) -", "Indianapolis –") from a paragraph."""
    text = _READING_TIME.sub("", text, count=1)
    for pattern in (_DATELINE, _CAPS_DATELINE, _PLACE_DATELINE):
        stripped = pattern.sub("", text, count=1)
        if stripped != text:
            return stripped if stripped.strip() else text
    return text


def is_keyword_list(paragraph: str) -> bool:
    """True for "Climate, Dhaka, Air pollution, WHO": short items, commas, no sentence."""
    flat = paragraph.strip()
    if flat.endswith((".", "!", "?", "”", '"')):
        return False
    items = [item.strip() for item in re.split(r"[,;]", flat) if item.strip()]
    return len(items) >= KEYWORD_LIST_MIN_ITEMS and all(
        len(item.split()) <= KEYWORD_MAX_WORDS for item in items
    )


def is_debris(paragraph: str) -> bool:
    """True for bylines, credits, "Advertisement", "Read more", image names, keyword lists."""
    flat = paragraph.strip()
    if len(_LIST_MARKER.findall(flat)) >= LIST_MARKERS_MIN or is_keyword_list(flat):
        return True
    return len(flat) <= DEBRIS_MAX_CHARS and _DEBRIS.match(flat) is not None


def is_boilerplate(sentence: str) -> bool:
    """True for a sentence about the page rather than the story ("Originally published by")."""
    flat = sentence.strip()
    return len(flat) <= BOILERPLATE_MAX_CHARS and _BOILERPLATE.search(flat) is not None


def clean_paragraphs(paragraphs: Sequence[str], title: str | None = None) -> list[str]:
    """Drop debris paragraphs and a repeated title; strip datelines from the first ones."""
    kept: list[str] = []
    title_key = _key(title) if title else None
    for paragraph in paragraphs:
        flat = paragraph.strip()
        if not flat or is_debris(flat):
            continue
        if title_key is not None and not kept and _key(flat) == title_key:
            continue
        kept.append(strip_dateline(flat) if len(kept) < DATELINE_PARAGRAPHS else flat)
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
