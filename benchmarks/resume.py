"""SIGKILL a big send at a random point, run it again, count copies per recipient.

`digest send` of the sample edition to 100,000 recipients over 8 connections, into a counting
SMTP server on 127.0.0.1; the process is killed with SIGKILL once a random number of messages
(between 10% and 90% of the list) has arrived, then the same command runs again to the end.
Bars: 0 recipients missing, at most 8 duplicates (one per connection). Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The sibling script, imported by its folder: pysbd (a bench extra) installs a package named
# `benchmarks` that would shadow this folder.
from recipients import SECRET, publication, write_list  # noqa: E402

from tests.sink import free_port, wait_for_port  # noqa: E402

RECIPIENTS = 100_000
CONNECTIONS = 8
RUN_TIMEOUT = 1_800
POLL_SECONDS = 0.02


def digest_send(edition: Path, recipients: Path, connections: int) -> subprocess.Popen[bytes]:
    """Start `digest send` of the edition to the list."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "digest"),
            "send",
            str(edition),
            "--to",
            str(recipients),
            "--yes",
            "--connections",
            str(connections),
        ],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DIGEST_UNSUBSCRIBE_SECRET": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def delivered(progress: Path) -> int:
    try:
        return int(progress.read_text() or 0)
    except (OSError, ValueError):
        return 0


def main() -> None:
    """Send, kill, send again, count."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=RECIPIENTS)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="digest-resume-") as folder_name:
        folder = Path(folder_name)
        port = free_port()
        progress, counts = folder / "progress", folder / "counts.json"
        server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "counting_smtp.py"),
                str(port),
                str(progress),
                str(counts),
            ]
        )
        try:
            wait_for_port(port, server, "the counting server")
            edition = publication(folder, port)
            recipients = folder / "list.csv"
            write_list(recipients, args.recipients)
            kill_at = chance.randint(args.recipients // 10, args.recipients * 9 // 10)
            started = time.monotonic()
            first = digest_send(edition, recipients, args.connections)
            while delivered(progress) < kill_at and first.poll() is None:
                time.sleep(POLL_SECONDS)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            time.sleep(0.3)  # let the server count what was in flight
            before = delivered(progress)
            second = digest_send(edition, recipients, args.connections)
            _, errors = second.communicate(timeout=RUN_TIMEOUT)
            elapsed = time.monotonic() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        copies = Counter(json.loads(counts.read_text()))
    per = [copies.get(f"reader{n:07d}@example.org", 0) for n in range(args.recipients)]
    missing = sum(1 for count in per if count == 0)
    duplicates = sum(count - 1 for count in per if count > 1)
    ok = "ok" if missing == 0 and duplicates <= args.connections else "MISSED"
    print(
        f"{args.recipients:,} recipients, {args.connections} connections, the sample edition; "
        f"SIGKILL once {kill_at:,} had arrived, then the same command again"
    )
    print()
    print(f"| {'measure':<44} | {'value':>10} |\n|{'-' * 46}|{'-' * 12}|")
    for label, value in (
        ("messages arrived before the kill", f"{before:,}"),
        ("second run's exit status", str(second.returncode)),
        ("recipients with no copy (missing)", str(missing)),
        ("recipients with exactly one copy", f"{per.count(1):,}"),
        ("duplicates (extra copies, all recipients)", str(duplicates)),
        ("most copies any recipient got", str(max(per))),
        ("both runs, seconds", f"{elapsed:.1f}"),
    ):
        print(f"| {label:<44} | {value:>10} |")
    print()
    print(f"0 missing and <= {args.connections} duplicates: {ok}")
    if second.returncode != 0:
        print(errors.decode("utf-8", "replace")[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
