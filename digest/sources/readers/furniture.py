"""Page furniture taken out before the body is extracted: what glues itself into paragraphs.

Hover cards ("Kristi NoemKristi Lynn NoemSouth Dakota governor doubles down..."), photo and
video captions, credits, promo and related-story boxes are not the story. They are removed by
element (tag, class or id) when short, so a container that merely has such a name but holds
the article stays. Promo headlines that survive as lines of text ("Internal memo: ...") and
bare interview labels ("Q&A") are dropped from the extracted lines (`drop_promo_lines`).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

# Class or id words of furniture. Matched as whole words of the attribute (split on spaces,
# "-" and "_"), so "caption" matches "image-caption" but not "captioned-article".
FURNITURE_WORDS = frozenset(
    {
        "rollover", "hovercard", "tooltip", "popover", "caption", "captions", "credit",
        "credits", "promo", "promos", "related", "recommended", "newsletter", "outbrain",
        "taboola", "sharing", "share", "social", "ad",
        "ads", "advert", "advertisement", "sponsored", "teaser", "teasers", "inline",
        "video", "videos", "player", "gallery", "slideshow", "sidebar", "subscribe", "paywall",
        "block", "card",
    }
)  # fmt: skip
# Furniture words that mark furniture only together with another ("inline-promo",
# "video-player", "rollover-people-block"): alone they name containers that may hold the
# story, or a hover card's wrapper, which also holds the name it explains.
WEAK_WORDS = frozenset(
    {"inline", "video", "videos", "player", "share", "social", "ad", "block", "card"}
    | {"rollover", "hovercard", "tooltip", "popover"}
)
FURNITURE_TAGS = frozenset({"figcaption", "aside", "nav"})
# An element with this much text is a container, whatever its name: it is kept.
MAX_FURNITURE_CHARS = 400
HOLDS_THE_STORY = frozenset({"h1", "article"})
MIN_STORY_PARAGRAPHS = 2
_SPLIT = re.compile(r"[\s_-]+")


# "Internal memo: Prison logs show...", "Related: ...", "Q&A": a label, a colon, a headline
# without a full stop. Such a line is a promo or a section label, never a paragraph (and,
# left in, it glues itself to the next paragraph, which starts a new sentence).
_PROMO_LINE = re.compile(r"^(?:[A-Z][\w’'&-]*(?: [\w’'&-]+){0,3}:\s+\S.*|Q ?& ?A|Q|A)$")
_FINAL = re.compile(r"[.!?…][\"”’'»)]*$")
MAX_PROMO_CHARS = 150


def is_promo_line(line: str) -> bool:
    """True for a short labelled line without a full stop ("Internal memo: … inmate counts")."""
    flat = line.strip().rstrip(":")
    return (
        len(flat) <= MAX_PROMO_CHARS
        and _PROMO_LINE.match(flat) is not None
        and _FINAL.search(flat) is None
    )


def drop_promo_lines(lines: list[str]) -> list[str]:
    """The body lines without promo headlines and bare Q&A labels."""
    return [line for line in lines if not is_promo_line(line)]


def _words_of(element: Any) -> set[str]:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return {word for word in _SPLIT.split(names) if word}


def is_furniture(element: Any) -> bool:
    """True for a short element that is a caption, hover card, promo, credit or player."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("html", "body", "article", "main"):
        return False
    words = _words_of(element)
    strong = words & (FURNITURE_WORDS - WEAK_WORDS)
    weak = words & WEAK_WORDS
    if not (tag in FURNITURE_TAGS or strong or len(weak) >= 2):
        return False
    if len(element.text_content()) > MAX_FURNITURE_CHARS:
        return False
    # A "caption" wrapper around the headline or paragraphs is layout, not a caption.
    inner = [child.tag for child in element.iter() if child is not element]
    return not (set(inner) & HOLDS_THE_STORY or inner.count("p") >= MIN_STORY_PARAGRAPHS)


def without_furniture(tree: Any) -> Any:
    """A copy of the page without its furniture (the original is left for the metadata)."""
    cleaned = copy.deepcopy(tree)
    body = cleaned.find("body")
    removed = 0
    for element in list((body if body is not None else cleaned).iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if is_furniture(element):
            element.drop_tree()
            removed += 1
    log.debug("removed %d furniture elements", removed)
    return cleaned
