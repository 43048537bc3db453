"""ROUGE of every summary method against human highlights, within a character budget."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rouge_score import rouge_scorer

from digest.summarize import METHODS, split_sentences, summarize
from digest.summarize.document import Document
from digest.summarize.lead import lead_n

DEFAULT_DATA = Path("/work/shared/realworld/summaries/cnn-dev.jsonl")
DEFAULT_MAX_CHARS = 350
LEAD3 = "lead-3 (unbudgeted)"
ORACLE = "greedy oracle"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")


@dataclass(frozen=True, slots=True)
class Record:
    """One story and its human highlights."""

    paragraphs: tuple[str, ...]
    highlights: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """Scores of one method on one subset of the stories."""

    method: str
    subset: str
    stories: int
    rouge1: float
    rouge2: float
    rouge_lsum: float
    mean_chars: float
    ms_per_article: float
    over_budget: int
    foreign_words: int  # summaries with a word that is not in the article


def load(path: Path) -> list[Record]:
    """Read the JSON-lines file."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            records.append(Record(tuple(data["paragraphs"]), tuple(data["highlights"])))
    return records


def run(method: str, records: Sequence[Record], max_chars: int) -> tuple[list[str], float]:
    """Summaries for every record and the median milliseconds per article."""
    make: Callable[[Record], str]
    if method == LEAD3:

        def make(record: Record) -> str:
            return lead_n(Document.from_paragraphs(record.paragraphs), 3)

    elif method == ORACLE:
        from train_summarizer import ORACLE_BUDGET, oracle

        assert max_chars == ORACLE_BUDGET, "the oracle is drawn at the training budget"
        tokenizer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)._tokenizer

        def make(record: Record) -> str:
            document = Document.from_paragraphs(record.paragraphs)
            chosen = oracle(document.sentences, record.highlights, tokenizer)
            return " ".join(document.sentences[i] for i in chosen)

    else:

        def make(record: Record) -> str:
            return summarize(record.paragraphs, max_chars, method)

    for record in records[:5]:  # warm caches and imports before timing
        make(record)
    summaries, times = [], []
    for record in records:
        start = time.perf_counter()
        summaries.append(make(record))
        times.append(1000 * (time.perf_counter() - start))
    return summaries, statistics.median(times) if times else 0.0


def score(
    method: str,
    subset: str,
    records: Sequence[Record],
    summaries: Sequence[str],
    ms: float,
    max_chars: int,
) -> Row:
    """Mean ROUGE F1 (x100) of summaries against highlights."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for record, summary in zip(records, summaries, strict=True):
        target = "\n".join(record.highlights)
        prediction = "\n".join(split_sentences(summary))
        result = scorer.score(target, prediction)
        for kind in ROUGE_TYPES:
            totals[kind] += result[kind].fmeasure
    count = max(len(records), 1)
    return Row(
        method=method,
        subset=subset,
        stories=len(records),
        rouge1=100 * totals["rouge1"] / count,
        rouge2=100 * totals["rouge2"] / count,
        rouge_lsum=100 * totals["rougeLsum"] / count,
        mean_chars=statistics.fmean(len(s) for s in summaries) if summaries else 0.0,
        ms_per_article=ms,
        over_budget=sum(len(s) > max_chars for s in summaries) if method != LEAD3 else 0,
        foreign_words=sum(
            bool(_words(summary) - _words(" ".join(record.paragraphs)))
            for record, summary in zip(records, summaries, strict=True)
        ),
    )


def _words(text: str) -> set[str]:
    """The words of a text, case-folded (the "…" a shortened sentence ends with is no word)."""
    return set(_WORD.findall(text.casefold()))


def main() -> None:
    """Print a table of ROUGE per method (all stories, tuning half, held-out half)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    parser.add_argument("--method", choices=sorted(METHODS), help="only this method (and lead-3)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-oracle", action="store_true", help="skip the greedy oracle row")
    args = parser.parse_args()
    records = load(args.data)
    # The learned method is trained and tuned on cnn-train only; this file is never used for
    # tuning. The halves are shown to give a feel for the noise of 200 stories.
    subsets = {"all": records, "even": records[0::2], "odd": records[1::2]}
    methods = [args.method] if args.method else list(METHODS)
    rows: list[Row] = []
    extra = [LEAD3] if args.no_oracle or args.max_chars != DEFAULT_MAX_CHARS else [LEAD3, ORACLE]
    for method in [*methods, *extra]:
        summaries, ms = run(method, records, args.max_chars)
        picked = {"all": summaries, "even": summaries[0::2], "odd": summaries[1::2]}
        for subset, chosen in subsets.items():
            rows.append(score(method, subset, chosen, picked[subset], ms, args.max_chars))
    if args.json:
        print(json.dumps([_asdict(row) for row in rows], indent=2))
        return
    print(f"max_chars={args.max_chars}  data={args.data.name}  stories={len(records)}")
    header = f"{'method':<22}{'subset':<10}{'R-1':>7}{'R-2':>7}{'R-Lsum':>8}"
    print(header + f"{'chars':>8}{'ms(med)':>8}{'over':>6}{'foreign':>9}")
    for row in rows:
        print(
            f"{row.method:<22}{row.subset:<10}{row.rouge1:>7.2f}{row.rouge2:>7.2f}"
            f"{row.rouge_lsum:>8.2f}{row.mean_chars:>8.0f}{row.ms_per_article:>8.2f}"
            f"{row.over_budget:>6}{row.foreign_words:>9}"
        )


def _asdict(row: Row) -> dict[str, object]:
    """A Row as a JSON-ready dict (slots dataclasses have no __dict__)."""
    return {name: getattr(row, name) for name in Row.__dataclass_fields__}


if __name__ == "__main__":
    main()
