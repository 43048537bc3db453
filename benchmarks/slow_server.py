"""A loopback web server that answers slowly and counts what it is asked, from several hosts.

Stands in for news sites a few hundred milliseconds away, for `benchmarks/fetch.py` and the
fetch pool's tests. It listens on one port of every address given (127.0.0.2, 127.0.0.3, ...:
all of 127/8 is loopback on Linux), so each address is a host of its own to the client. Run
as a process of its own, so its work does not share the measured client's interpreter:

    python benchmarks/slow_server.py --hosts 127.0.0.2 127.0.0.3 [--pages DIR] [--delay 0.3]

It prints the port on its first line once every address listens. Paths:

    /page/NAME          the file NAME from --pages (a .html.gz is served unzipped), after --delay
    /delay/MS/SLUG      a small article page about SLUG, after MS milliseconds
    /story/SLUG         the same, after the delay /delays set for SLUG (else --delay)
    /delays/A=MS,B=MS   set the delays of /story/A, /story/B (the same URLs, answered in
                        another order)
    /status/CODE/SLUG   an empty answer with that status, at once
    /stats              JSON: requests seen, and the most in flight at once, in all and per host
    /reset              forget the counts
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import string
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

# A few tries at one port free on every address (another process may hold it on one).
PORT_TRIES = 20
PARAGRAPHS = 6
WORDS = 24


class Counts:
    """What the server was asked: requests by path, and the most at once, in all and per host."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.now: Counter[str] = Counter()
            self.most: Counter[str] = Counter()
            self.total_now = self.total_most = 0
            self.paths: Counter[str] = Counter()
            self.delays: dict[str, float] = {}

    def enter(self, host: str, path: str) -> None:
        with self.lock:
            self.paths[path] += 1
            self.now[host] += 1
            self.total_now += 1
            self.most[host] = max(self.most[host], self.now[host])
            self.total_most = max(self.total_most, self.total_now)

    def leave(self, host: str) -> None:
        with self.lock:
            self.now[host] -= 1
            self.total_now -= 1

    def report(self) -> bytes:
        with self.lock:
            data = {
                "requests": sum(self.paths.values()),
                "paths": dict(self.paths),
                "max_in_flight": self.total_most,
                "max_per_host": dict(self.most),
            }
        return json.dumps(data, sort_keys=True).encode()


def _word(draw: random.Random) -> str:
    return "".join(draw.choices(string.ascii_lowercase, k=draw.randint(2, 9)))


def article(slug: str) -> bytes:
    """A page a reader takes for an article: a headline and paragraphs only it has (words
    drawn by the slug, so no two stories read as near-duplicates)."""
    draw = random.Random(slug)
    words = slug.replace("-", " ")
    body = "".join(
        f"<p>{words.capitalize()} {' '.join(_word(draw) for _ in range(WORDS))}.</p>"
        for _ in range(PARAGRAPHS)
    )
    return (
        f"<!doctype html><html><head><title>Report on {words}</title></head>"
        f"<body><article><h1>Report on {words}</h1>{body}</article></body></html>"
    ).encode()


def handler(counts: Counts, pages: Path | None, delay: float) -> type[BaseHTTPRequestHandler]:
    """A request handler serving from `pages` and counting into `counts`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the benchmark prints a table, the tests their own failures."""

        def do_GET(self) -> None:
            if self.path == "/stats":
                return self._send(200, counts.report(), "application/json")
            if self.path == "/reset":
                counts.reset()
                return self._send(200, b"{}", "application/json")
            if self.path.startswith("/delays/"):
                for pair in self.path.removeprefix("/delays/").split(","):
                    slug, _, ms = pair.partition("=")
                    counts.delays[slug] = int(ms) / 1000
                return self._send(200, b"{}", "application/json")
            host = self.headers.get("Host", "").rsplit(":", 1)[0]
            counts.enter(host, self.path)
            try:
                self._answer()
            finally:
                counts.leave(host)

        def _answer(self) -> None:
            parts = urlsplit(self.path).path.strip("/").split("/")  # a query is ignored
            if parts[0] == "page" and pages is not None and len(parts) == 2:
                path = pages / parts[1]
                if path.parent != pages or not path.is_file():
                    return self._send(404, b"", "text/plain")
                time.sleep(delay)
                data = path.read_bytes()
                return self._send(200, gzip.decompress(data) if path.suffix == ".gz" else data)
            if parts[0] == "delay" and len(parts) == 3 and parts[1].isdigit():
                time.sleep(int(parts[1]) / 1000)
                return self._send(200, article(parts[2]))
            if parts[0] == "story" and len(parts) == 2:
                time.sleep(counts.delays.get(parts[1], delay))
                return self._send(200, article(parts[1]))
            if parts[0] == "status" and len(parts) == 3 and parts[1].isdigit():
                return self._send(int(parts[1]), b"", "text/plain")
            self._send(404, b"", "text/plain")

        def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many clients connect at once


def listen(hosts: list[str], make: type[BaseHTTPRequestHandler]) -> list[Server]:
    """One server per address, all on the same port."""
    for _try in range(PORT_TRIES):
        first = Server((hosts[0], 0), make)
        servers = [first]
        try:
            servers += [Server((host, first.server_address[1]), make) for host in hosts[1:]]
        except OSError:
            for server in servers:
                server.server_close()
            continue
        return servers
    raise SystemExit(f"no port free on all of {hosts}")


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", nargs="+", default=["127.0.0.1"])
    parser.add_argument("--pages", type=Path, default=None)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds before each /page/")
    args = parser.parse_args()
    pages = args.pages.resolve() if args.pages else None
    servers = listen(args.hosts, handler(Counts(), pages, args.delay))
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(servers[0].server_address[1], flush=True)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
