"""Bylines and publication times on the 88 real pages, as the HTML reader gives them.

Bylines: every page's author, and the ones that still hold a job title, a date, a digit or an
all-capitals word (the bar: none). Times: the reader's choice against htmldate's (original
date, extensive search off), each checked against the day written in the page's URL
(/2019/11/19/), the only truth the data set has about dates (a zoned time matches when it
falls on that day in some zone); and how many give a time with a known UTC offset.

    python benchmarks/metadata.py [--data ../shared/realworld/articles]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leads import DEFAULT_DATA, read_pages

from digest.sources.readers.bylines import AGENCIES, MONTHS_AND_DAYS, TITLE_WORDS

# The UTC offsets of the world, in hours.
ZONES = range(-12, 15)
_URL_DAY = re.compile(r"/(20\d\d)[/-](\d\d)[/-](\d\d)(?:/|-|\b)")


def byline_problem(author: str) -> str | None:
    """What is wrong with a byline a person would not print, or None."""
    if re.sub(r"[\W_]+", "", author.casefold()) in AGENCIES:
        return None  # "Associated Press": an agency's credit, printed as such
    words = re.findall(r"[^\W\d_]+|\d+", author)
    if any(word.isdigit() for word in words):
        return "digit"
    if any(word.casefold() in MONTHS_AND_DAYS for word in words):
        return "date"
    if any(word.casefold() in TITLE_WORDS for word in words):
        return "job title or desk"
    if any(len(word) > 3 and word.isupper() for word in words):
        return "all capitals"
    return None


def url_day(url: str) -> str | None:
    """The YYYY-MM-DD a page's URL holds, if any."""
    match = _URL_DAY.search(url)
    return "-".join(match.groups()) if match else None


def main(argv: list[str] | None = None) -> int:
    """Print the byline check and the time comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    from htmldate import find_date

    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    _bodies, articles = read_pages(args.data)
    problems = []
    named = 0
    ours = {"day": 0, "wrong": 0, "timed+zone": 0, "ms": 0.0}
    theirs = {"day": 0, "wrong": 0, "timed+zone": 0, "ms": 0.0}
    with_day = 0
    for page_id, article in articles.items():
        if isinstance(article, str):
            continue
        if article.author:
            named += 1
            problem = byline_problem(article.author)
            if problem:
                problems.append((page_id[:12], article.author, problem))
        expected = url_day(truth[page_id].get("url", ""))
        html = gzip.decompress((args.data / "html" / f"{page_id}.html.gz").read_bytes())
        started = time.perf_counter()
        found = find_date(
            html.decode("utf-8", "replace"),
            original_date=True,
            extensive_search=False,
            outputformat="%Y-%m-%dT%H:%M:%S%z",
        )
        theirs["ms"] += 1000 * (time.perf_counter() - started)
        if found and re.search(r"[+-]\d{4}$", found):
            theirs["timed+zone"] += 1
        if article.published is not None and not article.date_only:
            ours["timed+zone"] += 1
        if expected is None:
            continue
        with_day += 1
        # A zoned time is an instant: it matches when it falls on the URL's day in some zone
        # (a US evening story written in UTC is on the next day in London).
        days = set()
        if article.published is not None:
            days = {(article.published + timedelta(hours=h)).date().isoformat() for h in ZONES}
            days = days if not article.date_only else {article.published.date().isoformat()}
        for tally, values in ((ours, days), (theirs, {found[:10]} if found else set())):
            if expected in values:
                tally["day"] += 1
            elif values:
                tally["wrong"] += 1
    print(f"pages={len(articles)}  bylines={named}  bylines a person would not print:")
    for page_id, author, problem in problems:
        print(f"  {page_id} {author!r}: {problem}")
    if not problems:
        print("  none")
    print(f"\ntimes (pages whose URL holds a day: {with_day})")
    print(f"{'reader':<14}{'day = URL':>10}{'day wrong':>10}{'timed+zone':>11}")
    for name, tally in (("digest", ours), ("htmldate", theirs)):
        print(f"{name:<14}{tally['day']:>10}{tally['wrong']:>10}{tally['timed+zone']:>11}")
    print(f"htmldate ms per page: {theirs['ms'] / max(len(articles), 1):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
