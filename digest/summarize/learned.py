"""The learned method: the best-scoring whole summary, by three small models trained on CNN.

A sentence model scores how likely each sentence is to belong in a summary (position, length,
centrality, quotes, numbers...); a term model scores how likely each content word is to appear
in one (how often and how early the article uses it, capitals, digits, and a per-word prior);
a gain model predicts each sentence's own ROUGE-1/-2 recall from both. Then every coherent set
of sentences from a small pool that fits the budget is scored as a whole (`selection`), and
the best set is printed in article order. The weights ship in `learned_weights.json`, made by
`make train-summarizer` (benchmarks/train_summarizer.py); the runtime is pure Python.
"""

from __future__ import annotations

import functools
import json
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from digest.errors import DigestError
from digest.summarize.budget import join_sentences, shorten
from digest.summarize.document import Document
from digest.summarize.features import (
    GAIN_FEATURES,
    SENTENCE_FEATURES,
    TERM_FEATURES,
    Analysis,
    analyze,
    gain_rows,
)
from digest.summarize.selection import SUMMARY_FEATURES, Pool, best_summary, candidate_pool

WEIGHTS_FILE = "learned_weights.json"
WEIGHTS_FORMAT = 2
# Only this many opening sentences are analysed: summaries come from the first ones, and the
# cap bounds the time spent on very long pages (training applies the same cap).
MAX_ANALYZED_SENTENCES = 60


@dataclass(frozen=True, slots=True)
class Model:
    """The trained weights and the size of the pool summaries are drawn from."""

    sentence_weights: tuple[float, ...]
    term_weights: tuple[float, ...]
    priors: dict[str, tuple[float, float]]  # term -> (log-odds shift, log documents seen)
    gain_weights: tuple[tuple[float, ...], tuple[float, ...]]  # ROUGE-1, ROUGE-2 recall
    summary_weights: tuple[float, ...]
    pool_lead: int  # the opening sentences always in the pool
    pool_top: int  # and this many more, the best by predicted gain


def _sigmoid(value: float) -> float:
    if value < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-value))


def _dot(weights: Sequence[float], row: Sequence[float]) -> float:
    # map(mul) is about twice as fast as a generator over zip on this hot path.
    total: float = sum(map(operator.mul, weights, row))
    return total


def _numbers(data: dict[str, Any], key: str) -> tuple[float, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        raise DigestError(f"{WEIGHTS_FILE}: `{key}` must be a list of numbers")
    return tuple(float(number) for number in value)


FEATURE_LISTS = {
    "sentence_features": SENTENCE_FEATURES,
    "term_features": TERM_FEATURES,
    "gain_features": GAIN_FEATURES,
    "summary_features": SUMMARY_FEATURES,
}


def parse_model(data: dict[str, Any]) -> Model:
    """A Model from the weights file's JSON, refusing one made for other features."""
    if data.get("format") != WEIGHTS_FORMAT:
        raise DigestError(f"{WEIGHTS_FILE}: unsupported format {data.get('format')!r}")
    for key, names in FEATURE_LISTS.items():
        if tuple(data.get(key, ())) != names:
            raise DigestError(
                f"{WEIGHTS_FILE} was trained on other features; run `make train-summarizer`"
            )
    priors = data.get("priors")
    if not isinstance(priors, dict):
        raise DigestError(f"{WEIGHTS_FILE}: `priors` must be a table")
    gains = data.get("gain_weights")
    if not isinstance(gains, list) or len(gains) != 2:
        raise DigestError(f"{WEIGHTS_FILE}: `gain_weights` must be two lists of numbers")
    return Model(
        sentence_weights=_numbers(data, "sentence_weights"),
        term_weights=_numbers(data, "term_weights"),
        priors={str(t): (float(v[0]), float(v[1])) for t, v in priors.items()},
        gain_weights=(tuple(map(float, gains[0])), tuple(map(float, gains[1]))),
        summary_weights=_numbers(data, "summary_weights"),
        pool_lead=int(data["pool_lead"]),
        pool_top=int(data["pool_top"]),
    )


@functools.cache
def load_model() -> Model:
    """The weights shipped with digest (read once per process)."""
    text = resources.files("digest.summarize").joinpath(WEIGHTS_FILE).read_text("utf-8")
    data = json.loads(text)
    assert isinstance(data, dict)
    return parse_model(data)


def score(analysis: Analysis, model: Model) -> tuple[list[float], dict[str, float]]:
    """Each sentence's score and each term's probability of appearing in a summary."""
    sentence_scores = [
        _sigmoid(_dot(model.sentence_weights, row)) for row in analysis.sentence_rows
    ]
    no_prior = (0.0, 0.0)
    values = {
        term: _sigmoid(_dot(model.term_weights, (*row, *model.priors.get(term, no_prior))))
        for term, row in zip(analysis.terms, analysis.term_rows, strict=True)
    }
    return sentence_scores, values


def build_pool(document: Document, analysis: Analysis, model: Model) -> Pool:
    """Every sentence with its term bag, scores and predicted gains."""
    sentence_scores, values = score(analysis, model)
    rows = gain_rows(analysis, document.sentences, sentence_scores, values)
    unigram, bigram = model.gain_weights
    gains = [(_dot(unigram, row), _dot(bigram, row)) for row in rows]
    return Pool(document.sentences, analysis.bags, analysis.links, values, sentence_scores, gains)


def summarize_learned(document: Document, max_chars: int, model: Model | None = None) -> str:
    """The best-scoring coherent set of sentences within max_chars, in article order."""
    model = model or load_model()
    document = document.head(MAX_ANALYZED_SENTENCES)
    sentences = document.sentences
    analysis = analyze(document)
    pool = build_pool(document, analysis, model)
    indexes = candidate_pool(pool, model.pool_lead, model.pool_top, analysis.links.runs())
    chosen = best_summary(pool, indexes, max_chars, model.summary_weights)
    if not chosen:
        return shorten(analysis.links.opening(sentences), max_chars)
    return join_sentences([sentences[i] for i in chosen])
