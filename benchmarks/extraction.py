"""Extraction quality of the HTML reader on real pages: word 4-gram shingle precision/recall/F1."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

from digest.errors import SourceError
from digest.sources.readers import ReadContext
from digest.sources.readers.html import read

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "articles"
# The article-extraction benchmark's measure: word shingles of this many tokens.
SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Word 4-gram multiset of `text` (lower case, punctuation ignored)."""
    words = _TOKEN.findall(text.lower())
    if len(words) < SHINGLE_SIZE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE_SIZE]) for i in range(len(words) - SHINGLE_SIZE + 1))


def precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    """Shingle precision and recall of one page (empty on both sides counts as perfect)."""
    got, want = shingles(predicted), shingles(truth)
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else (1.0 if not want else 0.0)
    recall = common / sum(want.values()) if want else 1.0
    return precision, recall


def main(argv: list[str] | None = None) -> int:
    """Run the reader over every page, print the table, list the worst pages."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--worst", type=int, default=5, help="list the N worst pages")
    args = parser.parse_args(argv)
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    context = ReadContext(tz=UTC)
    precisions, recalls, failed, rows = [], [], [], []
    elapsed = 0.0
    for page_id, entry in sorted(truth.items()):
        path = args.data / "html" / f"{page_id}.html.gz"
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            article = read(data, origin=entry.get("url") or str(path), context=context)
            text = "\n\n".join(article.body)
        except SourceError as error:
            failed.append(f"{page_id[:12]}: {error}")
            text = ""
        elapsed += time.perf_counter() - started
        precision, recall = precision_recall(text, entry.get("articleBody", ""))
        precisions.append(precision)
        recalls.append(recall)
        rows.append((precision, recall, page_id))
    mean_p, mean_r = statistics.fmean(precisions), statistics.fmean(recalls)
    f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    print(f"{'pages':<14}{len(truth):>8}")
    print(f"{'F1':<14}{f1:>8.3f}")
    print(f"{'precision':<14}{mean_p:>8.3f}")
    print(f"{'recall':<14}{mean_r:>8.3f}")
    print(f"{'failed':<14}{len(failed):>8}")
    print(f"{'ms per page':<14}{1000 * elapsed / len(truth):>8.1f}")
    for line in failed:
        print(f"  failed {line}")
    if args.worst:
        print("worst pages (precision, recall):")
        for precision, recall, page_id in sorted(rows, key=lambda r: min(r[0], r[1]))[: args.worst]:
            print(f"  {precision:.2f} {recall:.2f} {page_id}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
