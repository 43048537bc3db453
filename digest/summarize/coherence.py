"""Sentences that lean on the one before ("He said", "But", a quote's second half).

Every summarizer takes such a sentence only together with the sentence before it, so a
summary never opens with a reference the reader cannot resolve.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def _words(text: str) -> frozenset[str]:
    """A set of lower-case words written as one space-separated string."""
    return frozenset(text.split())


# Pronouns and determiners that point back at something said before.
BACK_REFERENCES = _words(
    "he she they it his her their its him them this that these those such both neither "
    "former latter"
)
# Connectives that continue, contrast or conclude an earlier sentence.
CONNECTIVES = _words(
    "but and yet so or nor also however still instead then thus therefore hence meanwhile "
    "moreover furthermore besides otherwise nevertheless nonetheless likewise similarly "
    "conversely indeed though although whereas additionally consequently accordingly again"
)
# Multi-word openings that do the same ("In addition", "As a result", "The move").
BACK_PHRASES = (
    "in addition",
    "as a result",
    "on the other hand",
    "at the same time",
    "even so",
    "in turn",
    "for his part",
    "for her part",
    "for their part",
    "the move",
    "the decision",
    "the remarks",
    "the comments",
    "the statement",
    "the announcement",
    "the two",
    "the pair",
    "the latter",
    "the former",
    "that's",
    "it's",
    "he's",
    "she's",
    "they're",
)
# "This year", "That day": a demonstrative before a time word points at the calendar.
TIME_NOUNS = _words(
    "year years month months week weeks weekend day days morning afternoon evening night "
    "season time summer winter spring autumn fall century decade quarter"
)
# Words that attribute a quotation to a speaker within the same sentence.
ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|according|asked|asks|added|adds|wrote|writes|tweeted|"
    r"posted|explained|explains|noted|notes|stated|states|insisted|warned|argued|replied)\b",
    re.IGNORECASE,
)
OPENING_QUOTES = '"“‘«„'
CLOSING_QUOTES = "”’»"
# A chain of dependent sentences longer than this is not worth its budget.
MAX_CHAIN = 3

_FIRST_WORDS = re.compile(r"[\"“‘'«„(\[]*([A-Za-z’']+)(?:[\s,]+([A-Za-z’']+))?")


def opening(sentence: str) -> tuple[str, str]:
    """The first two words of a sentence, lower case (quotes and brackets skipped)."""
    match = _FIRST_WORDS.match(sentence)
    if match is None:
        return "", ""
    second = (match.group(2) or "").lower().replace("’", "'")
    return match.group(1).lower().replace("’", "'"), second.removesuffix("'s")


def starts_with_back_reference(sentence: str) -> bool:
    """True when the first words point back ("He said", "But", "In addition", "The move")."""
    first, second = opening(sentence)
    if not first:
        return False
    head = f"{first} {second}".strip()
    if any(head == phrase or head.startswith(phrase + " ") for phrase in BACK_PHRASES):
        return True
    if first in {"this", "that", "these", "those"} and second in TIME_NOUNS:
        return False
    if first in {"it", "that"} and second in {"is", "was"} and _is_cleft(sentence):
        return False
    return first in BACK_REFERENCES or first in CONNECTIVES


def _is_cleft(sentence: str) -> bool:
    """'It is unclear whether...', 'It was not immediately clear...': no antecedent needed."""
    return (
        re.match(
            r"^\W*it (?:is|was) (?:not )?(?:immediately |still )?(?:unclear|clear|not clear)",
            sentence,
            re.IGNORECASE,
        )
        is not None
    )


def continues_text(sentence: str) -> bool:
    """True for a sentence that starts mid-thought: lower case, a closing quote, a dash."""
    stripped = sentence.lstrip()
    if not stripped:
        return False
    first = stripped[0]
    if first in CLOSING_QUOTES or first in "—–-…,;:)":
        return True
    return first.islower()


def _quotes_open_after(sentence: str, open_before: int) -> int:
    """How many quotations are still open after the sentence (straight quotes alternate)."""
    depth = open_before
    for char in sentence:
        if char == '"':
            depth += -1 if depth > 0 else 1
        elif char in "“«„":
            depth += 1
        elif char in "”»":
            depth = max(0, depth - 1)
    return depth


def needs_previous(sentences: Sequence[str], paragraph_of: Sequence[int]) -> list[bool]:
    """For each sentence: True when it can only be read right after the sentence before it."""
    flags: list[bool] = []
    open_quotes = 0
    for index, sentence in enumerate(sentences):
        new_paragraph = index == 0 or paragraph_of[index] != paragraph_of[index - 1]
        if new_paragraph:
            open_quotes = 0
        if index == 0:
            flags.append(False)
        else:
            inside_quote = open_quotes > 0
            unattributed_quote = (
                sentence.lstrip()[:1] in OPENING_QUOTES
                and ATTRIBUTION.search(sentence) is None
                and any(q in sentences[index - 1] for q in OPENING_QUOTES + CLOSING_QUOTES)
            )
            flags.append(
                inside_quote
                or unattributed_quote
                or continues_text(sentence)
                or starts_with_back_reference(sentence)
            )
        open_quotes = _quotes_open_after(sentence, open_quotes)
    return flags


def units(flags: Sequence[bool]) -> list[tuple[int, ...] | None]:
    """For each sentence, the run of sentences it needs (itself last), or None if too long."""
    result: list[tuple[int, ...] | None] = []
    for index in range(len(flags)):
        start = index
        while start > 0 and flags[start]:
            start -= 1
        run = tuple(range(start, index + 1))
        result.append(run if len(run) <= MAX_CHAIN else None)
    return result
