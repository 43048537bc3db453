"""The centroid method: central sentences, a lead prior and a redundancy penalty, in budget."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.summarize.budget import join_sentences, shorten
from digest.summarize.coherence import links_of
from digest.summarize.document import Document
from digest.summarize.terms import terms

Vector = dict[str, float]

# Only the first sentences compete for the summary: the position prior makes later ones
# near-hopeless anyway, and the cap keeps the quadratic redundancy step fast on long pages.
MAX_CANDIDATES = 60


@dataclass(frozen=True, slots=True)
class Weights:
    """The few knobs of the scorer (tuned on half of the CNN dev stories only)."""

    # News is written top-down: a sentence's prior decays with its position (in sentences).
    position_decay: float = 3.0
    # How much the position prior counts against centrality (cosine with the centroid, 0..1).
    position_weight: float = 1.0
    # Similarity to the title, when one is given, as extra evidence of importance.
    title_weight: float = 0.5
    # MMR-style penalty per unit of similarity to an already chosen sentence.
    redundancy_weight: float = 0.7
    # Sentences with fewer content terms are fragments (captions, "Still!"), never picked;
    # not applied to scripts written without spaces, where a "term" is a whole clause.
    min_terms: int = 4


DEFAULT_WEIGHTS = Weights()


def summarize_centroid(
    document: Document, max_chars: int, weights: Weights = DEFAULT_WEIGHTS
) -> str:
    """Pick the highest-scoring sentences that fit, then print them in article order."""
    sentences = document.sentences
    bags = [Counter(terms(s)) for s in sentences]
    idf = _idf(bags)
    vectors = [_unit(bag, idf) for bag in bags]
    center = _unit_sum(vectors)
    title = _unit(Counter(terms(document.title)), idf) if document.title else {}
    scores: list[float] = []
    for index, vector in enumerate(vectors):
        spaced = not any(_uncased(ch) for ch in sentences[index])
        fragment = spaced and sum(bags[index].values()) < weights.min_terms
        if index > 0 and fragment:
            scores.append(-math.inf)
            continue
        prior = math.exp(-index / weights.position_decay)
        relevance = _dot(vector, center) + weights.title_weight * _dot(vector, title)
        scores.append(relevance + weights.position_weight * prior)
    runs = links_of(sentences, document.paragraph_of).runs()
    chosen = _select(sentences, vectors, scores, max_chars, weights.redundancy_weight, runs)
    if not chosen:
        return shorten(sentences[0], max_chars)
    return join_sentences([sentences[i] for i in sorted(chosen)])


def _select(
    sentences: Sequence[str],
    vectors: Sequence[Vector],
    scores: Sequence[float],
    max_chars: int,
    redundancy_weight: float,
    runs: Sequence[tuple[int, ...] | None],
) -> list[int]:
    """Greedy MMR: take the best remaining sentence (with those it leans on) that fits."""
    overlap = [0.0] * len(sentences)
    remaining = [
        i
        for i, score in enumerate(scores[:MAX_CANDIDATES])
        if score > -math.inf and runs[i] is not None
    ]
    chosen: list[int] = []
    while remaining:
        best = max(remaining, key=lambda i: (scores[i] - redundancy_weight * overlap[i], -i))
        remaining.remove(best)
        run = runs[best] or (best,)
        added = [i for i in run if i not in chosen]
        trial = sorted([*chosen, *added])
        if not added or len(join_sentences([sentences[i] for i in trial])) > max_chars:
            continue
        chosen.extend(added)
        remaining = [i for i in remaining if i not in added]
        for i in remaining:
            for j in added:
                overlap[i] = max(overlap[i], _dot(vectors[i], vectors[j]))
    return chosen


def _uncased(char: str) -> bool:
    """True for letters of scripts without case or spaces between words (CJK)."""
    return char.isalpha() and not char.isupper() and not char.islower()


def _idf(bags: Sequence[Counter[str]]) -> dict[str, float]:
    """Inverse sentence frequency (smoothed) of every term in the article."""
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    count = len(bags)
    return {term: math.log((count + 1) / (n + 1)) + 1 for term, n in df.items()}


def _unit(bag: Counter[str], idf: dict[str, float]) -> Vector:
    """Log-scaled tf-idf vector of a bag of terms, scaled to length 1."""
    vector = {t: (1 + math.log(tf)) * idf.get(t, 1.0) for t, tf in bag.items()}
    return _normalized(vector)


def _unit_sum(vectors: Iterable[Vector]) -> Vector:
    """Direction of the sum of the vectors (the article's centroid)."""
    total: Vector = {}
    for vector in vectors:
        for term, value in vector.items():
            total[term] = total.get(term, 0.0) + value
    return _normalized(total)


def _normalized(vector: Vector) -> Vector:
    """The vector scaled to unit length (empty stays empty)."""
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _dot(a: Vector, b: Vector) -> float:
    """Dot product of sparse vectors; equals cosine for unit vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())
