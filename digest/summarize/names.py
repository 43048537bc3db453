"""People called by surname only: the sentence that first names them in full goes with them.

News names a person in full once ("Tova Noel, 31, a guard") and by surname afterwards
("Noel was charged"). A summary that takes the later sentence without the first leaves the
reader with a stranger, so a sentence that calls someone by a surname introduced earlier
requires the sentence of that introduction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.summarize.terms import word_set

# "Tova Noel", "Michael J. Reed", "Jean-Claude Van Damme": capitalized words in a row (initials
# allowed between them); the last word is taken as the surname.
_FULL_NAME = re.compile(
    r"\b[A-Z][a-z’'-]+(?:\s+(?:[A-Z]\.\s+)?(?:(?:van|von|de|da|del|der|le|la|al|bin)\s+)?"
    r"[A-Z][a-z’'-]+)+"
)
_CAPITALIZED = re.compile(r"\b[A-Z][a-z’'-]+\b")
# Words that start many capitalized runs but are never a person's first name: a run starting
# with one is a place, an institution or a sentence opening, not a person.
NOT_FIRST_NAMES = word_set(
    "the a an in on at of for and but if when after before as by from with this that these "
    "those his her their its new north south east west united white house supreme state "
    "department ministry court police president prime minister mr mrs ms dr sen rep gov "
    "lt sgt gen col capt prof officer judge coach detective sheriff chief senator governor "
    "mayor justice agent sergeant lieutenant general pope king queen prince princess lord "
    "sir dame"
)
# Surnames shorter than this are initials or noise.
MIN_SURNAME_CHARS = 3


def full_names(sentence: str) -> list[str]:
    """The surnames of the people a sentence names in full ("Tova Noel" -> "Noel")."""
    surnames = []
    for match in _FULL_NAME.finditer(sentence):
        words = match.group().split()
        while words and words[0].lower() in NOT_FIRST_NAMES:
            words = words[1:]
        if len(words) >= 2 and len(surname := words[-1].rstrip("’'")) >= MIN_SURNAME_CHARS:
            surnames.append(surname)
    return surnames


def _introductions(sentences: Sequence[str]) -> dict[str, int]:
    """Each surname and the first sentence naming its bearer in full."""
    first: dict[str, int] = {}
    for index, sentence in enumerate(sentences):
        for surname in full_names(sentence):
            first.setdefault(surname, index)
    return first


def introductions_needed(sentences: Sequence[str]) -> list[frozenset[int]]:
    """For each sentence, the earlier sentences that first name the people it calls by surname."""
    first = _introductions(sentences)
    needed: list[frozenset[int]] = []
    for index, sentence in enumerate(sentences):
        full = set(full_names(sentence))
        wanted = {
            first[word]
            for word in _CAPITALIZED.findall(sentence)
            if word in first and first[word] < index and word not in full
        }
        needed.append(frozenset(wanted))
    return needed
