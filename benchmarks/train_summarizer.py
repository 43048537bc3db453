"""Train the learned summarizer's weights on CNN stories; `make train-summarizer` runs this.

    python benchmarks/train_summarizer.py [--data cnn-train.jsonl.gz] [--out FILE] [--tune]

Labels come from the stories' human highlights (rouge_score's tokenizer and stemmer):
- sentence model: a sentence is positive when a greedy ROUGE oracle (mean of ROUGE-1 and
  ROUGE-2 F1) picks it within the 350-character budget;
- term model: a term is positive when it occurs in the highlights;
- gain model: a sentence's own ROUGE-1 and ROUGE-2 recall against the highlights;
- summary model: every candidate summary the runtime would consider (digest.summarize.selection)
  is scored by the mean of its ROUGE-1 and ROUGE-2 F1, and a linear model learns to rank the
  candidates of one story (features and targets centred per story) the way that score does.
The first two are L2-regularized logistic regressions fitted by Newton's method, the last two
ridge regressions, all in float64 on one thread; the weights are written with five significant
digits in sorted JSON: the same data gives the same file, byte for byte. The dev set
(cnn-dev.jsonl) is never read here; `--tune` compares pool settings on the last TUNE_STORIES
training stories after fitting on the others.
"""

from __future__ import annotations

import os

# One BLAS thread: a fixed summation order, hence identical weights on every run.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.summarize.budget import join_sentences  # noqa: E402
from digest.summarize.document import Document  # noqa: E402
from digest.summarize.features import (  # noqa: E402
    GAIN_FEATURES,
    SENTENCE_FEATURES,
    TERM_FEATURES,
    Analysis,
    analyze,
    gain_rows,
)
from digest.summarize.learned import (  # noqa: E402
    MAX_ANALYZED_SENTENCES,
    WEIGHTS_FILE,
    WEIGHTS_FORMAT,
    Model,
    build_pool,
    score,
    summarize_learned,
)
from digest.summarize.selection import (  # noqa: E402
    SUMMARY_FEATURES,
    candidate_pool,
    candidates,
)
from digest.summarize.terms import terms  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "realworld" / "summaries" / "cnn-train.jsonl.gz"
DEFAULT_OUT = ROOT / "digest" / "summarize" / WEIGHTS_FILE
# The budget the oracle labels and candidate summaries are drawn within: the publication default.
ORACLE_BUDGET = 350
# L2 penalty of every regression (in units of the summed loss).
L2 = 1.0
NEWTON_STEPS = 50
NEWTON_TOLERANCE = 1e-10
# Per-word priors: smoothed toward the base rate with this many pseudo-documents; words seen
# in fewer training documents than MIN_PRIOR_DOCUMENTS are left out of the shipped table.
PRIOR_SMOOTHING = 5.0
MIN_PRIOR_DOCUMENTS = 8
SIGNIFICANT_DIGITS = 5
# The candidate pool: the opening POOL_LEAD sentences and the POOL_TOP best-predicted others.
# Compared with --tune on held-out training stories (never the dev set).
POOL_LEAD = 10
POOL_TOP = 4
TUNE_STORIES = 1000
TUNE_GRID = ((6, 3), (8, 4), (10, 4), (10, 5), (12, 4))


@dataclass(frozen=True, slots=True)
class Story:
    """One training story: its document, its highlights' n-grams and the labels drawn from them."""

    document: Document
    analysis: Analysis
    highlights: tuple[str, ...]
    oracle: frozenset[int]
    highlight_terms: frozenset[str]
    unigrams: tuple[Counter[tuple[str, ...]], ...]  # of each sentence (rouge tokens)
    bigrams: tuple[Counter[tuple[str, ...]], ...]
    reference: tuple[Counter[tuple[str, ...]], Counter[tuple[str, ...]]]  # of the highlights


def load(path: Path) -> list[dict[str, object]]:
    """The JSON-lines file (gzip or plain)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: int, predicted: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


def oracle(sentences: Sequence[str], highlights: Sequence[str], tokenize: object) -> list[int]:
    """Greedy ROUGE oracle: add the sentence that most raises (R1 + R2) / 2 while it fits."""
    tok = tokenize.tokenize  # type: ignore[attr-defined]
    reference = tok(" ".join(highlights))
    ref1, ref2 = _ngrams(reference, 1), _ngrams(reference, 2)
    total1, total2 = sum(ref1.values()), sum(ref2.values())
    tokens = [tok(sentence) for sentence in sentences]
    chosen: list[int] = []
    got1: Counter[tuple[str, ...]] = Counter()
    got2: Counter[tuple[str, ...]] = Counter()
    best = 0.0
    while True:
        pick = None
        for index, sentence_tokens in enumerate(tokens):
            if index in chosen:
                continue
            trial = sorted([*chosen, index])
            if len(join_sentences([sentences[i] for i in trial])) > ORACLE_BUDGET:
                continue
            new1, new2 = got1 + _ngrams(sentence_tokens, 1), got2 + _ngrams(sentence_tokens, 2)
            value = (
                _f1(sum((new1 & ref1).values()), sum(new1.values()), total1)
                + _f1(sum((new2 & ref2).values()), sum(new2.values()), total2)
            ) / 2
            if value > best + 1e-12 and (pick is None or value > pick[0]):
                pick = (value, index, new1, new2)
        if pick is None:
            return sorted(chosen)
        best, index, got1, got2 = pick
        chosen.append(index)


def prepare(records: Sequence[dict[str, object]]) -> list[Story]:
    """Documents and labels for every record."""
    tokenizer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)._tokenizer
    stories = []
    for record in records:
        paragraphs: list[str] = record["paragraphs"]  # type: ignore[assignment]
        document = Document.from_paragraphs(paragraphs).head(MAX_ANALYZED_SENTENCES)
        highlights = tuple(record["highlights"])  # type: ignore[arg-type]
        labels = oracle(document.sentences, highlights, tokenizer)
        tokens = [tokenizer.tokenize(sentence) for sentence in document.sentences]
        reference = tokenizer.tokenize(" ".join(highlights))
        stories.append(
            Story(
                document,
                analyze(document),
                highlights,
                frozenset(labels),
                frozenset(terms(" ".join(highlights))),
                tuple(_ngrams(t, 1) for t in tokens),
                tuple(_ngrams(t, 2) for t in tokens),
                (_ngrams(reference, 1), _ngrams(reference, 2)),
            )
        )
    return stories


def fit(rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """L2-regularized logistic regression by Newton's method (deterministic)."""
    weights = np.zeros(rows.shape[1])
    penalty = L2 * np.eye(rows.shape[1])
    for _step in range(NEWTON_STEPS):
        probability = 1.0 / (1.0 + np.exp(-(rows @ weights)))
        gradient = rows.T @ (probability - labels) + L2 * weights
        hessian = (rows * (probability * (1 - probability))[:, None]).T @ rows + penalty
        change = np.linalg.solve(hessian, gradient)
        weights -= change
        if float(np.abs(change).max()) < NEWTON_TOLERANCE:
            break
    return weights


def ridge(rows: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Ridge regression (one column of weights per target column)."""
    gram = rows.T @ rows + L2 * np.eye(rows.shape[1])
    return np.linalg.solve(gram, rows.T @ targets)


def prior_table(stories: Sequence[Story], base: float) -> dict[str, tuple[float, float]]:
    """Per-term log-odds of appearing in the highlights (vs the base rate), and log documents."""
    seen: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for story in stories:
        for term in set().union(*story.analysis.bags):
            seen[term] += 1
            kept[term] += term in story.highlight_terms
    base_odds = math.log(base / (1 - base))
    table = {}
    for term, count in seen.items():
        rate = (kept[term] + PRIOR_SMOOTHING * base) / (count + PRIOR_SMOOTHING)
        table[term] = (math.log(rate / (1 - rate)) - base_odds, math.log1p(count))
    return table


def matrices(
    stories: Sequence[Story], priors: Sequence[dict[str, tuple[float, float]]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sentence rows and labels, term rows (with the story's prior table) and labels."""
    sentence_rows, sentence_labels, term_rows, term_labels = [], [], [], []
    for story, table in zip(stories, priors, strict=True):
        analysis = story.analysis
        for index, row in enumerate(analysis.sentence_rows):
            sentence_rows.append(row)
            sentence_labels.append(1.0 if index in story.oracle else 0.0)
        for term, row in zip(analysis.terms, analysis.term_rows, strict=True):
            term_rows.append((*row, *table.get(term, (0.0, 0.0))))
            term_labels.append(1.0 if term in story.highlight_terms else 0.0)
    return (
        np.array(sentence_rows),
        np.array(sentence_labels),
        np.array(term_rows),
        np.array(term_labels),
    )


def term_base_rate(stories: Sequence[Story]) -> float:
    """Share of (story, term) pairs whose term occurs in the highlights."""
    total = hits = 0
    for story in stories:
        for term in set().union(*story.analysis.bags):
            total += 1
            hits += term in story.highlight_terms
    return hits / max(total, 1)


def _model(
    sentence: np.ndarray,
    term: np.ndarray,
    priors: dict[str, tuple[float, float]],
    gain: np.ndarray,
    summary: Sequence[float],
    pool: tuple[int, int] = (POOL_LEAD, POOL_TOP),
) -> Model:
    """A runtime Model from fitted arrays, rounded as the weights file stores them."""
    return Model(
        sentence_weights=tuple(_number(w) for w in sentence),
        term_weights=tuple(_number(w) for w in term),
        priors=priors,
        gain_weights=(
            tuple(_number(w) for w in gain[:, 0]),
            tuple(_number(w) for w in gain[:, 1]),
        ),
        summary_weights=tuple(_number(w) for w in summary),
        pool_lead=pool[0],
        pool_top=pool[1],
    )


def recall(overlap: Counter[tuple[str, ...]], reference: Counter[tuple[str, ...]]) -> float:
    """Share of the reference's n-grams found (clipped counts)."""
    return sum((overlap & reference).values()) / max(sum(reference.values()), 1)


def candidate_score(story: Story, chosen: Sequence[int]) -> float:
    """Mean of ROUGE-1 and ROUGE-2 F1 of the chosen sentences against the highlights."""
    got1: Counter[tuple[str, ...]] = Counter()
    got2: Counter[tuple[str, ...]] = Counter()
    for index in chosen:
        got1.update(story.unigrams[index])
        got2.update(story.bigrams[index])
    ref1, ref2 = story.reference
    return (
        _f1(sum((got1 & ref1).values()), sum(got1.values()), sum(ref1.values()))
        + _f1(sum((got2 & ref2).values()), sum(got2.values()), sum(ref2.values()))
    ) / 2


def train(
    stories: Sequence[Story], pool: tuple[int, int] = (POOL_LEAD, POOL_TOP)
) -> tuple[Model, dict[str, tuple[float, float]]]:
    """Fit the four models; term priors are out-of-fold (two halves) so later fits see honest
    priors. Returns the model and the full prior table to ship."""
    base = term_base_rate(stories)
    halves = (stories[0::2], stories[1::2])
    tables = (prior_table(halves[1], base), prior_table(halves[0], base))
    priors = [tables[index % 2] for index in range(len(stories))]
    sentence_x, sentence_y, term_x, term_y = matrices(stories, priors)
    sentence, term = fit(sentence_x, sentence_y), fit(term_x, term_y)
    # Gain model: each sentence's own recall, from features computed as the runtime does.
    staged = [
        _model(sentence, term, table, np.zeros((len(GAIN_FEATURES), 2)), ()) for table in tables
    ]
    gain_x, gain_y = [], []
    for index, story in enumerate(stories):
        sentence_scores, values = score(story.analysis, staged[index % 2])
        gain_x += gain_rows(story.analysis, story.document.sentences, sentence_scores, values)
        gain_y += [
            (recall(one, story.reference[0]), recall(two, story.reference[1]))
            for one, two in zip(story.unigrams, story.bigrams, strict=True)
        ]
    gain = ridge(np.array(gain_x), np.array(gain_y))
    # Summary model: rank each story's candidates as their ROUGE does (centred per story).
    staged = [_model(sentence, term, table, gain, ()) for table in tables]
    summary_x, summary_y = [], []
    for index, story in enumerate(stories):
        story_pool = build_pool(story.document, story.analysis, staged[index % 2])
        indexes = candidate_pool(story_pool, *pool, story.analysis.links.runs())
        found = list(candidates(story_pool, indexes, ORACLE_BUDGET))
        if len(found) < 2:
            continue
        rows = np.array([row for _chosen, row in found])
        targets = np.array([candidate_score(story, chosen) for chosen, _row in found])
        summary_x.append(rows - rows.mean(axis=0))
        summary_y.append(targets - targets.mean())
    summary = ridge(np.vstack(summary_x), np.concatenate(summary_y))
    full = prior_table(stories, base)
    return _model(sentence, term, full, gain, tuple(summary), pool), full


def _number(value: float) -> float:
    """A float rounded to SIGNIFICANT_DIGITS, so tiny float noise never reaches the file."""
    return float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")


def weights_json(model: Model, priors: dict[str, tuple[float, float]], stories: int) -> str:
    """The weights file's text: sorted keys, rounded numbers, one entry per line."""
    table = {
        name: [_number(shift), _number(documents)]
        for name, (shift, documents) in sorted(priors.items())
        if math.expm1(documents) >= MIN_PRIOR_DOCUMENTS
    }
    header = {
        "format": WEIGHTS_FORMAT,
        "trained_on": f"cnn-train.jsonl.gz, {stories} stories, oracle budget {ORACLE_BUDGET}",
        "sentence_features": list(SENTENCE_FEATURES),
        "sentence_weights": list(model.sentence_weights),
        "term_features": list(TERM_FEATURES),
        "term_weights": list(model.term_weights),
        "gain_features": list(GAIN_FEATURES),
        "gain_weights": [list(model.gain_weights[0]), list(model.gain_weights[1])],
        "summary_features": list(SUMMARY_FEATURES),
        "summary_weights": list(model.summary_weights),
        "pool_lead": model.pool_lead,
        "pool_top": model.pool_top,
    }
    # One line per key and per prior keeps the file small and its diffs readable.
    lines = [f"{json.dumps(key)}: {json.dumps(value)}," for key, value in sorted(header.items())]
    entries = [
        f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(value)}"
        for name, value in sorted(table.items())
    ]
    return "{\n" + "\n".join(lines) + '\n"priors": {\n' + ",\n".join(entries) + "\n}\n}\n"


def tune(stories: Sequence[Story]) -> None:
    """ROUGE of each pool setting on held-out training stories (fit on the rest)."""
    fitted, held_out = stories[:-TUNE_STORIES], stories[-TUNE_STORIES:]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    from digest.summarize import split_sentences

    print(f"tuning on {len(held_out)} held-out training stories")
    for pool in TUNE_GRID:
        model, _priors = train(fitted, pool)
        totals = Counter[str]()
        for story in held_out:
            summary = summarize_learned(story.document, ORACLE_BUDGET, model)
            result = scorer.score("\n".join(story.highlights), "\n".join(split_sentences(summary)))
            for name, value in result.items():
                totals[name] += value.fmeasure
        scores = " ".join(f"{100 * totals[n] / len(held_out):.2f}" for n in sorted(totals))
        print(f"  pool lead {pool[0]:<3} top {pool[1]:<3} R1/R2/RLsum {scores}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Prepare, fit, write the weights file (or compare settings with --tune)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tune", action="store_true", help="compare pool settings only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stories = prepare(load(args.data))
    print(f"prepared {len(stories)} stories in {time.perf_counter() - started:.0f} s", flush=True)
    if args.tune:
        tune(stories)
        return 0
    model, priors = train(stories)
    text = weights_json(model, priors, len(stories))
    temporary = args.out.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(args.out)
    print(
        f"wrote {args.out} ({len(text.encode()):,} bytes) in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
