"""Budget-aware choice of a whole summary: every coherent set of pool sentences that fits and
starts in the story's opening, scored as a set.

Scoring sentences one at a time and filling the budget greedily cannot weigh a long sentence
against two short ones, or a summary's length against its content. Here each candidate
summary (a set of sentences from a small pool, taken with the sentences they lean on, within
the budget) gets features of the whole set (words covered and their value, predicted ROUGE
gains, length, repeats, positions) and a linear score trained to rank candidates the way
their ROUGE against human highlights does. The best one wins.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from digest.summarize.budget import joiner
from digest.summarize.coherence import Links

SUMMARY_FEATURES: tuple[str, ...] = (
    "covered_value",
    "sentence_score",
    "length_share",
    "length_share_squared",
    "sentences",
    "has_first",
    "mean_position",
    "repeated_terms",
    "covered_terms",
    "last_position",
    "gain_unigrams",
    "gain_bigrams",
    "covered_value_squared",
)
# Scales that keep every feature near 0..1 (the weights are stored rounded).
COVERED_TERMS_SCALE = 30.0
COVERED_VALUE_SQUARED_SCALE = 100.0
# Enumeration stops after this many candidate summaries: it bounds the time spent on very
# large budgets, where the pool allows thousands of sets (the first ones lead the article).
MAX_CANDIDATES = 3000


@dataclass(frozen=True, slots=True)
class Pool:
    """What the search needs per sentence, for the sentences it may choose from."""

    sentences: Sequence[str]
    bags: Sequence[frozenset[str]]
    links: Links
    values: dict[str, float]  # each term's probability of appearing in the highlights
    scores: Sequence[float]  # each sentence's probability of being in the oracle summary
    gains: Sequence[tuple[float, float]]  # each sentence's predicted ROUGE-1/-2 recall


@dataclass(slots=True)
class _State:
    """A partial candidate: chosen indexes and its running sums."""

    chosen: list[int]
    chars: int
    covered: set[str]
    covered_value: float
    bag_sizes: int
    score: float
    gain1: float
    gain2: float


def summary_row(pool: Pool, state: _State, budget: int) -> tuple[float, ...]:
    """The features of one candidate summary, named in SUMMARY_FEATURES."""
    count = len(pool.sentences)
    length = state.chars / budget
    chosen = state.chosen
    return (
        state.covered_value,
        state.score,
        length,
        length * length,
        float(len(chosen)),
        1.0 if chosen[0] == 0 else 0.0,
        sum(chosen) / len(chosen) / count,
        (state.bag_sizes - len(state.covered)) / max(state.bag_sizes, 1),
        len(state.covered) / COVERED_TERMS_SCALE,
        chosen[-1] / count,
        state.gain1,
        state.gain2,
        state.covered_value**2 / COVERED_VALUE_SQUARED_SCALE,
    )


def candidate_pool(
    pool: Pool, lead: int, top: int, runs: Sequence[tuple[int, ...] | None]
) -> list[int]:
    """The opening sentences, plus the best-predicted others with the sentences they need.

    Sentences that lean on a chain too long to take whole (`runs` None) are left out.
    """
    count = len(pool.sentences)
    chosen = {i for i in range(min(lead, count)) if runs[i] is not None}

    def promise(index: int) -> float:
        gain1, gain2 = pool.gains[index]
        return (gain1 + gain2) / math.sqrt(max(len(pool.sentences[index]), 1))

    ranked = sorted((i for i in range(count) if runs[i] is not None), key=lambda i: -promise(i))
    for index in ranked[:top]:
        chosen.update(runs[index] or ())
    return sorted(chosen)


def candidates(
    pool: Pool, indexes: Sequence[int], budget: int
) -> Iterator[tuple[list[int], tuple[float, ...]]]:
    """Every coherent set of sentences from indexes that fits the budget, with its features.

    Sets come in article order of their sentences and start with the story's first sentence
    (news puts the story up front; a summary opening later reads as a fragment); a sentence is
    added only where its links allow (`coherence.Links`), and a set is offered only when
    nothing in it is left hanging. At most MAX_CANDIDATES sets are made.
    """
    sentences = pool.sentences
    links = pool.links
    made = 0
    stack = [(_State([], 0, set(), 0.0, 0, 0.0, 0.0, 0.0), 0)]
    while stack and made < MAX_CANDIDATES:
        state, start = stack.pop()
        # Children are pushed last-first so the search runs in index order (lead-like first).
        children = []
        for position in range(start, len(indexes)):
            index = indexes[position]
            if not state.chosen and index != 0:
                continue
            if not links.allows(state.chosen, index):
                continue
            extra = len(sentences[index])
            if state.chosen:
                extra += len(joiner(sentences[state.chosen[-1]]))
            if state.chars + extra > budget:
                continue
            bag = pool.bags[index]
            gain1, gain2 = pool.gains[index]
            grown = _State(
                [*state.chosen, index],
                state.chars + extra,
                state.covered | bag,
                state.covered_value + sum(pool.values.get(t, 0.0) for t in bag - state.covered),
                state.bag_sizes + len(bag),
                state.score + pool.scores[index],
                state.gain1 + gain1,
                state.gain2 + gain2,
            )
            if links.can_end(grown.chosen):
                made += 1
                yield grown.chosen, summary_row(pool, grown, budget)
                if made >= MAX_CANDIDATES:
                    return
            children.append((grown, position + 1))
        stack.extend(reversed(children))


def best_summary(
    pool: Pool, indexes: Sequence[int], budget: int, weights: Sequence[float]
) -> list[int]:
    """The highest-scoring candidate (the first of equals), or [] when none fits."""
    best: tuple[float, list[int]] | None = None
    for chosen, row in candidates(pool, indexes, budget):
        value = sum(map(operator.mul, weights, row))
        if best is None or value > best[0]:
            best = (value, chosen)
    return best[1] if best is not None else []
