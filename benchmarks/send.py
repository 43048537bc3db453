"""Send throughput with the sample edition's real message; prints tables.

Two servers, each measured beside a naive smtplib loop in the same run:

- **proxy**: Postfix's smtp-sink behind a loopback proxy that adds a 5 ms round trip (a relay
  in the same region). Bar: 8 connections >= 6x the rate of 1 connection.
- **sink**: smtp-sink directly. Bar: >= 2,000 msg/s for the whole `digest send` process
  (start to exit, journal on, 8 connections).

Plus the journal's cost: synchronous=FULL with a transaction per state change, per message,
and grouped as the send does it. Every figure is the median of --repeats runs.
"""

from __future__ import annotations

import argparse
import shutil
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The sibling script, imported by its folder: pysbd (a bench extra) installs a package named
# `benchmarks` that would shadow this folder.
from recipients import SECRET, publication, write_list  # noqa: E402

from digest.build import build_in_memory  # noqa: E402
from digest.config import load_edition  # noqa: E402
from digest.delivery.journal import Journal  # noqa: E402
from digest.delivery.options import SendOptions, SendSummary  # noqa: E402
from digest.delivery.personalize import prepare  # noqa: E402
from digest.delivery.recipients import Recipient  # noqa: E402
from digest.delivery.send import send_edition  # noqa: E402
from digest.delivery.transports.smtp import SmtpSettings, SmtpTransport  # noqa: E402
from digest.mail.personal import Markers  # noqa: E402
from tests import sink  # noqa: E402

RTT_MS = 5.0
TARGET_RATIO = 6.0
TARGET_WHOLE_PROCESS = 2_000.0
SENDER = "digest@greenwatch.example"
DATE = datetime(2024, 11, 22, 6, 0, tzinfo=UTC)
ENV = {"DIGEST_UNSUBSCRIBE_SECRET": SECRET}
TIMEOUT = 30.0
# Messages per measurement: enough for a steady rate, few enough to keep the run short.
PROXY_COUNTS = {"naive": 300, "1": 500, "8": 3_000}
SINK_NAIVE = 5_000
SINK_IN_PROCESS = 20_000
WHOLE_PROCESS_RECIPIENTS = 40_000
JOURNAL_MESSAGES = 2_000
GROUP = 8


@dataclass(frozen=True, slots=True)
class Edition:
    """The sample edition, built once, ready to personalize."""

    root: Path
    edition: Path
    subject: str
    text: str  # the bodies with the build's merge markers, as `digest send` gets them
    html: str
    markers: Markers
    size: int


def sample_edition(folder: Path, port: int) -> Edition:
    """Build the sample edition (a private copy that sends to 127.0.0.1:port)."""
    edition_path = publication(folder, port)
    loaded = load_edition(edition_path)
    built = build_in_memory(loaded)
    assert built.personal is not None
    personal = built.personal
    personalizer = prepare(
        loaded.publication,
        edition_key="2024-11-22",
        subject=built.edition.subject,
        text=personal.text,
        html=personal.html,
        date=DATE,
        secret=SECRET.encode(),
        available_fields={"email", "name"},
        markers=personal.markers,
    )
    size = len(personalizer.render(Recipient("reader0000000@example.org", "Reader")))
    return Edition(
        loaded.root,
        edition_path,
        built.edition.subject,
        personal.text,
        personal.html,
        personal.markers,
        size,
    )


def people(n: int) -> list[Recipient]:
    return [Recipient(f"reader{i:07d}@example.org", f"Reader {i}") for i in range(n)]


def median_rate(repeats: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeats))


def naive(port: int, edition: Edition, count: int) -> float:
    """One reused smtplib connection, sendmail per message (4 round trips each): msg/s."""
    loaded = load_edition(edition.edition)
    personalizer = prepare(
        loaded.publication,
        edition_key="naive",
        subject=edition.subject,
        text=edition.text,
        html=edition.html,
        date=DATE,
        secret=SECRET.encode(),
        available_fields={"email", "name"},
        markers=edition.markers,
    )
    recipients = people(count)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as smtp:
        for recipient in recipients:
            smtp.sendmail(SENDER, [recipient.email], personalizer.render(recipient))
    return count / (time.perf_counter() - started)


def in_process(
    port: int, edition: Edition, count: int, connections: int, journal_dir: Path
) -> tuple[float, SendSummary]:
    """send_edition with a file journal: (msg/s, summary)."""
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=TIMEOUT)
    loaded = load_edition(edition.edition)
    journal_path = Path(tempfile.mkdtemp(dir=journal_dir)) / "journal.sqlite"
    with Journal(journal_path) as journal:
        started = time.perf_counter()
        summary = send_edition(
            loaded.publication,
            "2024-11-22",
            edition.subject,
            edition.text,
            edition.html,
            people(count),
            lambda: SmtpTransport(settings),
            journal,
            SendOptions(date=DATE, connections=connections),
            environ=ENV,
            markers=edition.markers,
        )
        elapsed = time.perf_counter() - started
    assert summary.sent == count, summary
    return count / elapsed, summary


def whole_process(edition: Edition, recipients: Path, count: int, folder: Path) -> float:
    """`digest send EDITION --to LIST --yes --connections 8`, start to exit: msg/s."""
    journal = Path(tempfile.mkdtemp(dir=folder)) / "journal.sqlite"
    started = time.perf_counter()
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "digest"),
            "send",
            str(edition.edition),
            "--to",
            str(recipients),
            "--yes",
            "--connections",
            "8",
            "--journal",
            str(journal),
        ],
        env={"PATH": "/usr/bin:/bin", **ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"digest send failed:\n{result.stdout}\n{result.stderr}")
    return count / elapsed


def journal_costs(folder: Path, repeats: int) -> list[tuple[str, float, float]]:
    """(pattern, commits a message, median µs a message), WAL + synchronous=FULL."""
    addresses = [f"r{n}@example.org" for n in range(JOURNAL_MESSAGES)]
    results = []
    for label, per_transaction, changes_per_message in (
        ("a transaction per state change (sending, then sent)", 1, 2),
        ("one a message (sent rides with the next claim)", 1, 1),
        (f"grouped: {GROUP} connections' claims in one commit", GROUP, 1),
    ):
        timings = []
        for _ in range(repeats):
            path = Path(tempfile.mkdtemp(dir=folder)) / "j.sqlite"
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("CREATE TABLE d (address TEXT PRIMARY KEY, state TEXT) WITHOUT ROWID")
            db.executemany("INSERT INTO d VALUES (?, 'pending')", [(a,) for a in addresses])
            started = time.perf_counter()
            for start in range(0, len(addresses), per_transaction):
                group = [(a,) for a in addresses[start : start + per_transaction]]
                for state in ("sending", "sent")[:changes_per_message]:
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany(f"UPDATE d SET state = '{state}' WHERE address = ?", group)
                    db.execute("COMMIT")
            timings.append((time.perf_counter() - started) / len(addresses) * 1e6)
            db.close()
        results.append((label, changes_per_message / per_transaction, statistics.median(timings)))
    return results


def row(label: str, rate: float, note: str = "") -> str:
    return f"| {label:<58} | {rate:>8,.0f} | {note:<26} |"


HEADER = f"| {'client':<58} | {'msg/s':>8} | {'':<26} |\n|{'-' * 60}|{'-' * 10}|{'-' * 28}|"


def run_proxy(edition: Edition, repeats: int, folder: Path, sink_port: int) -> list[str]:
    port = sink.free_port()
    proxy = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "delay_proxy.py"),
            str(port),
            str(sink_port),
            str(RTT_MS),
        ]
    )
    try:
        sink.wait_for_port(port, proxy, "the delay proxy")
        naive_rate = median_rate(repeats, lambda: naive(port, edition, PROXY_COUNTS["naive"]))
        one = median_rate(
            repeats, lambda: in_process(port, edition, PROXY_COUNTS["1"], 1, folder)[0]
        )
        eight = median_rate(
            repeats, lambda: in_process(port, edition, PROXY_COUNTS["8"], 8, folder)[0]
        )
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
    ratio = eight / one
    verdict = "ok" if ratio >= TARGET_RATIO else "MISSED"
    return [
        f"Through a loopback proxy adding a {RTT_MS:g} ms round trip to smtp-sink:",
        "",
        HEADER,
        row("naive smtplib loop (1 connection, 4 round trips a message)", naive_rate),
        row("digest, 1 connection (PIPELINING: 2 round trips)", one),
        row("digest, 8 connections", eight, f"{ratio:.1f}x of 1 connection"),
        "",
        f"8 connections vs 1: {ratio:.1f}x (target >= {TARGET_RATIO:g}x: {verdict})",
    ]


def run_sink(edition: Edition, repeats: int, folder: Path, port: int) -> list[str]:
    recipients = folder / "list.csv"
    write_list(recipients, WHOLE_PROCESS_RECIPIENTS)
    naive_rate = median_rate(repeats, lambda: naive(port, edition, SINK_NAIVE))
    summaries: dict[int, SendSummary] = {}

    def measure(connections: int) -> float:
        rate, summaries[connections] = in_process(
            port, edition, SINK_IN_PROCESS, connections, folder
        )
        return rate

    one = median_rate(repeats, lambda: measure(1))
    eight = median_rate(repeats, lambda: measure(8))
    whole = median_rate(
        repeats, lambda: whole_process(edition, recipients, WHOLE_PROCESS_RECIPIENTS, folder)
    )
    verdict = "ok" if whole >= TARGET_WHOLE_PROCESS else "MISSED"

    def commits(connections: int) -> str:
        s = summaries[connections]
        return f"{s.journal_commits / s.sent:.2f} commits a message"

    return [
        "Straight into smtp-sink on 127.0.0.1:",
        "",
        HEADER,
        row("naive smtplib loop (1 connection, no journal)", naive_rate),
        row("digest send_edition, 1 connection, journal", one, commits(1)),
        row("digest send_edition, 8 connections, journal", eight, commits(8)),
        row(
            f"digest send process, start to exit, 8 conn. ({WHOLE_PROCESS_RECIPIENTS:,} rcpt)",
            whole,
        ),
        "",
        f"whole process: {whole:,.0f} msg/s (target >= {TARGET_WHOLE_PROCESS:,.0f}: {verdict})",
    ]


def main() -> None:
    """Measure and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("all", "proxy", "sink", "journal"), default="all")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not sink.available():
        raise SystemExit("smtp-sink (Debian package postfix) is needed for this benchmark")
    folder = Path(tempfile.mkdtemp(prefix="digest-send-bench-"))
    try:
        if args.mode != "journal":
            with sink.smtp_sink(dump=False) as server:
                edition = sample_edition(folder, server.port)
                print(
                    f"The sample edition's message: {edition.size:,} bytes "
                    f"({edition.size / 1024:.1f} KiB) per recipient; "
                    f"medians of {args.repeats} runs."
                )
                print()
                if args.mode in ("all", "proxy"):
                    print("\n".join(run_proxy(edition, args.repeats, folder, server.port)))
                    print()
                if args.mode in ("all", "sink"):
                    print("\n".join(run_sink(edition, args.repeats, folder, server.port)))
                    print()
        print(f"The journal (WAL, synchronous=FULL), {JOURNAL_MESSAGES:,} messages:")
        print()
        print(
            f"| {'commit pattern':<58} | {'commits/msg':>11} | {'µs/msg':>8} |\n"
            f"|{'-' * 60}|{'-' * 13}|{'-' * 10}|"
        )
        for label, commits, micros in journal_costs(folder, args.repeats):
            print(f"| {label:<58} | {commits:>11.3f} | {micros:>8.0f} |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
