"""Features of sentences and of terms for the learned summarizer, in pure Python.

The training script (benchmarks/train_summarizer.py) and the summarizer call the same
`analyze`, so what the model learned is what it sees. Feature names are stored beside the
weights: a weights file made for other features is refused rather than misread.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from digest.summarize.coherence import Links, links_of, opening
from digest.summarize.document import Document
from digest.summarize.terms import marked_terms

Vector = dict[str, float]

# Ordinal encodings: one indicator per bound a value reaches (sentence index, paragraph index,
# length in characters). They let a linear model learn a different weight per range.
POSITION_BUCKETS = (1, 2, 3, 4, 5, 7, 10, 15, 20)
PARAGRAPH_BUCKETS = (1, 2, 3, 5)
LENGTH_BUCKETS = (40, 80, 130, 200, 280)
# Counts of numbers in a sentence are capped here: the fifth number adds nothing.
MAX_NUMBERS = 4
# Term lengths are capped here before scaling to 0..1.
MAX_TERM_CHARS = 12
PRONOUNS = frozenset(
    {"he", "she", "they", "it", "his", "her", "their", "its", "him", "them", "we", "i"}
)
CONNECTIVES = frozenset(
    {"but", "and", "yet", "so", "or", "also", "however", "still", "instead", "then", "meanwhile"}
)
_QUOTE = re.compile(r"[\"“”«»]")
_NUMBER = re.compile(r"\d")
_CAPITALIZED = re.compile(r"\b[A-Z][a-z]+")
_WORD = re.compile(r"\w+")
_SAID = re.compile(r"\b(?:said|says|told|according to)\b", re.IGNORECASE)


def _bucket_names(prefix: str, bounds: Sequence[int]) -> list[str]:
    return [f"{prefix}>={bound}" for bound in bounds]


SENTENCE_FEATURES: tuple[str, ...] = (
    "bias",
    *_bucket_names("position", POSITION_BUCKETS),
    "relative_position",
    *_bucket_names("paragraph", PARAGRAPH_BUCKETS),
    "first_in_paragraph",
    "alone_in_paragraph",
    *_bucket_names("chars", LENGTH_BUCKETS),
    "log_words",
    "centroid",
    "centroid_rank",
    "lead_overlap",
    "title_overlap",
    "term_frequency",
    "quote",
    "starts_with_quote",
    "attribution",
    "numbers",
    "capitalized_share",
    "pronoun_start",
    "connective_start",
    "needs_previous",
    "question",
    "ends_with_colon",
    "brackets",
)
TERM_FEATURES: tuple[str, ...] = (
    "bias",
    "log_count",
    "share",
    "sentence_share",
    "in_first_sentence",
    "in_first_3",
    "in_first_6",
    "first_relative",
    "log_first",
    "capitalized",
    "has_digit",
    "length",
    "log_sentences",
    "prior",
    "prior_log_documents",
)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the learned summarizer needs to know about one document."""

    bags: tuple[frozenset[str], ...]  # the distinct terms of each sentence
    sentence_rows: tuple[tuple[float, ...], ...]
    terms: tuple[str, ...]  # every distinct term, sorted
    term_rows: tuple[tuple[float, ...], ...]  # without the two prior columns
    needs_previous: tuple[bool, ...]
    links: Links


def _buckets(value: float, bounds: Sequence[int]) -> list[float]:
    return [1.0 if value >= bound else 0.0 for bound in bounds]


def _unit(bag: Counter[str], idf: dict[str, float]) -> Vector:
    """Log-scaled tf-idf vector of a bag of terms, scaled to length 1."""
    vector = {t: (1 + math.log(tf)) * idf[t] for t, tf in bag.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _dot(a: Vector, b: Vector) -> float:
    """Dot product of sparse vectors; equals cosine for unit vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())


def analyze(document: Document) -> Analysis:
    """Sentence and term features of a document (empty for a document without sentences)."""
    sentences = document.sentences
    count = len(sentences)
    marked = [marked_terms(sentence) for sentence in sentences]
    bags = [Counter(term for term, _capital in words) for words in marked]
    counts: Counter[str] = Counter()
    sentence_counts: Counter[str] = Counter()
    capitals: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for index, words in enumerate(marked):
        for term, capital in words:
            counts[term] += 1
            if capital:
                capitals[term] += 1
            first_seen.setdefault(term, index)
        sentence_counts.update(bags[index].keys())
    idf = {t: math.log((count + 1) / (n + 1)) + 1 for t, n in sentence_counts.items()}
    vectors = [_unit(bag, idf) for bag in bags]
    total: Vector = {}
    for vector in vectors:
        for term, value in vector.items():
            total[term] = total.get(term, 0.0) + value
    norm = math.sqrt(sum(v * v for v in total.values()))
    centroid = {t: v / norm for t, v in total.items()} if norm else {}
    title = _unit(Counter(t for t, _c in marked_terms(document.title or "")), idf)
    term_total = sum(counts.values()) or 1
    centrality = [_dot(vector, centroid) for vector in vectors]
    order = sorted(range(count), key=lambda i: (-centrality[i], i))
    rank = {index: position for position, index in enumerate(order)}
    links = links_of(sentences, document.paragraph_of)
    dangling = links.needs_previous
    paragraph_sizes = Counter(document.paragraph_of)
    sentence_rows = []
    for index, sentence in enumerate(sentences):
        paragraph = document.paragraph_of[index]
        words = _WORD.findall(sentence)
        bag = bags[index]
        first_word, _second = opening(sentence)
        stripped = sentence.strip()
        capitalized = len(_CAPITALIZED.findall(sentence)) - (1 if stripped[:1].isupper() else 0)
        frequency = sum(counts[t] for t in bag) / (term_total * len(bag)) * 10 if bag else 0.0
        sentence_rows.append(
            (
                1.0,
                *_buckets(index, POSITION_BUCKETS),
                index / count,
                *_buckets(paragraph, PARAGRAPH_BUCKETS),
                1.0 if index == 0 or document.paragraph_of[index - 1] != paragraph else 0.0,
                1.0 if paragraph_sizes[paragraph] == 1 else 0.0,
                *_buckets(len(sentence), LENGTH_BUCKETS),
                math.log1p(len(words)),
                centrality[index],
                rank[index] / count,
                _dot(vectors[index], vectors[0]) if index else 1.0,
                _dot(vectors[index], title),
                frequency,
                1.0 if _QUOTE.search(sentence) else 0.0,
                1.0 if stripped[:1] in '"“«' else 0.0,
                1.0 if _SAID.search(sentence) else 0.0,
                min(len(_NUMBER.findall(sentence)), MAX_NUMBERS) / MAX_NUMBERS,
                max(capitalized, 0) / max(len(words), 1),
                1.0 if first_word in PRONOUNS else 0.0,
                1.0 if first_word in CONNECTIVES else 0.0,
                1.0 if dangling[index] else 0.0,
                1.0 if stripped.endswith("?") else 0.0,
                1.0 if stripped.endswith(":") else 0.0,
                1.0 if "(" in sentence else 0.0,
            )
        )
    keys = sorted(counts)
    log_sentences = math.log1p(count)
    term_rows = []
    for term in keys:
        first = first_seen[term]
        term_rows.append(
            (
                1.0,
                math.log1p(counts[term]),
                counts[term] / term_total * 10,
                sentence_counts[term] / count,
                1.0 if first == 0 else 0.0,
                1.0 if first < 3 else 0.0,
                1.0 if first < 6 else 0.0,
                first / count,
                math.log1p(first),
                capitals[term] / counts[term],
                1.0 if _NUMBER.search(term) else 0.0,
                min(len(term), MAX_TERM_CHARS) / MAX_TERM_CHARS,
                log_sentences,
            )
        )
    return Analysis(
        bags=tuple(frozenset(bag) for bag in bags),
        sentence_rows=tuple(sentence_rows),
        terms=tuple(keys),
        term_rows=tuple(term_rows),
        needs_previous=tuple(dangling),
        links=links,
    )


GAIN_FEATURES: tuple[str, ...] = (
    *SENTENCE_FEATURES,
    "sentence_score",
    "term_value_sum",
    "term_value_max",
    "term_value_mean",
    "chars_100",
)
# Sums of term values are scaled to stay near 0..1 like the other features.
TERM_VALUE_SUM_SCALE = 10.0
CHARS_SCALE = 100.0


def gain_rows(
    analysis: Analysis,
    sentences: Sequence[str],
    sentence_scores: Sequence[float],
    values: dict[str, float],
) -> list[tuple[float, ...]]:
    """Features of each sentence for predicting its own ROUGE-1/-2 recall, in GAIN_FEATURES."""
    rows = []
    for index, row in enumerate(analysis.sentence_rows):
        found = [values.get(term, 0.0) for term in analysis.bags[index]]
        total = sum(found)
        rows.append(
            (
                *row,
                sentence_scores[index],
                total / TERM_VALUE_SUM_SCALE,
                max(found, default=0.0),
                total / len(found) if found else 0.0,
                len(sentences[index]) / CHARS_SCALE,
            )
        )
    return rows
