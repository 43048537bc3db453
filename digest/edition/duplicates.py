"""Near-duplicate stories across the edition: articles against articles, ticker items against
articles, beyond exact matches.

Two items tell the same news when most of the shorter one's weighted words appear in the
other's headline and summary. Words are stemmed content words; numbers ("4.1%", "FY25") and
names (capitalized words, and acronyms matching a name's initials: "WB" = "World Bank") weigh
most, since they are what separates one story from another that shares its topic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.summarize.terms import STOP_WORDS, stem

# Share of the shorter item's word weight found in the other item at or above which the two
# are the same news. Measured on tests/test_duplicates.py: paraphrased headlines of one story
# score 0.75-1.0; different stories that share a word or a place score 0.5 at most.
SAME_NEWS_SHARE = 0.6
# Fewer shared words than this is never the same news, however short the items.
MIN_SHARED_WORDS = 3
NUMBER_WEIGHT = 3.0
NAME_WEIGHT = 2.0
WORD_WEIGHT = 1.0
# Acronyms are matched against the initials of runs of capitalized words this long at most.
MAX_ACRONYM = 5
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Profile:
    """The weighted words of one item, and the acronyms its names spell."""

    weights: dict[str, float]
    initials: frozenset[str]
    total: float = 0.0  # the sum of the weights, kept so comparisons need not add them up
    tokens: frozenset[str] = frozenset()  # the words and the initials, for set intersections


# Profiles of recent texts kept: the preview rebuilds an edition whose texts mostly repeat.
PROFILE_CACHE = 8_192


@functools.lru_cache(maxsize=PROFILE_CACHE)
def profile(text: str) -> Profile:
    """Weighted stemmed words of a headline (with its summary, for articles); never mutate."""
    weights: dict[str, float] = {}
    initials: set[str] = set()
    run: list[str] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        word = raw.lower().replace("’", "'").split("'")[0].rstrip("%").replace(",", "")
        capital = raw[:1].isupper()
        run = [*run, raw] if capital else []
        for size in range(2, min(len(run), MAX_ACRONYM) + 1):
            initials.add("".join(part[0] for part in run[-size:]).lower())
        if not word or (word in STOP_WORDS and not capital) or len(word) < 2:
            continue
        if any(ch.isdigit() for ch in word):
            weight = NUMBER_WEIGHT
        elif (capital and match.start() > 0) or (raw.isupper() and len(raw) > 1):
            weight = NAME_WEIGHT
        else:
            weight = WORD_WEIGHT
        key = stem(word)
        weights[key] = max(weights.get(key, 0.0), weight)
    spelled = frozenset(initials)
    return Profile(weights, spelled, sum(weights.values()), frozenset(weights) | spelled)


def same_news_share(short: Profile, other: Profile) -> tuple[float, int]:
    """Share of the short item's weight found in the other, and how many words are shared."""
    if not short.total:
        return 0.0, 0
    shared = short.weights.keys() & other.tokens  # a set operation, in C: stories are many
    found = sum(short.weights[word] for word in shared)
    return found / short.total, len(shared)


def same_news(first: Profile, second: Profile) -> bool:
    """True when the two items tell the same news (measured from the shorter one)."""
    short, other = (first, second) if first.total <= second.total else (second, first)
    share, shared = same_news_share(short, other)
    return shared >= MIN_SHARED_WORDS and share >= SAME_NEWS_SHARE


def first_match(candidate: Profile, others: Sequence[tuple[str, Profile]]) -> str | None:
    """The name of the first item that tells the same news as the candidate, if any."""
    for name, other in others:
        if same_news(candidate, other):
            return name
    return None


@dataclass(frozen=True, slots=True)
class News:
    """A story's headline alone, and its headline with its summary, as weighted words."""

    title: Profile
    whole: Profile


def news_of(title: str, summary: str) -> News:
    """The two profiles two stories are compared on."""
    return News(profile(title), profile(f"{title} {summary}"))


def same_story(earlier: News, later: News) -> bool:
    """True when either headline is told within the other story (its headline and summary)."""
    return same_news(later.title, earlier.whole) or same_news(later.whole, earlier.title)


# Story pairs remembered: a preview rebuild after one edit compares 199 new pairs, not 19,900.
PAIR_CACHE = 65_536


@functools.lru_cache(maxsize=PAIR_CACHE)
def same_story_texts(
    earlier_title: str, earlier_summary: str, later_title: str, later_summary: str
) -> bool:
    """`same_story` for two stories given by their texts (remembered)."""
    return same_story(news_of(earlier_title, earlier_summary), news_of(later_title, later_summary))
