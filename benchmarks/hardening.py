"""What the hardening costs: atomic build outputs, and one deadline per fetch.

Two tables, each measured side by side in the same run, alternating the two ways so a busy
machine slows both alike:

1. Writing the sample build's five files: in place (`Path.write_bytes`, as before) against
   `atomic.write_folder` (a staging folder, fsync, switched in with two renames).
2. Fetching a page from a server on 127.0.0.1: digest's fetch (http.client over a socket whose
   every wait is bounded by the fetch's deadline, address checked, redirects re-checked)
   against a bare urllib3 GET (the client it replaced, with per-read timeouts only).

    python benchmarks/hardening.py [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDITION = ROOT / "samples" / "greenwatch" / "editions" / "2024-11-22.toml"
PAGE = b"<html><body>" + b"<p>A paragraph of an article, long enough to matter.</p>" * 400


class Page(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


def side_by_side(
    first: Callable[[], None], second: Callable[[], None], runs: int
) -> tuple[float, float]:
    """Median milliseconds of each, alternating, after one warm-up of each."""
    first()
    second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for index, action in enumerate((first, second)):
            start = time.perf_counter()
            action()
            times[index].append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def outputs(runs: int) -> tuple[float, float, int]:
    from digest.atomic import write_folder
    from digest.build import build_in_memory
    from digest.config import load_edition
    from digest.output import OUTPUT_FILES, report

    result = build_in_memory(load_edition(EDITION))
    folder = Path(tempfile.mkdtemp(prefix="digest-bench-")) / "out"
    files = {role: folder / name for role, name in OUTPUT_FILES.items()}

    contents = {
        "digest.html": result.digest.html.encode(),
        "digest.txt": result.digest.text.encode(),
        "digest.mjml": result.digest.mjml.encode(),
        "digest.eml": result.eml,
        "report.json": json.dumps(report(result, files), indent=2).encode(),
    }
    in_place_folder = folder.with_name("in-place")
    in_place_folder.mkdir(parents=True)

    def in_place() -> None:
        for name, data in contents.items():
            (in_place_folder / name).write_bytes(data)

    def atomic() -> None:
        write_folder(folder, contents, last="report.json")

    old, new = side_by_side(in_place, atomic, runs)
    return old, new, sum(len(data) for data in contents.values())


def fetches(runs: int) -> tuple[float, float]:
    import urllib3

    from digest.sources.fetch import FetchSettings, fetch

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/page"
    settings = FetchSettings(allow_private=True)

    def plain_urllib3() -> None:
        pool = urllib3.HTTPConnectionPool("127.0.0.1", server.server_port, retries=False)
        try:
            response = pool.urlopen("GET", "/page", preload_content=True)
            assert response.data == PAGE
        finally:
            pool.close()

    def ours() -> None:
        assert fetch(url, settings=settings).data == PAGE

    try:
        return side_by_side(plain_urllib3, ours, runs)
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="measured runs of each way")
    runs = parser.parse_args().runs
    old, new, size = outputs(runs)
    print(f"Build outputs: the sample's 5 files, {size:,} bytes, median of {runs} runs")
    print(f"{'way':<46} {'median ms':>10}")
    print(f"{'in place (write_bytes, as before)':<46} {old:>10.2f}")
    print(f"{'atomic folder switch (fsync, 2 renames)':<46} {new:>10.2f}")
    print(f"{'ratio atomic / in place':<46} {new / old:>10.2f}")
    print()
    plain, ours = fetches(runs)
    print(f"Fetch of a {len(PAGE):,}-byte page from 127.0.0.1, median of {runs} runs")
    print(f"{'way':<46} {'median ms':>10}")
    print(f"{'urllib3 GET (per-read timeouts only)':<46} {plain:>10.2f}")
    print(f"{'digest fetch (one deadline, checks)':<46} {ours:>10.2f}")
    print(f"{'ratio digest / urllib3':<46} {ours / plain:>10.2f}")


if __name__ == "__main__":
    main()
