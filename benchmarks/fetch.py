"""What fetching costs an editor: 20 real pages, each answered 300 ms late.

A local server (`slow_server.py`, a process of its own) serves 20 real pages
(`../shared/realworld/articles/html/*.html.gz`, else the repo's test pages) from ten loopback
addresses, two pages each, as ten news sites would; the publication opts 127.0.0.0/8 in with
`[fetch] allow_hosts`. Printed, as medians of `--runs` whole-process runs:

- `digest build` with nothing cached; with the pages in the fetch cache but still to be read
  and summarized (the saved build cache emptied: what the cold build does besides fetching);
  and warm, the editor's next build (pages, reads and summaries all cached);
- `digest new --from` the same 20 URLs, cold against warm;
- the same cold build at `[fetch] concurrency = 1` (one after another, as before) and with all
  20 pages on one host (the per-host limit of two then sets the pace);
- the span of the 20 requests through the library (`fetch_all`) at concurrency 1 and 8.

Bars: cold build <= warm build + 1.2 s; cold `digest new` <= warm + 1.2 s.

    python benchmarks/fetch.py [--runs 3] [--delay 0.3] [--pages DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REALWORLD = ROOT.parent / "shared" / "realworld" / "articles" / "html"
TEST_PAGES = ROOT / "tests" / "data" / "pages"
SERVER = Path(__file__).resolve().parent / "slow_server.py"
PAGES = 20
HOSTS = [f"127.0.0.{n}" for n in range(2, 12)]  # ten sites, two pages each
BAR_SECONDS = 1.2
START_SECONDS = 30
PUBLICATION = """\
name = "Fetch Benchmark Daily"
from = "Bench <digest@example.org>"
timezone = "UTC"
[brand]
postal_address = "1 Bench Street, London"
[unsubscribe]
url = "https://example.org/unsubscribe?token={token}"
[fetch]
allow_hosts = ["127.0.0.0/8"]
timeout = 30
"""


def pick_pages(folder: Path, source: Path | None = None) -> tuple[Path, list[str], str]:
    """A folder of pages to serve, PAGES names in it and what they are: from `source`, else
    realworld's, else the repo's test pages (repeated under distinct names when few)."""
    chosen = source or (REALWORLD if len(list(REALWORLD.glob("*.html.gz"))) >= PAGES else None)
    chosen = chosen or TEST_PAGES
    names = sorted(path.name for path in chosen.glob("*.html.gz"))[:PAGES]
    if len(names) == PAGES:
        return chosen, names, f"real pages from {chosen}"
    # Few pages: serve copies under distinct names, so every URL is a page of its own.
    for number in range(PAGES):
        shutil.copyfile(chosen / names[number % len(names)], folder / f"page-{number}.html.gz")
    copies = [f"page-{number}.html.gz" for number in range(PAGES)]
    return folder, copies, f"copies of the {len(names)} pages in {chosen}"


def start_server(pages: Path, delay: float) -> tuple[subprocess.Popen[str], int]:
    """The slow server and its port."""
    command = [sys.executable, str(SERVER), "--hosts", *HOSTS, "--pages", str(pages)]
    process = subprocess.Popen(
        [*command, "--delay", str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
    line = process.stdout.readline().strip() if ready else ""
    if not line.isdigit():
        process.kill()
        raise SystemExit(f"the slow server did not start on {HOSTS[0]}..{HOSTS[-1]}")
    return process, int(line)


def urls_of(port: int, names: list[str], hosts: list[str]) -> list[str]:
    """One URL per page, the pages dealt to the hosts two by two."""
    return [
        f"http://{hosts[n // 2 % len(hosts)]}:{port}/page/{name}" for n, name in enumerate(names)
    ]


def publication(folder: Path, urls: list[str], extra: str = "") -> Path:
    """A publication with one edition of `urls`; the edition's path.

    Each entry keeps its place (`keep`) and gives its image's size, so the figures are the
    pages' fetches alone, not image lookups of hosts this box cannot reach."""
    folder.mkdir(parents=True)
    (folder / "digest.toml").write_text(PUBLICATION + extra, encoding="utf-8")
    entries = "".join(
        f'[[articles]]\nurl = "{url}"\nkeep = true\nimage_width = 600\nimage_height = 400\n\n'
        for url in urls
    )
    edition = folder / "editions" / "2024-11-22.toml"
    edition.parent.mkdir()
    edition.write_text('subject = "Fetch benchmark"\n\n' + entries, encoding="utf-8")
    return edition


def digest(*args: str) -> float:
    """Seconds of one whole `digest` process (it must succeed)."""
    command = [str(Path(sys.executable).with_name("digest")), *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def forget_pages(folder: Path) -> None:
    """Empty the publication's fetch cache."""
    shutil.rmtree(folder / ".digest-cache", ignore_errors=True)


def forget_reads() -> None:
    """Empty the saved build caches (pages read and summarized by earlier builds)."""
    shutil.rmtree(Path(os.environ["DIGEST_CACHE_DIR"]) / "builds", ignore_errors=True)


def cold_and_warm(folder: Path, runs: int, run: Callable[[], float]) -> dict[str, float]:
    """Median seconds of `run`: cold (nothing cached); with the fetch cache warm but the pages
    still to read (the build cache emptied); and warm (the editor's next build)."""
    times: dict[str, list[float]] = {"cold": [], "pages cached": [], "warm": []}
    for _ in range(runs):
        forget_pages(folder)
        forget_reads()
        times["cold"].append(run())
        forget_reads()
        times["pages cached"].append(run())
        times["warm"].append(run())
    return {name: statistics.median(values) for name, values in times.items()}


def library_span(urls: list[str], concurrency: int, runs: int) -> float:
    """Median seconds of `fetch_all` over `urls`, no cache: the requests' span."""
    from digest.sources.fetch import FetchSettings, fetch_all

    settings = FetchSettings(allow_private=True, total_timeout=30, concurrency=concurrency)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        outcomes = fetch_all(urls, settings)
        times.append(time.perf_counter() - start)
        failed = [outcome.error for outcome in outcomes if outcome.error is not None]
        if failed:
            raise SystemExit(f"fetch_all failed: {failed[0]}")
    return statistics.median(times)


def measure(work: Path, port: int, names: list[str], runs: int) -> dict[str, float]:
    """Every figure of the table, in seconds."""
    urls = urls_of(port, names, HOSTS)
    edition = publication(work / "pub", urls)
    out = str(work / "out")
    figures: dict[str, float] = {}

    def build(edition: Path) -> Callable[[], float]:
        return lambda: digest("build", str(edition), "--out", out)

    for name, value in cold_and_warm(edition.parent.parent, runs, build(edition)).items():
        figures[f"build {name}"] = value
    sources = [arg for url in urls for arg in ("--from", url)]
    folder = str(edition.parent.parent)
    drafts = cold_and_warm(
        edition.parent.parent,
        runs,
        lambda: digest("new", *sources, "--dir", folder, "--date", "2024-11-23", "--force"),
    )
    figures["new cold"], figures["new warm"] = drafts["cold"], drafts["warm"]
    serial = publication(work / "serial", urls, "concurrency = 1\n")
    figures["build cold, concurrency 1"] = cold_and_warm(serial.parent.parent, runs, build(serial))[
        "cold"
    ]
    one_host = publication(work / "one-host", urls_of(port, names, HOSTS[:1]))
    figures["build cold, one host"] = cold_and_warm(one_host.parent.parent, runs, build(one_host))[
        "cold"
    ]
    figures["library span, concurrency 1"] = library_span(urls, 1, runs)
    figures["library span, concurrency 8"] = library_span(urls, 8, runs)
    return figures


def table(figures: dict[str, float], runs: int, delay: float, where: str) -> str:
    """The figures and the bars, for a person."""
    lines = [
        f"{PAGES} pages ({where}) on {len(HOSTS)} loopback hosts, each answered {delay:g} s "
        f"late; medians of {runs} runs (shared machine: figures are noisy)",
        "",
        f"{'measure':<32} {'seconds':>8}",
    ]
    lines += [f"{name:<32} {value:>8.2f}" for name, value in figures.items()]
    lines.append("")
    bars = [
        ("build cold <= build warm", "build cold", "build warm"),
        ("build cold <= build pages cached", "build cold", "build pages cached"),
        ("new cold <= new warm", "new cold", "new warm"),
    ]
    for label, slow, fast in bars:
        extra = figures[slow] - figures[fast]
        verdict = "met" if extra <= BAR_SECONDS else "NOT met"
        lines.append(f"bar: {label} + {BAR_SECONDS} s: {extra:+.2f} s ({verdict})")
    ratio = figures["library span, concurrency 1"] / figures["library span, concurrency 8"]
    lines.append(f"requests' span, concurrency 1 / 8: {ratio:.1f}x")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--json", action="store_true", help="the figures as one JSON object")
    parser.add_argument(
        "--pages", type=Path, default=None, help="a folder of .html.gz pages to serve instead"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-fetch-bench-") as scratch:
        work = Path(scratch)
        # Saved build caches go to the scratch folder, not the user's own cache.
        os.environ["DIGEST_CACHE_DIR"] = str(work / "user-cache")
        pages, names, where = pick_pages(work, args.pages.resolve() if args.pages else None)
        server, port = start_server(pages, args.delay)
        try:
            figures = measure(work, port, names, args.runs)
        finally:
            server.kill()
            server.wait()
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(table(figures, args.runs, args.delay, where))


if __name__ == "__main__":
    main()
