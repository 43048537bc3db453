"""A million-row list to the first message: time and peak memory; prints a table.

Writes a Mailchimp-style export (Email Address, First Name, Last Name, MEMBER_RATING) of N rows,
then runs `digest send` of the sample edition to it in a fresh process against Postfix's
smtp-sink on 127.0.0.1, and stops that process at its first delivered message: once as a send
that asks first (the counts for the question are made in the list's one pass), once with
`--yes`, each a first send (a fresh copy of the publication, no journal). Each is run --runs
times; the table gives medians. Beside them, in the same run, the
floor: a plain `csv` + regex + set pass over the same file in a fresh process. Bars: 1,000,000
rows to the first message in at most 6 s and 100 MiB. Also times the list check (read, check,
spool) on its own, per row, and reading the checked list back.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
sys.path.insert(0, str(ROOT))

from tests import sink  # noqa: E402  (the smtp-sink helper the tests use)

ROWS = 1_000_000
RUNS = 3
TARGET_SECONDS = 6.0
TARGET_MIB = 100.0
SECRET = "benchmark-secret-0123456789"
CHILD_TIMEOUT = 600
# The floor: what a plain Python pass over the same file costs (read, split, match, dedupe).
BASELINE = """
import csv, re, resource, sys, time
started = time.perf_counter()
pattern = re.compile(r"[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}")
seen = set()
with open(sys.argv[1], newline="", encoding="utf-8") as stream:
    rows = csv.reader(stream)
    next(rows)
    for row in rows:
        address = row[0].strip().lower()
        if pattern.fullmatch(address) and address not in seen:
            seen.add(address)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"{time.perf_counter() - started:.3f} {len(seen)} {usage.ru_utime + usage.ru_stime:.3f}")
"""


def write_list(path: Path, rows: int) -> None:
    """A Mailchimp-style export with `rows` distinct readers."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("Email Address,First Name,Last Name,MEMBER_RATING\r\n")
        for n in range(rows):
            stream.write(f"reader{n:07d}@example.org,Reader,Number {n},{n % 5}\r\n")


def publication(folder: Path, port: int, name: str = "greenwatch") -> Path:
    """A copy of the sample publication that sends to 127.0.0.1:port without a login."""
    target = folder / name
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("out", ".digest"))
    toml = target / "digest.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('host = "smtp.greenwatch.example"', 'host = "127.0.0.1"')
    text = text.replace("port = 587", f"port = {port}").replace('"starttls"', '"none"')
    text = text.replace('username = "digest@greenwatch.example"\n', "")
    toml.write_text(text, encoding="utf-8")
    return target / "editions" / "2024-11-22.toml"


def child(edition: Path, recipients: Path, assume_yes: bool) -> None:
    """Run `digest send` in this process; print seconds and peak MiB at the first message."""
    from digest.delivery.options import Progress
    from digest.delivery.run import SendRequest, send_edition_file

    started = time.perf_counter()

    def progress(state: Progress) -> None:
        if state.sent >= 1:  # progress comes at most every 0.1 s: the figure may be that late
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            print(f"{time.perf_counter() - started:.2f} {usage.ru_maxrss / 1024:.1f} {cpu:.2f}")
            sys.stdout.flush()
            os._exit(0)  # the measurement is taken; the rest of the send is not the point

    send_edition_file(
        SendRequest(edition_path=edition, recipients_csv=recipients, assume_yes=assume_yes),
        confirm=lambda question: True,
        progress=progress,
        environ={**os.environ, "DIGEST_UNSUBSCRIBE_SECRET": SECRET},
    )
    raise SystemExit("the send ended without delivering a message")


def check_only(recipients: Path, rows: int) -> tuple[float, float]:
    """(µs per row to read, check and spool the list, µs per row to read it back)."""
    from digest.delivery.recipient_list import load_recipients

    started = time.perf_counter()
    with load_recipients(recipients) as listing:
        checked = time.perf_counter()
        count = sum(1 for _ in listing)
        read = time.perf_counter()
    assert count == rows
    return (checked - started) / rows * 1e6, (read - checked) / rows * 1e6


def send_once(
    edition: Path, recipients: Path, assume_yes: bool
) -> tuple[float, float, float, float]:
    """(seconds from process start, seconds inside the send, peak MiB, CPU seconds of the whole
    process) to the first message."""
    command = [sys.executable, __file__, "--child", str(edition), str(recipients)]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, *(["--yes"] if assume_yes else [])],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"the send failed:\n{result.stdout}\n{result.stderr}")
    inside, peak, cpu = (float(value) for value in result.stdout.split())
    return wall, inside, peak, cpu


def baseline_once(recipients: Path, rows: int) -> tuple[float, float]:
    """(seconds, CPU seconds of the whole process) for the plain csv + regex + set pass."""
    result = subprocess.run(
        [sys.executable, "-c", BASELINE, str(recipients)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=True,
    )
    seconds, found, cpu = result.stdout.split()
    assert int(found) == rows
    return float(seconds), float(cpu)


def _row(label: str, value: str, bar: str = "") -> str:
    return f"| {label:<58} | {value:>14} | {bar:>8} |"


def main() -> None:
    """Write the list, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        edition, recipients = args.child
        child(edition, recipients, args.yes)
        return
    if not sink.available():
        raise SystemExit("smtp-sink (Debian package postfix) is needed for this benchmark")
    sends: dict[bool, list[tuple[float, float, float, float]]] = {False: [], True: []}
    baselines: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder_name, sink.smtp_sink(dump=False) as server:
        folder = Path(folder_name)
        recipients = folder / "list.csv"
        write_list(recipients, args.rows)
        size_mib = recipients.stat().st_size / 2**20
        check_us, read_us = check_only(recipients, args.rows)
        for run in range(args.runs):  # interleaved, so a busy moment spoils all three alike
            baselines.append(baseline_once(recipients, args.rows))
            for assume_yes in (False, True):
                # A fresh publication each time: a first send, with no journal yet.
                edition = publication(folder, server.port, f"run-{run}-{assume_yes}")
                sends[assume_yes].append(send_once(edition, recipients, assume_yes))
    base = statistics.median(run[0] for run in baselines)
    base_cpu = statistics.median(run[1] for run in baselines)
    print(
        f"{args.rows:,} rows ({size_mib:.0f} MiB, Mailchimp-style CSV), smtp-sink on 127.0.0.1; "
        f"medians of {args.runs} runs"
    )
    print()
    print(_row("measure", "value", "bar"))
    print(f"|{'-' * 60}|{'-' * 16}|{'-' * 10}|")
    print(_row("plain csv + regex + set, seconds (the floor)", f"{base:.2f}"))
    print(_row("plain csv + regex + set, CPU seconds", f"{base_cpu:.2f}"))
    verdicts = []
    for assume_yes, label in ((False, "asks first"), (True, "--yes")):
        runs = sends[assume_yes]
        wall = statistics.median(run[0] for run in runs)
        inside = statistics.median(run[1] for run in runs)
        peak = statistics.median(run[2] for run in runs)
        cpu = statistics.median(run[3] for run in runs)
        print(
            _row(
                f"digest send ({label}): s from process start to 1st message",
                f"{wall:.2f}",
                f"<= {TARGET_SECONDS:g}",
            )
        )
        print(_row(f"digest send ({label}): s inside send_edition_file", f"{inside:.2f}"))
        print(_row(f"digest send ({label}): × the floor", f"{wall / base:.1f}"))
        print(_row(f"digest send ({label}): CPU seconds to the 1st message", f"{cpu:.2f}"))
        print(_row(f"digest send ({label}): CPU × the floor's CPU", f"{cpu / base_cpu:.1f}"))
        print(
            _row(
                f"digest send ({label}): peak RSS to the 1st message, MiB",
                f"{peak:.1f}",
                f"<= {TARGET_MIB:g}",
            )
        )
        verdicts.append(
            f"{label}: time {'ok' if wall <= TARGET_SECONDS else 'MISSED'}, "
            f"memory {'ok' if peak <= TARGET_MIB else 'MISSED'}"
        )
    print(_row("list read + check + spool, µs per row", f"{check_us:.2f}"))
    print(_row("reading the checked list back, µs per row", f"{read_us:.2f}"))
    print()
    print("; ".join(verdicts))


if __name__ == "__main__":
    main()
