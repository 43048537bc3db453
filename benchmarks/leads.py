"""True leads on real pages: does the summary start where the story starts?

For every page of the article-extraction benchmark (../shared/realworld/articles), read it
with the HTML reader, summarize it as `digest summarize PAGE` and the build do (`summary_of`),
and find the summary's first sentence in the body a person marked (ground-truth.json). A page
passes when that sentence starts in the first fifth of the marked body. Prints the pass rate
per method and lists the misses.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.errors import SourceError
from digest.models import Article
from digest.sources.extract import summary_of
from digest.sources.readers import ReadContext
from digest.sources.readers.html import read
from digest.summarize import DEFAULT_METHOD, METHODS, split_sentences

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "articles"
DEFAULT_MAX_CHARS = 350
# The summary's first sentence must start within this share of the marked body.
LEAD_SHARE = 0.2
# A sentence is found by its first characters (punctuation and case ignored): enough to be
# unique, short enough to survive small differences in how the page and the marking split it.
PROBE_CHARS = 60
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PageResult:
    """Where one page's summary starts in the marked body (None: not found in it)."""

    page_id: str
    share: float | None
    first_sentence: str

    @property
    def passed(self) -> bool:
        """True when the first sentence starts within LEAD_SHARE of the body."""
        return self.share is not None and self.share <= LEAD_SHARE


def _key(text: str) -> str:
    """Letters and digits only, lower case, words separated by one space."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def locate(sentence: str, body: str) -> float | None:
    """Offset of the sentence in the body as a share of the body's length (None: absent)."""
    haystack = _key(body)
    probe = _key(sentence)[:PROBE_CHARS]
    if not probe or not haystack:
        return None
    at = haystack.find(probe)
    if at < 0:
        return None
    return at / len(haystack)


def read_pages(data: Path) -> tuple[dict[str, str], dict[str, Article | str]]:
    """The marked bodies, and each page read (or the reason it could not be)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    context = ReadContext(tz=UTC)
    bodies: dict[str, str] = {}
    articles: dict[str, Article | str] = {}
    for page_id, entry in sorted(truth.items()):
        bodies[page_id] = entry.get("articleBody", "")
        path = data / "html" / f"{page_id}.html.gz"
        try:
            articles[page_id] = read(
                path.read_bytes(), origin=entry.get("url") or str(path), context=context
            )
        except SourceError as error:
            articles[page_id] = error.message
    return bodies, articles


def evaluate(
    method: str, bodies: dict[str, str], articles: dict[str, Article | str], max_chars: int
) -> tuple[list[PageResult], float]:
    """Every page's result for one method, and milliseconds per page spent summarizing."""
    results: list[PageResult] = []
    elapsed = 0.0
    for page_id, article in articles.items():
        if isinstance(article, str):
            results.append(PageResult(page_id, None, f"(not read: {article})"))
            continue
        started = time.perf_counter()
        summary = summary_of(article, max_chars, method) or ""  # what `digest summarize` prints
        elapsed += time.perf_counter() - started
        sentences = split_sentences(summary)
        first = sentences[0] if sentences else ""
        results.append(PageResult(page_id, locate(first, bodies[page_id]), first))
    return results, 1000 * elapsed / max(len(articles), 1)


def main(argv: list[str] | None = None) -> int:
    """Print the pass rate of every method and the misses of the default one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    parser.add_argument("--misses", default=DEFAULT_METHOD, help="list the misses of this method")
    args = parser.parse_args(argv)
    bodies, articles = read_pages(args.data)
    print(f"pages={len(articles)}  max_chars={args.max_chars}  lead share<={LEAD_SHARE:.0%}")
    print(f"{'method':<12}{'pass':>6}{'miss':>6}{'rate':>8}{'ms/page':>9}")
    misses: list[PageResult] = []
    for method in METHODS:
        results, ms = evaluate(method, bodies, articles, args.max_chars)
        passed = sum(result.passed for result in results)
        print(
            f"{method:<12}{passed:>6}{len(results) - passed:>6}"
            f"{passed / len(results):>8.1%}{ms:>9.2f}"
        )
        if method == args.misses:
            misses = [result for result in results if not result.passed]
    print(f"misses of {args.misses}:")
    for miss in misses:
        where = "not in the body" if miss.share is None else f"at {miss.share:.0%}"
        print(f"  {miss.page_id[:12]} {where}: {miss.first_sentence[:90]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
