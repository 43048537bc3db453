"""The readers' side, measured for benchmarks/subscribers.py (which prints the table).

- sign-up POSTs/s and click redirects/s through `digest serve` (waitress, 4 threads, behind
  --trusted-proxy so each request comes from its own reader's address), with the same server's
  GET of the sign-up form beside them (no write, no crypto: what the server costs by itself);
- `digest send --to subscribers` from a store of N readers to its first message (seconds and
  peak RSS of the send process), beside the same readers sent from a CSV list in the same run,
  and the `digest subscribers import` that filled the store.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
sys.path.insert(0, str(ROOT))

from tests.newsroom import ENV, SECRET  # noqa: E402
from tests.readers_newsroom import (  # noqa: E402
    BROWSER_AGENT,
    ReadersNewsroom,
    make_readers_newsroom,
    serving,
)

SERVER_THREADS = 4
CHILD_TIMEOUT_S = 900
FORM = "application/x-www-form-urlencoded"


def _client_address(n: int) -> str:
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _load(
    port: int, requests: list[tuple[str, str, bytes | None]], clients: int
) -> tuple[float, float]:
    """Send (method, path, body) requests from `clients` threads, each from its own address;
    returns (requests per second, median latency in ms)."""
    latencies: list[float] = []

    def one(item: tuple[int, tuple[str, str, bytes | None]]) -> int:
        n, (method, path, body) = item
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"User-Agent": BROWSER_AGENT, "X-Forwarded-For": _client_address(n)}
        if body is not None:
            headers["Content-Type"] = FORM
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        connection.close()
        return response.status

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(one, enumerate(requests)))
    elapsed = time.perf_counter() - started
    assert set(statuses) <= {200, 302}, set(statuses)
    return len(requests) / elapsed, statistics.median(latencies) * 1000


def _newsroom(folder: Path) -> ReadersNewsroom:
    return make_readers_newsroom(folder / f"n-{time.monotonic_ns()}", 25, transport="files")


def signups(folder: Path, count: int, clients: int) -> dict[str, tuple[float, float]]:
    """Sign-up POSTs/s (each a new address) and the form GET's, on one server."""
    from tests.readers_newsroom import statuses

    newsroom = _newsroom(folder)
    path = "/r/subscribe"
    with serving(newsroom, "--threads", str(SERVER_THREADS), "--trusted-proxy", "127.0.0.1"):
        form = _load(newsroom.port, [("GET", path, None)] * count, clients)
        posts = [("POST", path, f"email=reader{n}%40example.org".encode()) for n in range(count)]
        signup = _load(newsroom.port, posts, clients)
    assert len(statuses(newsroom.root)) == count
    outbox = newsroom.root / "outbox"
    assert len(list(outbox.glob("*.eml"))) == count, "every confirmation was written"
    return {"form": form, "signup": signup}


def clicks(folder: Path, count: int, clients: int) -> dict[str, tuple[float, float]]:
    """Click redirects/s (each from its own reader, so each counts), and the form GET's."""
    from digest.build import build_in_memory
    from digest.config import load_edition
    from digest.delivery.readers import prepare_readers
    from digest.mail.clicks import click_key, sign_click
    from digest.subscribers.stats import edition_clicks

    newsroom = _newsroom(folder)
    loaded = load_edition(newsroom.edition)
    built = build_in_memory(loaded, click_key=click_key(SECRET.encode()))
    assert built.personal is not None and built.personal.links is not None
    links = built.personal.links
    prepare_readers(newsroom.root, loaded.identity, links, test=False)
    key = click_key(SECRET.encode())
    urls = [
        f"/r/c/{sign_click(key, loaded.identity, link.story, link.link)}" for link in links.links
    ]
    with serving(newsroom, "--threads", str(SERVER_THREADS), "--trusted-proxy", "127.0.0.1"):
        form = _load(newsroom.port, [("GET", "/r/subscribe", None)] * count, clients)
        redirects = _load(
            newsroom.port, [("GET", urls[n % len(urls)], None) for n in range(count)], clients
        )
    counted = edition_clicks(newsroom.edition).total
    assert counted == count, (counted, count)
    return {"form": form, "click": redirects}


def write_list(path: Path, rows: int) -> None:
    """A Mailchimp-style export of `rows` distinct readers."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("Email Address,First Name,Last Name\r\n")
        for n in range(rows):
            stream.write(f"reader{n:07d}@example.org,Reader,Number {n}\r\n")


def sample_publication(folder: Path, port: int) -> Path:
    """The sample publication sending to smtp-sink on 127.0.0.1:port, with a readers' side."""
    target = folder / "greenwatch"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("out", ".digest"))
    toml = target / "digest.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('host = "smtp.greenwatch.example"', 'host = "127.0.0.1"')
    text = text.replace("port = 587", f"port = {port}").replace('"starttls"', '"none"')
    text = text.replace('username = "digest@greenwatch.example"\n', "")
    text += '\n[readers]\nurl = "https://www.greenwatch.example/r/"\n'
    toml.write_text(text, encoding="utf-8")
    return target / "editions" / "2024-11-22.toml"


CHILD = """
import os, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from digest.delivery.options import Progress
from digest.delivery.run import SendRequest, send_edition_file

def progress(state: Progress) -> None:
    if state.sent >= 1:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{time.perf_counter() - started:.2f} {peak:.1f}", flush=True)
        os._exit(0)

send_edition_file(
    SendRequest(
        edition_path=Path(sys.argv[1]),
        recipients_csv=Path(sys.argv[2]),
        journal_path=Path(sys.argv[3]),
        resend_all=True,
    ),
    confirm=lambda question: True,
    progress=progress,
    environ={**os.environ},
)
raise SystemExit("the send ended without delivering a message")
"""
IMPORT_CHILD = """
import resource, sys, time
from pathlib import Path
started = time.perf_counter()
from digest.subscribers.importer import import_subscribers
result = import_subscribers(Path(sys.argv[1]), Path(sys.argv[2]))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{time.perf_counter() - started:.2f} {peak:.1f} {sum(result.written.values())}")
"""


def _child(code: str, *args: str) -> list[str]:
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=CHILD_TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"the child failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return result.stdout.split()


def send_from_store(
    folder: Path, rows: int, repeat: int, port: int
) -> dict[str, tuple[float, float]]:
    """(seconds, peak MiB) medians: import, the store's send and the same list's CSV send."""
    edition = sample_publication(folder, port)
    root = edition.parent.parent
    listing = folder / "list.csv"
    write_list(listing, rows)
    seconds, peak, written = _child(IMPORT_CHILD, str(root), str(listing))
    assert int(written) == rows, written
    figures: dict[str, tuple[float, float]] = {"import": (float(seconds), float(peak))}
    runs: dict[str, list[tuple[float, float]]] = {"store": [], "csv": []}
    for n in range(repeat):
        for name, target in (("store", "subscribers"), ("csv", str(listing))):
            journal = folder / f"journal-{name}-{n}.sqlite"
            seconds, peak = _child(CHILD, str(edition), target, str(journal))
            runs[name].append((float(seconds), float(peak)))
    for name, measured in runs.items():
        figures[name] = (
            statistics.median(s for s, _ in measured),
            statistics.median(p for _, p in measured),
        )
    return figures


def median_of(
    repeat: int, measure: Callable[[], dict[str, tuple[float, float]]]
) -> dict[str, tuple[float, float]]:
    """Each figure's median over `repeat` runs."""
    runs = [measure() for _ in range(repeat)]
    return {
        key: (
            statistics.median(run[key][0] for run in runs),
            statistics.median(run[key][1] for run in runs),
        )
        for key in runs[0]
    }
