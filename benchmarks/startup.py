"""Whole-process start-up: `digest build` of the sample beside `python -c pass`.

Runs each command `--runs` times, interleaved so that load from elsewhere on the machine hits
all of them alike, and prints medians and each one's ratio to `python -c pass` (the machine's
own start-up; the ratio is what carries over between machines). Measured:

- `python -c pass`, and `digest --help` (the command line alone);
- `digest build` with the disk caches warm: compiled templates, and the reads and summaries
  of the last build of the same edition (as when nothing changed since);
- `digest build` after one article file was edited (the editor's loop: that article is read
  and summarized again, the rest comes from the saved build cache);
- `digest build` with no disk cache (DIGEST_DISK_CACHE=0: templates compiled, every article
  read and summarized, every time);
- with `--compare DIR` (a checkout of another revision, e.g. `git worktree add /tmp/base
  main`), that revision's `digest build`, run by this same Python, for a before/after ratio.

Then one `python -X importtime` run of `digest build` shows where the imports go: the
largest top-level packages by cumulative import time.

    python benchmarks/startup.py [--runs 15] [--compare DIR] [--imports 12]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
SAMPLE_EDITION = SAMPLE / "editions" / "2024-11-22.toml"
EDITED_ARTICLE = Path("articles") / "cop29-overtime.txt"
TARGET_MS = 300.0  # issue 16: a whole `digest build` of the sample
# What the `digest` console script runs (`main` for a revision from before `run`).
CLI = "import digest.cli as cli; getattr(cli, 'run', cli.main)()"
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


@dataclass
class Command:
    """One process to time, and what to do before each run (not timed)."""

    argv: list[str]
    env: dict[str, str]
    before: Callable[[], None] | None = None


def run_once(command: Command, cwd: Path) -> float:
    """Wall-clock milliseconds of one process, which must succeed."""
    if command.before is not None:
        command.before()
    argv = command.argv
    start = perf_counter()
    done = subprocess.run(argv, env=command.env, cwd=cwd, capture_output=True, check=False)
    elapsed = (perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]}... failed:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def commands(scratch: Path, compare: Path | None) -> dict[str, Command]:
    """name -> command, in the order they are run and printed."""
    python = sys.executable
    build = ["build", str(SAMPLE_EDITION), "--out", str(scratch / "out")]
    base = {**os.environ, "DIGEST_CACHE_DIR": str(scratch / "cache")}
    copy = scratch / "greenwatch"
    shutil.copytree(SAMPLE, copy, ignore=shutil.ignore_patterns("out"))
    article, text, edits = (
        copy / EDITED_ARTICLE,
        (copy / EDITED_ARTICLE).read_text(),
        itertools.count(),
    )

    def edit_article() -> None:
        article.write_text(text.replace("\n\n", f"\n\nEdit {next(edits)}.\n\n", 1), "utf-8")

    edited = ["build", str(copy / "editions" / SAMPLE_EDITION.name), "--out", str(copy / "out")]
    table = {
        "python -c pass": Command([python, "-c", "pass"], base),
        "digest --help": Command([python, "-c", CLI, "--help"], base),
        "digest build": Command([python, "-c", CLI, *build], base),
        "digest build, 1 article edited": Command([python, "-c", CLI, *edited], base, edit_article),
        "digest build, no disk cache": Command(
            [python, "-c", CLI, *build], {**base, "DIGEST_DISK_CACHE": "0"}
        ),
    }
    if compare is not None:
        path = os.pathsep.join(filter(None, [str(compare), os.environ.get("PYTHONPATH")]))
        table[f"digest build ({compare.name})"] = Command(
            [python, "-c", CLI, *build], {**base, "PYTHONPATH": path}
        )
    return table


def measure(table: dict[str, Command], runs: int, cwd: Path) -> dict[str, list[float]]:
    """Every command once per round (after one warm-up round), `runs` rounds.

    Run from `cwd`, outside any checkout: `python -c` puts the working folder first on
    sys.path, which would shadow both the installed digest and `--compare`.
    """
    samples: dict[str, list[float]] = {name: [] for name in table}
    for round_number in range(runs + 1):
        for name, command in table.items():
            elapsed = run_once(command, cwd)
            if round_number:
                samples[name].append(elapsed)
    return samples


def import_breakdown(command: Command, cwd: Path, count: int) -> list[tuple[str, float]]:
    """The `count` top-level packages that take longest to import, cumulative ms."""
    argv = [command.argv[0], "-X", "importtime", *command.argv[1:]]
    done = subprocess.run(argv, env=command.env, cwd=cwd, capture_output=True, text=True)
    totals: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and len(match.group(3)) == 1:  # one space of indent: imported by the program
            totals[match.group(4).split(".")[0]] += int(match.group(2))
    return [(name, micros / 1000) for name, micros in totals.most_common(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds measured (median)")
    parser.add_argument("--compare", type=Path, help="a checkout of another revision")
    parser.add_argument("--imports", type=int, default=12, help="packages in the breakdown")
    args = parser.parse_args()
    compare = args.compare.resolve() if args.compare else None
    if compare is not None and not (compare / "digest" / "cli").is_dir():
        raise SystemExit(f"{compare} is not a digest checkout (no digest/cli/)")

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        table = commands(folder, compare)
        samples = measure(table, max(3, args.runs), folder)
        breakdown = import_breakdown(table["digest build, 1 article edited"], folder, args.imports)

    baseline = statistics.median(samples["python -c pass"])
    print(f"whole-process times, {max(3, args.runs)} interleaved rounds; medians in ms")
    header = ["command", "median", "min", "max", "x pass", "minus pass"]
    widths = [30, 8, 8, 8, 8, 10]
    print(" | ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for name, values in samples.items():
        median = statistics.median(values)
        cells = [
            name,
            f"{median:.0f}",
            f"{min(values):.0f}",
            f"{max(values):.0f}",
            f"{median / baseline:.1f}",
            f"{median - baseline:.0f}",
        ]
        print(" | ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    build = statistics.median(samples["digest build"])
    verdict = "meets" if build <= TARGET_MS else "MISSES"
    print(f"digest build median {build:.0f} ms {verdict} the {TARGET_MS:.0f} ms target")
    if compare is not None:
        before = statistics.median(samples[f"digest build ({compare.name})"])
        print(f"against {compare}: {before:.0f} -> {build:.0f} ms ({before / build:.2f}x faster)")
    print()
    print("imports of one `digest build` after an edit (cumulative ms, one run, -X importtime)")
    for name, ms in breakdown:
        print(f"{name:>30} | {ms:8.1f}")


if __name__ == "__main__":
    main()
