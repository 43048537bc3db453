"""Near-duplicate stories across the edition: articles against articles, ticker items against
articles, beyond exact matches.

Two items tell the same news when most of the shorter one's weighted words appear in the
other's headline and summary. Words are stemmed content words; numbers ("4.1%", "FY25") and
names (capitalized words, and acronyms matching a name's initials: "WB" = "World Bank") weigh
most, since they are what separates one story from another that shares its topic.
"""

from __future__ import annotations

import bisect
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
# Weights are small whole numbers: a margin far below one keeps float rounding from
# shortening an item's lead words (a longer lead only finds more candidates).
WEIGHT_SLACK = 1e-6
# Lead words an item must share with another to be compared with it (see NewsIndex): 2
# compares about a tenth as many pairs as 1 on real stories, for more words looked up.
LEAD_HITS = 2
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Profile:
    """The weighted words of one item, and the acronyms its names spell."""

    weights: dict[str, float]
    initials: frozenset[str]
    total: float = 0.0  # the sum of the weights, kept so comparisons need not add them up
    tokens: frozenset[str] = frozenset()  # the words and the initials, for set intersections


# More profiles than this asked for within one edition is no edition (a loop over a corpus):
# the memo then starts afresh rather than grow.
MAX_REMEMBERED = 65_536


class _EditionMemo:
    """The profiles of the texts this edition and the one before asked for.

    Sized to the edition, whatever its size: a rebuild asks for the texts of the build before
    (all found), an edit adds a few, and what no longer appears goes at the next edition.
    """

    def __init__(self) -> None:
        self.current: dict[str, Profile] = {}
        self.previous: dict[str, Profile] = {}

    def get(self, text: str) -> Profile:
        found = self.current.get(text)
        if found is None:
            found = self.previous.get(text) or _profile(text)
            if len(self.current) >= MAX_REMEMBERED:
                self.next_edition()
            self.current[text] = found
        return found

    def next_edition(self) -> None:
        self.previous, self.current = self.current, {}


_MEMO = _EditionMemo()


def profile(text: str) -> Profile:
    """Weighted stemmed words of a headline (with its summary, for articles); never mutate."""
    return _MEMO.get(text)


def next_edition() -> None:
    """A new edition is being arranged: profiles the last one did not use are forgotten."""
    _MEMO.next_edition()


def _profile(text: str) -> Profile:
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


def same_story_texts(
    earlier_title: str, earlier_summary: str, later_title: str, later_summary: str
) -> bool:
    """`same_story` for two stories given by their texts (their profiles are remembered)."""
    return same_story(news_of(earlier_title, earlier_summary), news_of(later_title, later_summary))


class NewsIndex:
    """Which of many items could tell the same news as another, without comparing every pair.

    Exact, not approximate. A pair passes `same_news` only when the shorter item has at least
    MIN_SHARED_WORDS words in the other, and more than SAME_NEWS_SHARE of its weight; so the
    other holds at least LEAD_HITS of any set of the shorter's words that weighs more than
    the rest even without its LEAD_HITS - 1 heaviest, or that leaves out fewer than
    MIN_SHARED_WORDS - LEAD_HITS + 1 of them. Those are an item's "lead words", taken rarest
    first in the edition so that few items share them (prefix filtering, as in all-pairs
    similarity search). An item is a candidate when it holds LEAD_HITS of the query's lead
    words, or the query holds LEAD_HITS of its own (then it is the shorter, which its total
    weight tells); only candidates are compared.
    """

    def __init__(self, profiles: Sequence[Profile]) -> None:
        self._rarity: dict[str, int] = {}
        for item in profiles:
            for token in item.tokens:
                self._rarity[token] = self._rarity.get(token, 0) + 1
        self._holding: dict[str, list[int]] = {}  # token -> items holding it
        leading: dict[str, list[tuple[float, int]]] = {}  # token -> (total, item) it leads
        for position, item in enumerate(profiles):
            for token in item.tokens:
                self._holding.setdefault(token, []).append(position)
            for token in self.lead_words(item):
                leading.setdefault(token, []).append((item.total, position))
        # By total weight, so a query takes only the items no heavier than itself.
        self._leading = {token: sorted(items) for token, items in leading.items()}

    def lead_words(self, item: Profile) -> list[str]:
        """Words of `item` of which any item telling its news (when `item` is the shorter of
        the two) holds LEAD_HITS; none when it has too few words to be compared."""
        words = item.weights
        most = len(words) - MIN_SHARED_WORDS + LEAD_HITS
        if len(words) < MIN_SHARED_WORDS:
            return []
        allowed_missing = (1.0 - SAME_NEWS_SHARE) * item.total + WEIGHT_SLACK
        rarest = sorted(words, key=lambda word: (self._rarity.get(word, 0), -words[word], word))
        weight = 0.0
        heaviest: list[float] = []  # the LEAD_HITS - 1 heaviest words so far
        for size, word in enumerate(rarest[:most], 1):
            weight += words[word]
            bisect.insort(heaviest, words[word])
            if len(heaviest) >= LEAD_HITS:
                del heaviest[0]
            if size >= LEAD_HITS and weight - sum(heaviest) > allowed_missing:
                return rarest[:size]
        return rarest[:most]

    def candidates(self, query: Profile) -> list[int]:
        """Positions of the items that may tell the query's news, in order; a superset of
        those `same_news` accepts, usually a small one."""
        hits: dict[int, int] = {}
        for word in self.lead_words(query):
            for position in self._holding.get(word, ()):
                hits[position] = hits.get(position, 0) + 1
        found = {position for position, count in hits.items() if count >= LEAD_HITS}
        hits.clear()
        for token in query.tokens:
            items = self._leading.get(token)
            if items:
                lighter = bisect.bisect_right(items, (query.total, len(items) + 1 << 62))
                for _total, position in items[:lighter]:
                    hits[position] = hits.get(position, 0) + 1
        found.update(position for position, count in hits.items() if count >= LEAD_HITS)
        return sorted(found)


def story_pairs(news: Sequence[News]) -> list[tuple[int, int]]:
    """(earlier, later) positions of the stories that may tell the same news, ordered by the
    later one, then the earlier; `same_story` decides (see NewsIndex)."""
    index = NewsIndex([item.whole for item in news])
    pairs: set[tuple[int, int]] = set()
    for position, item in enumerate(news):
        for other in index.candidates(item.title):
            if other != position:
                pairs.add((min(position, other), max(position, other)))
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))
