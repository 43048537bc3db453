"""ROUGE of every summary method against human highlights, along every path a story takes.

Each method is scored on the library call (`summarize(paragraphs)`) and on the paths a user
takes (see reader_paths.py): page text piped to `digest summarize -`, a saved HTML page, a
Markdown article and a feed entry, each read by its reader and summarized by the function the
CLI and the build call. A gap between a path and the library call is a bug in that path.

Besides ROUGE the table counts, per path, how many summaries start with the story's first
sentence ("opening"), open with a word that points back at text left out ("backref") or
still carry a dateline ("dateline").

    python benchmarks/summaries.py [--paths library,pagetext,...] [--cli] [--halves]

`--cli` adds the page-text path through the installed console script in a subprocess (slow:
one process per story); the `pagetext` row runs the exact function that command calls.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reader_paths import CLI, LIBRARY, PAGETEXT, PATHS, maker, run_cli
from rouge_score import rouge_scorer

from digest.summarize import DEFAULT_METHOD, METHODS, split_sentences
from digest.summarize.cleanup import strip_dateline
from digest.summarize.coherence import BACK_REFERENCES, CONNECTIVES, opening
from digest.summarize.document import Document
from digest.summarize.lead import lead_n

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "summaries"
DEFAULT_DATA = DEFAULT_DATA / "cnn-dev.jsonl"
DEFAULT_MAX_CHARS = 350
LEAD3 = "lead-3 (unbudgeted)"
ORACLE = "greedy oracle"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
# A summary keeps the story's opening when it starts with this many characters of its first
# sentence (letters and digits only): enough to be that sentence, short enough for a cut one.
OPENING_PROBE_CHARS = 40
# Words a summary must never open with: they point back at a sentence the reader never saw.
BACK_WORDS = BACK_REFERENCES | CONNECTIVES


@dataclass(frozen=True, slots=True)
class Record:
    """One story, its human highlights, and the headline its pages are given."""

    paragraphs: tuple[str, ...]
    highlights: tuple[str, ...]
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    """Scores of one method along one path on one subset of the stories."""

    method: str
    path: str
    subset: str
    stories: int
    rouge1: float
    rouge2: float
    rouge_lsum: float
    mean_chars: float
    ms_per_article: float
    over_budget: int
    foreign_words: int  # summaries with a word that is not in the article
    keeps_opening: int  # summaries that start with the story's first sentence
    back_reference: int  # summaries whose first word points back (He, But, Also, ...)
    dateline: int  # summaries that still start with a dateline ("(CNN) --", "LONDON -")


def load(path: Path) -> list[Record]:
    """Read the JSON-lines file. The headline is neutral (the story's id), so no path gets
    words the library call does not: CNN stories come without their headlines."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            title = "Story " + str(data.get("id", len(records))).removesuffix(".story")
            records.append(Record(tuple(data["paragraphs"]), tuple(data["highlights"]), title))
    return records


def run(
    method: str, records: Sequence[Record], max_chars: int, path: str = LIBRARY
) -> tuple[list[str], float]:
    """Summaries for every record along `path` and the median milliseconds per article."""
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

    elif path == CLI:
        folder = Path(tempfile.mkdtemp(prefix="digest-bench-"))

        def make(record: Record) -> str:
            return run_cli(record.paragraphs, max_chars, method, folder)

    else:
        summarize_along = maker(path, max_chars, method)

        def make(record: Record) -> str:
            return summarize_along(record.paragraphs, record.title)

    warm = 1 if path == CLI else 5
    for record in records[:warm]:  # warm caches and imports before timing
        make(record)
    summaries, times = [], []
    for record in records:
        start = time.perf_counter()
        summaries.append(make(record))
        times.append(1000 * (time.perf_counter() - start))
    return summaries, statistics.median(times) if times else 0.0


def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def first_sentence(record: Record) -> str:
    """The story's opening: the first sentence of its cleaned text."""
    sentences = Document.from_paragraphs(record.paragraphs).sentences
    return sentences[0] if sentences else ""


def keeps_opening(summary: str, opening_sentence: str) -> bool:
    """True when the summary starts with the story's first sentence."""
    probe = _key(opening_sentence)[:OPENING_PROBE_CHARS]
    return bool(probe) and _key(summary).startswith(probe)


def opens_with_back_reference(summary: str) -> bool:
    """True when the summary's first word points back ("He", "But", "Also", "These")."""
    first, _second = opening(summary)
    return first in BACK_WORDS


def opens_with_dateline(summary: str) -> bool:
    """True when the summary starts with a dateline the cleanup would remove."""
    return strip_dateline(summary) != summary


def score(
    method: str,
    path: str,
    subset: str,
    records: Sequence[Record],
    summaries: Sequence[str],
    ms: float,
    max_chars: int,
) -> Row:
    """Mean ROUGE F1 (x100) of summaries against highlights, and the opening counts."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for record, summary in zip(records, summaries, strict=True):
        target = "\n".join(record.highlights)
        prediction = "\n".join(split_sentences(summary))
        result = scorer.score(target, prediction)
        for kind in ROUGE_TYPES:
            totals[kind] += result[kind].fmeasure
    count = max(len(records), 1)
    pairs = list(zip(records, summaries, strict=True))
    return Row(
        method=method,
        path=path,
        subset=subset,
        stories=len(records),
        rouge1=100 * totals["rouge1"] / count,
        rouge2=100 * totals["rouge2"] / count,
        rouge_lsum=100 * totals["rougeLsum"] / count,
        mean_chars=statistics.fmean(len(s) for s in summaries) if summaries else 0.0,
        ms_per_article=ms,
        over_budget=sum(len(s) > max_chars for s in summaries) if method != LEAD3 else 0,
        foreign_words=sum(
            bool(_words(summary) - _words(" ".join(record.paragraphs))) for record, summary in pairs
        ),
        keeps_opening=sum(keeps_opening(s, first_sentence(r)) for r, s in pairs),
        back_reference=sum(opens_with_back_reference(s) for s in summaries),
        dateline=sum(opens_with_dateline(s) for s in summaries),
    )


def _words(text: str) -> set[str]:
    """The words of a text, case-folded (the "…" a shortened sentence ends with is no word)."""
    return set(_WORD.findall(text.casefold()))


def main() -> None:
    """Print a table of ROUGE per method and path (with --halves, per half as well)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    parser.add_argument("--method", choices=sorted(METHODS), help="only this method (and lead-3)")
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated paths")
    parser.add_argument("--cli", action="store_true", help="add the console script (slow)")
    parser.add_argument("--halves", action="store_true", help="also score each half")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-oracle", action="store_true", help="skip the greedy oracle row")
    args = parser.parse_args()
    records = load(args.data)
    paths = [path for path in args.paths.split(",") if path]
    unknown = set(paths) - set(PATHS)
    if unknown:
        parser.error(f"unknown path(s) {sorted(unknown)}; choose from {', '.join(PATHS)}")
    # The learned method is trained and tuned on cnn-train only; this file is never used for
    # tuning. The halves give a feel for the noise of 200 stories.
    subsets: dict[str, Sequence[Record]] = {"all": records}
    if args.halves:
        subsets |= {"even": records[0::2], "odd": records[1::2]}
    methods = [args.method] if args.method else list(METHODS)
    plan = [(method, path) for method in methods for path in paths]
    if args.cli:
        plan.append((args.method or DEFAULT_METHOD, CLI))
    extra = [LEAD3] if args.no_oracle or args.max_chars != DEFAULT_MAX_CHARS else [LEAD3, ORACLE]
    plan += [(method, LIBRARY) for method in extra]
    rows: list[Row] = []
    outputs: dict[tuple[str, str], list[str]] = {}
    for method, path in plan:
        summaries, ms = run(method, records, args.max_chars, path)
        outputs[method, path] = summaries
        for subset, chosen in subsets.items():
            picked = summaries if subset == "all" else summaries[subset == "odd" :: 2]
            rows.append(score(method, path, subset, chosen, picked, ms, args.max_chars))
    if args.json:
        print(json.dumps([_asdict(row) for row in rows], indent=2))
        return
    print(f"max_chars={args.max_chars}  data={args.data.name}  stories={len(records)}")
    header = f"{'method':<20}{'path':<10}{'subset':<7}{'R-1':>7}{'R-2':>7}{'R-Lsum':>8}"
    print(
        header + f"{'chars':>6}{'ms(med)':>8}{'over':>5}{'foreign':>8}"
        f"{'opening':>8}{'backref':>8}{'dateline':>9}"
    )
    for row in rows:
        print(
            f"{row.method:<20}{row.path:<10}{row.subset:<7}{row.rouge1:>7.2f}{row.rouge2:>7.2f}"
            f"{row.rouge_lsum:>8.2f}{row.mean_chars:>6.0f}{row.ms_per_article:>8.2f}"
            f"{row.over_budget:>5}{row.foreign_words:>8}{row.keeps_opening:>8}"
            f"{row.back_reference:>8}{row.dateline:>9}"
        )
    _report_gaps(outputs, records)


def _report_gaps(outputs: dict[tuple[str, str], list[str]], records: Sequence[Record]) -> None:
    """Stories where a path's summary differs from the library call's, and the CLI check."""
    for (method, path), summaries in outputs.items():
        library = outputs.get((method, LIBRARY))
        if path == LIBRARY or library is None:
            continue
        differ = sum(a != b for a, b in zip(summaries, library, strict=True))
        print(f"{method} {path}: {differ} of {len(records)} summaries differ from the library's")
        lost = sum(
            keeps_opening(lib, first_sentence(r)) and not keeps_opening(got, first_sentence(r))
            for r, got, lib in zip(records, summaries, library, strict=True)
        )
        print(f"  the library's summary keeps the opening and this one does not: {lost}")
    lead, default = outputs.get(("lead", LIBRARY)), outputs.get((DEFAULT_METHOD, PAGETEXT))
    if lead is not None and default is not None:
        lost = sum(
            keeps_opening(by_lead, first_sentence(r)) and not keeps_opening(got, first_sentence(r))
            for r, got, by_lead in zip(records, default, lead, strict=True)
        )
        print(f"lead keeps the opening, {DEFAULT_METHOD} through page text does not: {lost}")
    cli = next(((m, p) for m, p in outputs if p == CLI), None)
    if cli is not None and (cli[0], PAGETEXT) in outputs:
        same = outputs[cli] == outputs[cli[0], PAGETEXT]
        print(f"console script == in-process page-text path for {cli[0]}: {same}")


def _asdict(row: Row) -> dict[str, object]:
    """A Row as a JSON-ready dict (slots dataclasses have no __dict__)."""
    return {name: getattr(row, name) for name in Row.__dataclass_fields__}


if __name__ == "__main__":
    main()
