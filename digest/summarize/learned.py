"""The learned method: sentences chosen by two small models trained on CNN stories.

A sentence model scores how likely each sentence is to belong in a summary (position,
length, centrality, quotes, numbers...); a term model scores how likely each content word is
to appear in one (how often and how early the article uses it, capitals, digits, and a
per-word prior). The summary greedily covers the most valuable words per character, with the
sentence scores as a prior, then prints the chosen sentences in article order. Both models are
logistic regressions whose weights ship in `learned_weights.json`, made by
`make train-summarizer` (benchmarks/train_summarizer.py); the runtime is pure Python.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from digest.errors import DigestError
from digest.summarize.budget import join_sentences, shorten
from digest.summarize.coherence import units
from digest.summarize.document import Document
from digest.summarize.features import SENTENCE_FEATURES, TERM_FEATURES, Analysis, analyze

WEIGHTS_FILE = "learned_weights.json"
WEIGHTS_FORMAT = 1
# Only this many opening sentences compete: later ones almost never win, and the cap bounds
# the time spent on very long pages.
MAX_CANDIDATES = 60


@dataclass(frozen=True, slots=True)
class Model:
    """The trained weights and the two selection settings."""

    sentence_weights: tuple[float, ...]
    term_weights: tuple[float, ...]
    priors: dict[str, tuple[float, float]]  # term -> (log-odds shift, log documents seen)
    sentence_prior_weight: float  # how much a sentence's own score adds to its words' value
    length_exponent: float  # value per character**exponent: 1 favours short sentences


def _sigmoid(value: float) -> float:
    if value < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-value))


def _dot(weights: Sequence[float], row: Sequence[float]) -> float:
    return sum(w * x for w, x in zip(weights, row, strict=True))


def _numbers(data: dict[str, Any], key: str) -> tuple[float, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        raise DigestError(f"{WEIGHTS_FILE}: `{key}` must be a list of numbers")
    return tuple(float(number) for number in value)


def parse_model(data: dict[str, Any]) -> Model:
    """A Model from the weights file's JSON, refusing one made for other features."""
    if data.get("format") != WEIGHTS_FORMAT:
        raise DigestError(f"{WEIGHTS_FILE}: unsupported format {data.get('format')!r}")
    features = (tuple(data.get("sentence_features", ())), tuple(data.get("term_features", ())))
    if features != (SENTENCE_FEATURES, TERM_FEATURES):
        raise DigestError(
            f"{WEIGHTS_FILE} was trained on other features; run `make train-summarizer`"
        )
    priors = data.get("priors")
    if not isinstance(priors, dict):
        raise DigestError(f"{WEIGHTS_FILE}: `priors` must be a table")
    return Model(
        sentence_weights=_numbers(data, "sentence_weights"),
        term_weights=_numbers(data, "term_weights"),
        priors={str(t): (float(v[0]), float(v[1])) for t, v in priors.items()},
        sentence_prior_weight=float(data["sentence_prior_weight"]),
        length_exponent=float(data["length_exponent"]),
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


def summarize_learned(document: Document, max_chars: int, model: Model | None = None) -> str:
    """Cover the most valuable words per character; print the sentences in article order."""
    model = model or load_model()
    sentences = document.sentences
    analysis = analyze(document)
    sentence_scores, values = score(analysis, model)
    runs = units(analysis.needs_previous)
    chosen: set[int] = set()
    covered: set[str] = set()
    while True:
        best: tuple[float, tuple[int, ...]] | None = None
        for index in range(min(len(sentences), MAX_CANDIDATES)):
            run = runs[index]
            if index in chosen or run is None:
                continue
            added = tuple(j for j in run if j not in chosen)
            trial = sorted(chosen.union(added))
            if len(join_sentences([sentences[j] for j in trial])) > max_chars:
                continue
            new_terms = set().union(*(analysis.bags[j] for j in added)) - covered
            gain = sum(values[t] for t in new_terms) + model.sentence_prior_weight * sum(
                sentence_scores[j] for j in added
            )
            cost = sum(len(sentences[j]) for j in added)
            value = gain / cost**model.length_exponent
            if best is None or value > best[0]:
                best = (value, added)
        if best is None:
            break
        chosen.update(best[1])
        for j in best[1]:
            covered |= analysis.bags[j]
    if not chosen:
        return shorten(sentences[0], max_chars)
    return join_sentences([sentences[i] for i in sorted(chosen)])
