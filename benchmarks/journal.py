"""The send journal and the suppression list through their own classes; prints a table.

What a send and the unsubscribe endpoint pay for their SQLite files, measured through the code
they run (not raw sqlite3, which `benchmarks/send.py --mode journal` shows): opening a file,
adding a list's recipients, the send's grouped commits (claims of several connections with the
outcomes that arrived since, one transaction), and one unsubscribe (one durable insert).

`--code DIR` measures another checkout's `digest` package (DIR holds `digest/`), so a change to
the storage code can be compared before and after on the same machine in the same hour. Every
figure is the median of --repeats runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Recipients per run: enough for a steady rate, few enough for a short run.
MESSAGES = 2_000
ADDED = 20_000
OPENS = 200
UNSUBSCRIBES = 200
# Claims per commit, as with 8 connections (see dispatch.py).
GROUP = 8


def _median(repeats: int, measure: Callable[[Path], float], folder: Path) -> float:
    runs = []
    for _ in range(repeats):
        run_folder = Path(tempfile.mkdtemp(dir=folder))
        runs.append(measure(run_folder))
    return statistics.median(runs)


def grouped_commits(folder: Path) -> float:
    """µs a message: claims of GROUP messages and the previous group's 250s in one commit."""
    from digest.delivery.journal import Change, Journal, State

    addresses = [f"r{n}@example.org" for n in range(MESSAGES)]
    with Journal(folder / "journal.sqlite") as journal:
        journal.add("2024-11-22", addresses)
        started = time.perf_counter()
        previous: list[str] = []
        for start in range(0, MESSAGES, GROUP):
            group = addresses[start : start + GROUP]
            changes = [Change(a, State.SENT) for a in previous]
            changes += [Change(a, State.SENDING) for a in group]
            journal.record("2024-11-22", changes)
            previous = group
        journal.record("2024-11-22", [Change(a, State.SENT) for a in previous])
        return (time.perf_counter() - started) / MESSAGES * 1e6


def adding(folder: Path) -> float:
    """µs a recipient: `add` of a list in the send's chunks (one transaction a chunk)."""
    from digest.delivery.journal import Journal

    addresses = [f"r{n}@example.org" for n in range(ADDED)]
    with Journal(folder / "journal.sqlite") as journal:
        started = time.perf_counter()
        for start in range(0, ADDED, 1_000):
            journal.add("2024-11-22", addresses[start : start + 1_000])
        return (time.perf_counter() - started) / ADDED * 1e6


def opening(folder: Path) -> float:
    """µs to open and close an existing journal (what `digest status` pays)."""
    from digest.delivery.journal import Journal

    path = folder / "journal.sqlite"
    Journal(path).close()
    started = time.perf_counter()
    for _ in range(OPENS):
        Journal(path).close()
    return (time.perf_counter() - started) / OPENS * 1e6


def unsubscribing(folder: Path) -> float:
    """µs an unsubscribe: one durable insert into an open suppression list."""
    from digest.delivery.suppression import Reason, SuppressionList

    with SuppressionList(folder / "subscribers.sqlite") as suppressions:
        started = time.perf_counter()
        for n in range(UNSUBSCRIBES):
            suppressions.add(f"u{n}@example.org", Reason.UNSUBSCRIBED)
        return (time.perf_counter() - started) / UNSUBSCRIBES * 1e6


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="where the files go (default: the temporary folder); /dev/shm takes the disk's "
        "fsync out and leaves the code's own cost",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import digest

    folder = Path(tempfile.mkdtemp(prefix="digest-journal-bench-", dir=args.folder))
    try:
        rows = [
            (f"send: {GROUP} claims + the last 250s a commit ({MESSAGES:,} msgs)", grouped_commits),
            (f"send: add {ADDED:,} recipients, 1,000 a transaction", adding),
            ("status: open and close an existing journal", opening),
            ("endpoint: one unsubscribe (open list, durable insert)", unsubscribing),
        ]
        print(
            f"digest from {Path(digest.__file__).parent}, files in {folder.parent}; "
            f"medians of {args.repeats} runs"
        )
        print()
        print(f"| {'operation':<62} | {'µs each':>9} |\n|{'-' * 64}|{'-' * 11}|")
        for label, measure in rows:
            print(f"| {label:<62} | {_median(args.repeats, measure, folder):>9.1f} |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
