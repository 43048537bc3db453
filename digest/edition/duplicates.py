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
from collections import Counter
from collections.abc import Iterable, Sequence
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
    return Profile(weights, frozenset(initials))


def same_news_share(short: Profile, other: Profile) -> tuple[float, int]:
    """Share of the short item's weight found in the other, and how many words are shared."""
    total = sum(short.weights.values())
    if not total:
        return 0.0, 0
    found = 0.0
    shared = 0
    for word, weight in short.weights.items():
        if word in other.weights or (len(word) > 1 and word in other.initials):
            found += weight
            shared += 1
    return found / total, shared


def same_news(first: Profile, second: Profile) -> bool:
    """True when the two items tell the same news (measured from the shorter one)."""
    short, other = sorted((first, second), key=lambda p: sum(p.weights.values()))
    share, shared = same_news_share(short, other)
    return shared >= MIN_SHARED_WORDS and share >= SAME_NEWS_SHARE


def first_match(candidate: Profile, others: Sequence[tuple[str, Profile]]) -> str | None:
    """The name of the first item that tells the same news as the candidate, if any."""
    for name, other in others:
        if same_news(candidate, other):
            return name
    return None


class NewsIndex:
    """Items seen so far, by the words and initials they hold, so a new item is compared only
    with those sharing MIN_SHARED_WORDS of them (a necessary condition for the same news):
    an edition of 200 stories needs a few comparisons per story, not 200."""

    def __init__(self) -> None:
        self._by_token: dict[str, list[int]] = {}

    def add(self, number: int, item: Profile) -> None:
        """Index item `number` (numbers must grow)."""
        for token in _tokens(item):
            self._by_token.setdefault(token, []).append(number)

    def candidates(self, item: Profile) -> list[int]:
        """The numbers of indexed items that could tell the same news, in ascending order."""
        counts = Counter(
            number for token in _tokens(item) for number in self._by_token.get(token, ())
        )
        return sorted(number for number, count in counts.items() if count >= MIN_SHARED_WORDS)


def _tokens(item: Profile) -> Iterable[str]:
    return set(item.weights) | item.initials
