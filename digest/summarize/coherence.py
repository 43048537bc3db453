"""How sentences lean on each other, so a summary never changes what the story says.

- A sentence that leans on the one before ("He said", "But", a quote's second half, "also"
  early on) is taken only right after it: a summary never points back at text left out.
- A sentence whose claim the next one attributes or disputes ("That's the optimistic view
  mouthed by...", "But critics say...") is taken with that next one or not at all.
- A sentence that calls someone by surname needs the sentence that first named them (`names`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.summarize.names import introductions_needed


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
# Openings that dispute the sentence before: a claim followed by one of these is only half
# the story ("Sales will double. But analysts doubt it.").
DISPUTING = _words("but however yet still nevertheless nonetheless though although instead")
# Openings that put the claim before in someone's mouth or in doubt.
ATTRIBUTING = re.compile(
    r"^\W*(?:(?:that|this|such)(?:'s|’s|\s+is|\s+was|\s+were)\b.{0,80}?\b(?:view|claim|"
    r"line|argument|position|theory|pitch|promise|hope|story|version|message|spin|assessment|"
    r"thinking|idea|plan|hype|boast|theory)s?\b|(?:or\s+)?so\s+(?:says?|said|claims?|goes)\b|"
    r"at\s+least,?\s+(?:that's|that\s+is|according|in\s+theory)|in\s+theory\b|"
    r"(?:critics|skeptics|sceptics|opponents|others)\s+(?:say|said|argue|disagree|dispute|doubt)|"
    r"not\s+so\s+fast|not\s+everyone\b|(?:that|this)\s+(?:claim|view|assertion)\b)",
    re.IGNORECASE,
)
# "The patient, also from Inner Mongolia, ...": an "also" this early points back.
_EARLY_ALSO = re.compile(
    r"^(?:\W*[\w’'-]+){0,5}?[\s,]+(?:also|too)\b(?!\s+(?:much|many|few|little|late|early|soon|long|far|big|small|often))",
    re.IGNORECASE,
)
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
                or _EARLY_ALSO.match(sentence) is not None
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


def disputes_previous(sentence: str) -> bool:
    """True when a sentence attributes or disputes the claim of the one before it."""
    first, _second = opening(sentence)
    return first in DISPUTING or ATTRIBUTING.match(sentence) is not None


@dataclass(frozen=True, slots=True)
class Links:
    """What each sentence needs beside it in a summary."""

    needs_previous: tuple[bool, ...]  # only right after the sentence before
    needs_next: tuple[bool, ...]  # only right before the sentence after (it qualifies this one)
    requires: tuple[frozenset[int], ...]  # earlier sentences it needs (who a surname is)

    def allows(self, chosen: Sequence[int], index: int) -> bool:
        """True when `index` may follow the sentences `chosen` (in article order) in a summary."""
        last = chosen[-1] if chosen else None
        if self.needs_previous[index] and last != index - 1:
            return False
        if last is not None and self.needs_next[last] and index != last + 1:
            return False
        return self.requires[index] <= set(chosen)

    def can_end(self, chosen: Sequence[int]) -> bool:
        """True when a summary may stop after `chosen` (nothing left hanging)."""
        return bool(chosen) and not self.needs_next[chosen[-1]]

    def opening(self, sentences: Sequence[str]) -> str:
        """The story's first sentence with those it cannot be shown without (what disputes
        it, the rest of a quote): the fallback when no whole summary fits the budget."""
        end = 0
        while end + 1 < len(sentences) and self.needs_next[end]:
            end += 1
        return " ".join(sentences[: end + 1])

    def runs(self) -> list[tuple[int, ...] | None]:
        """For each sentence, every sentence a summary needs with it (sorted), or None when
        the chain around it is longer than MAX_CHAIN."""
        back = units(self.needs_previous)
        result: list[tuple[int, ...] | None] = []
        count = len(self.needs_next)
        for index, run in enumerate(back):
            if run is None:
                result.append(None)
                continue
            end = index
            while end + 1 < count and self.needs_next[end]:
                end += 1
            chain = set(run) | set(range(index, end + 1))
            if len(chain) > MAX_CHAIN:
                result.append(None)
                continue
            for member in sorted(chain):
                chain |= self.requires[member]
            result.append(tuple(sorted(chain)))
        return result


def links_of(sentences: Sequence[str], paragraph_of: Sequence[int]) -> Links:
    """The links between a document's sentences."""
    previous = needs_previous(sentences, paragraph_of)
    following = []
    open_quotes = 0
    for index, sentence in enumerate(sentences):
        if index == 0 or paragraph_of[index] != paragraph_of[index - 1]:
            open_quotes = 0
        open_quotes = _quotes_open_after(sentence, open_quotes)
        has_next = index + 1 < len(sentences)
        # A quotation still open goes on in the next sentence of its paragraph: half a quote
        # would put words in the speaker's mouth that they did not finish.
        same_paragraph = has_next and paragraph_of[index + 1] == paragraph_of[index]
        following.append(
            has_next
            and (disputes_previous(sentences[index + 1]) or (open_quotes > 0 and same_paragraph))
        )
    return Links(tuple(previous), tuple(following), tuple(introductions_needed(sentences)))
