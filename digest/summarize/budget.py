"""Character budgets: fit whole sentences, or cut one at a clause or word boundary."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

logger = logging.getLogger(__name__)

ELLIPSIS = "…"
SENTENCE_JOINER = " "
# Scripts written without spaces (Chinese, Japanese) join sentences with nothing.
NO_SPACE_AFTER = "。！？"
# A clause boundary is preferred over a later word boundary only if it keeps at least this
# share of the room; otherwise a word cut keeps noticeably more information.
CLAUSE_MIN_FRACTION = 0.6
# Punctuation that should not be left dangling before the ellipsis.
DANGLING = " ,;:-–—([{\"“‘'«/&"

_SPACE = re.compile(r"\s+")
_CLAUSE = re.compile(r"[,;:](?=\s)|\s[-–—]{1,2}(?=\s)|\s\((?=\S)")


def collapse(text: str) -> str:
    """Collapse runs of whitespace to one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


def shorten(text: str, max_chars: int) -> str:
    """Cut text at a clause or word boundary and add "…" (counted); unchanged if it fits."""
    flat = collapse(text)
    if len(flat) <= max_chars:
        return flat
    if max_chars < len(ELLIPSIS):
        return ""
    room = max_chars - len(ELLIPSIS)
    cut = _cut_point(flat, room)
    head = flat[:cut].rstrip(DANGLING + ".")
    if not head:
        logger.debug("budget %d is smaller than the first word", max_chars)
        return ELLIPSIS
    return head + ELLIPSIS


def _cut_point(text: str, room: int) -> int:
    """Offset to cut at: the last clause boundary if close enough, else the last word end."""
    words = [m.start() for m in re.finditer(r"\s", text[: room + 1])]
    word_cut = words[-1] if words else 0
    clauses = [m.start() + (1 if text[m.start()] in ",;:" else 0) for m in _CLAUSE.finditer(text)]
    clauses = [c for c in clauses if c <= room]
    if clauses and clauses[-1] >= CLAUSE_MIN_FRACTION * room:
        return clauses[-1]
    return word_cut


def joiner(previous: str) -> str:
    """What goes between previous and the next sentence."""
    return "" if previous.endswith(tuple(NO_SPACE_AFTER)) else SENTENCE_JOINER


def join_sentences(sentences: Sequence[str]) -> str:
    """Join sentences with a space (nothing after a CJK full stop)."""
    return "".join(
        s + (joiner(s) if i < len(sentences) - 1 else "") for i, s in enumerate(sentences)
    )


def fit_sentences(sentences: Iterable[str], max_chars: int) -> str:
    """Join sentences in order until the next one would not fit; shorten a lone first one."""
    chosen: list[str] = []
    used = 0
    for sentence in sentences:
        extra = len(sentence) + (len(joiner(chosen[-1])) if chosen else 0)
        if used + extra > max_chars:
            if not chosen:
                return shorten(sentence, max_chars)
            break
        chosen.append(sentence)
        used += extra
    return join_sentences(chosen)
