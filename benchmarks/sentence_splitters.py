"""Compare sentence splitters on the test table (accuracy), CNN prose (speed) and install size."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_sentences import CASES  # noqa: E402

from digest.summarize.sentences import split_sentences  # noqa: E402

Splitter = Callable[[str], list[str]]
DEFAULT_DATA = Path("/work/shared/realworld/summaries/cnn-dev.jsonl")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")


def per_paragraph(split: Splitter) -> Splitter:
    """Apply a library splitter the way digest does: blank lines are hard breaks."""

    def run(text: str) -> list[str]:
        out: list[str] = []
        for paragraph in _PARAGRAPH_BREAK.split(text):
            flat = _SPACE.sub(" ", paragraph).strip()
            if flat:
                out.extend(s.strip() for s in split(flat) if s.strip())
        return out

    return run


def load_splitters() -> dict[str, tuple[Splitter, str | None]]:
    """Name -> (splitter, PyPI distribution or None for ours)."""
    import blingfire
    import nupunkt
    import pysbd
    import syntok.segmenter

    segmenter = pysbd.Segmenter(language="en", clean=False)

    def syntok_split(text: str) -> list[str]:
        return [
            "".join(t.spacing + t.value for t in sentence).strip()
            for paragraph in syntok.segmenter.process(text)
            for sentence in paragraph
        ]

    def blingfire_split(text: str) -> list[str]:
        return str(blingfire.text_to_sentences(text)).split("\n")

    def nupunkt_split(text: str) -> list[str]:
        return [str(s) for s in nupunkt.sent_tokenize(text)]

    def pysbd_split(text: str) -> list[str]:
        return [str(s) for s in segmenter.segment(text)]

    return {
        "digest rules": (split_sentences, None),
        "nupunkt": (per_paragraph(nupunkt_split), "nupunkt"),
        "pysbd": (per_paragraph(pysbd_split), "pysbd"),
        "syntok": (per_paragraph(syntok_split), "syntok"),
        "blingfire": (per_paragraph(blingfire_split), "blingfire"),
    }


def install_kib(distribution: str | None) -> float:
    """Installed size of a distribution's files (KiB); 0 for code that ships with digest."""
    if distribution is None:
        return 0.0
    dist = importlib.metadata.distribution(distribution)
    total = 0
    for file in dist.files or []:
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total / 1024


def main() -> None:
    """Print the comparison table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--failures", action="store_true", help="show each splitter's misses")
    args = parser.parse_args()
    paragraphs = [
        p for line in args.data.read_text().splitlines() for p in json.loads(line)["paragraphs"]
    ]
    rows = []
    for name, (split, distribution) in load_splitters().items():
        misses = [(text, split(text)) for text, expected in CASES if split(text) != expected]
        start = time.perf_counter()
        for paragraph in paragraphs:
            split(paragraph)
        elapsed = time.perf_counter() - start
        rows.append(
            {
                "splitter": name,
                "correct": len(CASES) - len(misses),
                "cases": len(CASES),
                "us_per_paragraph": 1e6 * elapsed / len(paragraphs),
                "install_kib": install_kib(distribution),
                "version": importlib.metadata.version(distribution) if distribution else "-",
            }
        )
        if args.failures:
            for text, got in misses:
                print(f"[{name}] {text!r}\n    -> {got!r}")
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'splitter':<14}{'version':>9}{'correct':>12}{'µs/para':>10}{'install KiB':>13}")
    for row in rows:
        print(
            f"{row['splitter']:<14}{row['version']:>9}"
            f"{row['correct']:>6}/{row['cases']:<5}{row['us_per_paragraph']:>10.1f}"
            f"{row['install_kib']:>13.0f}"
        )


if __name__ == "__main__":
    main()
