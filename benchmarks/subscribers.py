"""Subscribers: suppression import, send-time lookups, bounce import, the endpoint, and the
readers' side (sign-ups, click redirects, a send from a million-row store). Prints a table.

    python benchmarks/subscribers.py [--part all|suppressions|readers] [--rows 1000000]
        [--bounces 1000] [--requests 400] [--store-rows 1000000] [--repeat 3]

Each figure is the median of --repeat runs, measured side by side in one run (imports and
sends in child processes, so their peak memory is their own; the readers' server is
`digest serve` in a process of its own, 4 threads).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import mailbox
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import readers_bench  # noqa: E402
from digest.delivery.journal import Journal, State  # noqa: E402
from digest.delivery.personalize import list_id_for  # noqa: E402
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path  # noqa: E402
from digest.delivery.tokens import make_token  # noqa: E402
from digest.mail.tags import make_tag, tag_key, tagged_message_id  # noqa: E402
from digest.subscribers.app import create_app  # noqa: E402
from digest.subscribers.bounces import import_bounces  # noqa: E402
from digest.subscribers.server import make_server  # noqa: E402
from tests import sink  # noqa: E402
from tests.newsroom import ENV, SECRET, make_newsroom  # noqa: E402

POSTFIX_BOUNCES = ROOT / "tests" / "data" / "bounces" / "postfix.mbox"
EDITION = "2024-11-22"
DOMAIN = "news.example.org"
CHILD_IMPORT = """
import resource, sys, time
from pathlib import Path
from digest.delivery.suppression import Reason
from digest.subscribers.suppressions import import_suppressions
start = time.perf_counter()
result = import_suppressions(Path(sys.argv[1]), Path(sys.argv[2]), Reason.UNSUBSCRIBED)
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(elapsed, peak_mb, result.added)
"""


def write_mailchimp_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Email Address;First Name;Last Name;UNSUB_TIME;UNSUB_CAMPAIGN_TITLE\r\n")
        for n in range(rows):
            handle.write(f"reader{n}@example.org;Reader;{n};2024-11-20 09:15:02;Daily\r\n")


def bench_import(folder: Path, rows: int) -> tuple[float, float, int]:
    newsroom = make_newsroom(folder / f"import-{time.monotonic_ns()}", 25)
    export = folder / "export.csv"
    if not export.exists():
        write_mailchimp_csv(export, rows)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD_IMPORT, str(newsroom.root), str(export)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def bench_lookup(folder: Path, rows: int) -> float:
    path = folder / f"lookup-{time.monotonic_ns()}.sqlite"
    addresses = [f"reader{n}@example.org" for n in range(rows)]
    with SuppressionList(path) as suppressions:
        from digest.delivery.suppression import Suppression

        suppressions.add_many(
            Suppression(a, Reason.UNSUBSCRIBED, 0.0) for a in addresses[: rows // 10]
        )
        start = time.perf_counter()
        found = suppressions.suppressed(addresses)
        elapsed = time.perf_counter() - start
    assert len(found) == rows // 10
    return elapsed


def bench_bounces(folder: Path, count: int, journal_rows: int) -> float:
    newsroom = make_newsroom(folder / f"bounces-{time.monotonic_ns()}", 25)
    readers = [f"reader{n}@example.org" for n in range(journal_rows)]
    with Journal(newsroom.root / ".digest" / "journal.sqlite") as journal:
        journal.add(EDITION, readers)
        for address in readers[:count]:
            journal.mark(EDITION, address, State.SENT)
    template = next(iter(mailbox.mbox(POSTFIX_BOUNCES))).as_bytes()
    original_id = b"<9b5588e6-44c8e68b223e7451c6c841d5@news.example.org>"  # gone@'s tag
    assert original_id in template
    key = tag_key(SECRET.encode())
    mbox_path = folder / f"bounces-{time.monotonic_ns()}.mbox"
    box = mailbox.mbox(mbox_path)
    for address in readers[:count]:
        new_id = tagged_message_id(make_tag(key, EDITION, address), DOMAIN).encode()
        box.add(
            template.replace(b"gone@example.org", address.encode()).replace(original_id, new_id)
        )
    box.flush()
    start = time.perf_counter()
    result = import_bounces(newsroom.root, mbox_path, environ=ENV)
    elapsed = time.perf_counter() - start
    assert result.count("suppressed") == count, (result.count("suppressed"), result.unmatched[:3])
    return elapsed


def bench_endpoint(folder: Path, requests: int, workers: int) -> tuple[float, float]:
    newsroom = make_newsroom(folder / f"endpoint-{time.monotonic_ns()}", 25)
    app = create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})
    list_id = list_id_for(app.publication)
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = int(server.effective_port)
    latencies: list[float] = []

    def one(n: int) -> None:
        token = make_token(SECRET.encode(), list_id, f"reader{n}@example.org")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start = time.perf_counter()
        connection.request(
            "POST",
            f"/unsubscribe?token={token}",
            body=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        connection.close()
        assert response.status == 200

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - start
    server.close()
    with SuppressionList(default_suppression_path(newsroom.root)) as suppressions:
        assert suppressions.counts()[Reason.UNSUBSCRIBED] == requests
    return requests / elapsed, statistics.median(latencies) * 1000


def suppression_rows(folder: Path, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """The suppression list's figures."""
    table: list[tuple[str, str, str]] = []
    imports = [bench_import(folder, args.rows) for _ in range(args.repeat)]
    seconds = statistics.median(i[0] for i in imports)
    peak = statistics.median(i[1] for i in imports)
    table.append(
        (
            f"import-suppressions, {args.rows:,}-row Mailchimp ';' CSV",
            f"{seconds:.1f} s",
            f"peak {peak:.0f} MB; {args.rows / seconds:,.0f} rows/s",
        )
    )
    lookups = [bench_lookup(folder, args.rows) for _ in range(args.repeat)]
    table.append(
        (
            f"send-time lookup, {args.rows:,} recipients ({args.rows // 10:,} suppressed)",
            f"{statistics.median(lookups):.2f} s",
            f"{-(-args.rows // 900):,} batched queries",
        )
    )
    bounces = [bench_bounces(folder, args.bounces, args.journal_rows) for _ in range(args.repeat)]
    median = statistics.median(bounces)
    table.append(
        (
            f"bounces import, {args.bounces:,} Postfix DSNs, {args.journal_rows:,}-row journal",
            f"{median:.2f} s",
            f"{args.bounces / median:,.0f} bounces/s",
        )
    )
    for workers in (1, 4):
        runs = [bench_endpoint(folder, args.requests, workers) for _ in range(args.repeat)]
        rate = statistics.median(r[0] for r in runs)
        latency = statistics.median(r[1] for r in runs)
        table.append(
            (
                f"endpoint one-click POST, waitress, {workers} client(s)",
                f"{rate:,.0f} req/s",
                f"median {latency:.1f} ms",
            )
        )
    return table


def reader_rows(folder: Path, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """The readers' side: sign-ups, clicks, a send from the store."""
    table: list[tuple[str, str, str]] = []
    clients = args.clients
    signup = readers_bench.median_of(
        args.repeat, lambda: readers_bench.signups(folder, args.requests, clients)
    )
    click = readers_bench.median_of(
        args.repeat, lambda: readers_bench.clicks(folder, args.requests, clients)
    )
    for label, (rate, latency), base in (
        ("sign-up POST (new address, double opt-in)", signup["signup"], signup["form"]),
        ("click redirect (counted, one per reader)", click["click"], click["form"]),
    ):
        table.append(
            (
                f"digest serve, waitress 4 threads: {label}, {clients} clients",
                f"{rate:,.0f} req/s",
                f"median {latency:.1f} ms; {rate / base[0]:.2f} x the form GET ({base[0]:,.0f}/s)",
            )
        )
    if not sink.available():
        table.append(("send --to subscribers", "skipped", "smtp-sink (postfix) is not installed"))
        return table
    with sink.smtp_sink(dump=False) as server:
        sent = readers_bench.send_from_store(folder, args.store_rows, args.repeat, server.port)
    seconds, peak = sent["import"]
    table.append(
        (
            f"subscribers import, {args.store_rows:,}-row Mailchimp CSV into the store",
            f"{seconds:.1f} s",
            f"peak {peak:.0f} MiB; {args.store_rows / seconds:,.0f} rows/s (1 run)",
        )
    )
    store, csv = sent["store"], sent["csv"]
    table.append(
        (
            f"send --to subscribers, {args.store_rows:,}-row store, to the first message",
            f"{store[0]:.1f} s",
            f"peak {store[1]:.0f} MiB (bar 300); {store[0] / csv[0]:.2f} x the same list as CSV",
        )
    )
    table.append(
        (
            f"send --to list.csv, the same {args.store_rows:,} readers, to the first message",
            f"{csv[0]:.1f} s",
            f"peak {csv[1]:.0f} MiB",
        )
    )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "suppressions", "readers"), default="all")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bounces", type=int, default=1_000)
    parser.add_argument("--journal-rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--store-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.part in ("all", "suppressions"):
            table += suppression_rows(folder, args)
        if args.part in ("all", "readers"):
            table += reader_rows(folder, args)
    width = max(len(row[0]) for row in table)
    print(f"{'measure':<{width}}  {'median':>10}  notes")
    for label, value, note in table:
        print(f"{label:<{width}}  {value:>10}  {note}")
    print(
        f"(median of {args.repeat}; {os.cpu_count()} cores, shared; "
        f"max RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)"
    )


if __name__ == "__main__":
    main()
