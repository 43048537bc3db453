"""Rule-based sentence splitting tuned for news prose (no models, no downloads)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

logger = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    """A set of lower-case words written as one space-separated string."""
    return frozenset(text.split())


# Titles before a name: a period after them never ends a sentence ("Dr. Smith").
TITLE_ABBREVIATIONS = _words(
    "mr mrs ms mssrs messrs dr prof gen sen rep gov lt col sgt capt cmdr adm rev hon pres supt "
    "fr sr jr maj brig cpl pvt det insp atty gens reps sens govs"
)
# Abbreviations usually followed by a number ("Jan. 5", "No. 10", "Vol. 3").
NUMBER_ABBREVIATIONS = _words(
    "no nos jan feb mar apr jun jul aug sep sept oct nov dec vol fig figs pp p art sec ch pt "
    "op ed est tel ext rt"
)
# Abbreviations that may or may not end a sentence ("Apple Inc. said" vs "Apple Inc. The ...").
AMBIGUOUS_ABBREVIATIONS = _words(
    "inc corp ltd co bros plc llc st ave blvd rd mt ft vs etc approx dept univ assn intl natl "
    "govt cf al e.g i.e"
)
# Capitalised words that start sentences far more often than they follow an abbreviation;
# after an ambiguous abbreviation or an acronym ("U.S.", "p.m.") they mark a boundary.
SENTENCE_STARTERS = _words(
    "the a an he she it they we i you his her its their our my your but and so yet or nor in on "
    "at as if when while after before this that these those there here some many most one two "
    "three four five six seven eight nine ten what why how who where which other others still "
    "meanwhile however now then also officials police authorities no not both each all more "
    "since until though although because during despite under among"
)
# Characters that end a sentence outright in scripts without spaces between sentences.
CJK_TERMINATORS = "。！？"
OPEN_QUOTES = '"“«„'
CLOSE_QUOTES = '"”»'
# A "quotation" longer than this is probably an unmatched quote mark (a multi-paragraph quote
# or a typo), so sentence boundaries inside it are honoured again.
QUOTE_MAX_CHARS = 600
# "18. Why did ..." at the start of a paragraph numbers a list item; years are not list numbers.
LIST_NUMBER_MAX_DIGITS = 2

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")
# A terminator run (". ", "?!", "...", "…"), closing quotes/brackets, then whitespace.
_CANDIDATE = re.compile(r"(?:\.{2,}|…|[.!?]+)[\"”’'»)\]]*(?=\s)")
_CJK_CANDIDATE = re.compile(f"[{CJK_TERMINATORS}][\"”’'」』)）]*")
_WORD_BEFORE = re.compile(r"([^\s(\[\"“‘'«]+)$")
_NEXT_WORD = re.compile(r"\s+([\"“‘'«(\[]*)(\S*)")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences; blank lines always end a sentence."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        flat = _SPACE.sub(" ", paragraph).strip()
        if flat:
            sentences.extend(_split_paragraph(flat))
    return sentences


def _split_paragraph(text: str) -> list[str]:
    """Split one whitespace-collapsed paragraph."""
    quoted = _quoted_spans(text)
    pieces: list[str] = []
    start = 0
    for end in _boundaries(text):
        if any(lo < end < hi for lo, hi in quoted):
            continue
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        start = end
    rest = text[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _boundaries(text: str) -> Iterator[int]:
    """Yield offsets just after each sentence end, in order."""
    ends: set[int] = {m.end() for m in _CJK_CANDIDATE.finditer(text)}
    for match in _CANDIDATE.finditer(text):
        if _is_boundary(text, match.start(), match.end()):
            ends.add(match.end())
    yield from sorted(ends)


def _is_boundary(text: str, start: int, end: int) -> bool:
    """Decide whether the terminator at text[start:end] ends a sentence."""
    nxt = _NEXT_WORD.match(text, end)
    if nxt is None:
        return True
    opener, word = nxt.group(1), nxt.group(2)
    first = word[:1]
    if not opener and not (first.isupper() or first.isdigit() or _uncased(first)):
        return False  # "e.g. the", "“Why?” he asked"
    if text[start] != ".":
        return True  # "?", "!", "…" before a capital
    if text[start:end].startswith(".."):
        return True
    before = _WORD_BEFORE.search(text, 0, start)
    if before is None:
        return True
    token = before.group(1)
    lower = token.lower().rstrip(".")
    starter = word.strip("\"“‘'«([").lower().rstrip(",;:") in SENTENCE_STARTERS
    if lower in TITLE_ABBREVIATIONS:
        return False
    if lower in NUMBER_ABBREVIATIONS:
        return not first.isdigit() and starter
    if lower in AMBIGUOUS_ABBREVIATIONS:
        return starter
    at_start = not text[: before.start()].strip()
    if token.isdigit() and len(token) <= LIST_NUMBER_MAX_DIGITS and at_start:
        return False  # a numbered list item or heading: "2. Self-correcting cities"
    if _ACRONYM.match(token) or (len(token) == 1 and token.isalpha()):
        return starter  # "U.S. President" vs "in the U.S. The", "J. R. R. Tolkien"
    return True


def _uncased(char: str) -> bool:
    """True for letters of scripts without case (CJK, Arabic, Hebrew...)."""
    return char.isalpha() and not char.isupper() and not char.islower()


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of double-quoted passages that close within the paragraph."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for index, char in enumerate(text):
        if char == '"':
            # Straight quotes alternate; curly ones say which way they face.
            if open_at is None:
                open_at = index
            else:
                spans.append((open_at, index))
                open_at = None
        elif char in OPEN_QUOTES and open_at is None:
            open_at = index
        elif char in CLOSE_QUOTES and open_at is not None:
            spans.append((open_at, index))
            open_at = None
    return [(lo, hi) for lo, hi in spans if hi - lo <= QUOTE_MAX_CHARS]
