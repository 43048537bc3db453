"""Content words of a sentence: lower-cased, stop words dropped, crudely stemmed."""

from __future__ import annotations

import functools
import re


def word_set(text: str) -> frozenset[str]:
    """A set of lower-case words written as one space-separated string."""
    return frozenset(text.split())


# Function words carry no topic; without them similarity reflects what a sentence is about.
STOP_WORDS = word_set(
    "a about above after again against all also am an and any are as at be because been "
    "before being below between both but by can could did do does doing down during each few "
    "for from further had has have having he her here hers herself him himself his how i if "
    "in into is it its itself just me more most my myself no nor not now of off on once only "
    "or other our ours out over own said same says she should so some such than that the "
    "their theirs them then there these they this those through to too under until up very "
    "was we were what when where which while who whom why will with would you your yours mr "
    "mrs ms one two new year years told according like get got make made many much may might "
    "must per since still us via"
)
# Words this short are mostly noise (initials, "s" from "it's") once stop words are gone.
MIN_TERM_CHARS = 2
# Plural/verb suffixes folded together so "strike" and "strikes" count as one term.
_SUFFIXES = ("ies", "es", "s", "ing", "ed")
# A stem shorter than this after stripping a suffix was probably not a suffix ("bus", "red").
MIN_STEM_CHARS = 4

# Distinct words remembered between calls: a news vocabulary fits many times over.
TERM_CACHE_SIZE = 65536

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def stem(word: str) -> str:
    """Strip one common English inflection."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM_CHARS:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    """Content terms of text, in order, with repeats."""
    out: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = match.group().replace("’", "'").split("'")[0]
        if len(word) >= MIN_TERM_CHARS and word not in STOP_WORDS:
            out.append(stem(word))
    return out


def marked_terms(text: str) -> list[tuple[str, bool]]:
    """Content terms of text, in order, each with whether it was capitalized mid-sentence."""
    out: list[tuple[str, bool]] = []
    for match in _WORD.finditer(text):
        raw = match.group()
        term = _term_of(raw.lower())
        if term is not None:
            out.append((term, match.start() > 0 and raw[0].isupper()))
    return out


@functools.lru_cache(maxsize=TERM_CACHE_SIZE)
def _term_of(word: str) -> str | None:
    """The stemmed content term of one lower-case word, or None for a stop word."""
    word = word.replace("’", "'").split("'")[0]
    if len(word) < MIN_TERM_CHARS or word in STOP_WORDS:
        return None
    return stem(word)
