"""Preview rebuild latency after one edit, for editions of 20 and 200 stories.

For each size, a publication is generated with one article file per story (the sample's
articles, copied), and the preview server (watching, as `digest preview` runs) is started on
it. Then one article is edited `--runs` times and each rebuild is timed:

- rebuild: the watcher reported the change -> the new email is built (load + build in memory,
  checks included); the bars apply to its median (issue 16: 200 stories <= 60 ms, 20 <= 15);
- published: the same plus the size report and the page's state JSON;
- end to end: the file written -> the page's /version long-poll answers (adds the OS
  notification and watchfiles' quiet period of STEP_MS).

Edits (`--edit`): `summary` (default) rewrites one article's `summary` in the edition file;
`title` its headline override; `source` appends a sentence to its article file. With
`--compare`, a second server with no cache (every rebuild reads and summarizes everything, as
before issue 16) is measured in the same run, alternating edit by edit.

    python benchmarks/preview.py [--articles 20 200] [--runs 15] [--edit summary] [--compare]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from digest.preview.server import DEBOUNCE_MS, STEP_MS, PreviewServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
STAGES = ("read", "summarize", "arrange", "render", "compile", "message", "check")
BARS_MS = {20: 15.0, 200: 60.0}  # issue 16, on the rebuild median
TIMEOUT_S = 10.0
SECTIONS = ("Diplomacy", "Economy", "Climate", "World")
EDITS = ("summary", "title", "source")
TICKER_PAGE = "greenwatch-nato-ukraine.txt"  # the sample page with a ticker block
REAL_STORIES = ROOT.parent / "shared" / "realworld" / "summaries" / "cnn-dev.jsonl"


def make_publication(folder: Path, count: int) -> Path:
    """A copy of the sample publication with `count` stories, each from its own file.

    The stories are distinct real news stories (the CNN set in ../shared/realworld, headline
    from the first highlight) when that data is here, as in a real edition; otherwise the
    sample's few articles repeat, marked `keep = true` so the build does not drop them as
    near-duplicates (and the checks then compare many same-news pairs: slower than real).
    """
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("out", "editions", "articles"))
    (folder / "articles").mkdir()
    stories = _real_stories(count)
    samples = sorted((SAMPLE / "articles").iterdir())
    lines = ['subject = "Benchmark edition"', 'preheader = "Benchmark preheader"', ""]
    ticker = ""
    for number in range(1, count + 1):
        if stories:
            headline, paragraphs = stories[number - 1]
            name = f"story-{number:03d}.md"
            body = "\n\n".join(paragraphs)
            front = f"---\ntitle: {json.dumps(headline)}\ndate: 2024-11-22 08:00\n---\n\n"
            (folder / "articles" / name).write_text(front + body + "\n", encoding="utf-8")
            about = headline
        else:
            sample = samples[(number - 1) % len(samples)]
            name = f"story-{number:03d}{sample.suffix}"
            shutil.copyfile(sample, folder / "articles" / name)
            ticker = ticker or (name if sample.name == TICKER_PAGE else "")
            about = sample.stem
        lines += [
            "[[articles]]",
            f'source = "../articles/{name}"',
            f"title = {json.dumps(f'Benchmark headline number {number} about {about}')}",
            f'url = "https://www.greenwatch.example/story/{number}"',
            f'section = "{SECTIONS[number % len(SECTIONS)]}"',
        ]
        lines += ([] if stories else ["keep = true"]) + [""]
    if ticker:
        lines += ["[[ticker]]", f'source = "../articles/{ticker}"', ""]
    edition = folder / "editions" / "2024-11-22.toml"
    edition.parent.mkdir(parents=True)
    edition.write_text("\n".join(lines), encoding="utf-8")
    return edition


def _real_stories(count: int) -> list[tuple[str, list[str]]]:
    """`count` distinct (headline, paragraphs) news stories, or [] when the data is absent."""
    if not REAL_STORIES.is_file():
        print(f"note: {REAL_STORIES} not found; the sample's articles are repeated instead")
        return []
    stories = []
    with REAL_STORIES.open(encoding="utf-8") as lines:
        for line in lines:
            story = json.loads(line)
            stories.append((story["highlights"][0].strip(), story["paragraphs"]))
    return stories[:count] if len(stories) >= count else []


def editor(edition: Path, kind: str) -> Callable[[int], str | None]:
    """A function making edit n to the edition's first story; returns a marker to look for.

    An edit to the article's text has no marker: the summary may not pick the edited sentence.
    """
    original = edition.read_text(encoding="utf-8")
    source = next((edition.parent.parent / "articles").glob("story-001.*"))
    body = source.read_text(encoding="utf-8")
    first_title = 'title = "Benchmark headline number 1 '

    def edit(n: int) -> str | None:
        marker = f"(edit {n})"
        if kind == "summary":
            summary = f'summary = "An editor rewrote this summary {marker}."\n'
            edition.write_text(original.replace(first_title, summary + first_title, 1), "utf-8")
        elif kind == "title":
            changed = original.replace(first_title, f"{first_title}{marker} ", 1)
            edition.write_text(changed, encoding="utf-8")
        else:
            source.write_text(
                body.replace("\n\n", f"\n\nThe minister spoke again {marker}.\n\n", 1), "utf-8"
            )
            return None
        return marker

    return edit


def wait_version(server: PreviewServer, since: int) -> int:
    """Long-poll the server's /version as the page does."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT_S * 3)
    try:
        connection.request("GET", f"/version?since={since}")
        version: int = json.loads(connection.getresponse().read())["version"]
        return version
    finally:
        connection.close()


def one_edit(server: PreviewServer, edit: Callable[[int], str | None], n: int) -> dict[str, float]:
    """Make edit n, wait for the page to see it; the timings of that rebuild."""
    version = server.state.version
    start = time.perf_counter()
    marker = edit(n)
    deadline = time.monotonic() + TIMEOUT_S
    while wait_version(server, version) == version:
        if time.monotonic() > deadline:
            raise SystemExit("no rebuild seen within the timeout")
    end_to_end = (time.perf_counter() - start) * 1000
    timing, result = server.last_timing, server.state.result
    assert timing is not None and timing.ok and result is not None, server.state.error
    if marker is not None and marker not in result.digest.html + result.digest.text:
        raise SystemExit(f"the rebuild does not show {marker}: edits merged or missed")
    time.sleep(0.05)  # let the file settle so that edits don't merge into one rebuild
    return {
        "rebuild": timing.html_ready_ms,
        "published": timing.published_ms,
        "end to end": end_to_end,
        **{stage: result.timings_ms.get(stage, 0.0) for stage in STAGES},
    }


def measure(count: int, runs: int, kind: str, compare: bool) -> dict[str, dict[str, list]]:
    """Per server ("cached", maybe "no cache"): each measure's samples over `runs` edits."""
    samples: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        editions = {"cached": make_publication(Path(scratch) / "cached", count)}
        if compare:
            editions["no cache"] = make_publication(Path(scratch) / "uncached", count)
        servers = {
            name: PreviewServer(path, cache=None) if name == "no cache" else PreviewServer(path)
            for name, path in editions.items()
        }
        try:
            for server in servers.values():
                server.start()
            edits = {name: editor(path, kind) for name, path in editions.items()}
            for n in range(runs + 1):
                for name, server in servers.items():
                    timings = one_edit(server, edits[name], n)
                    if n == 0:
                        continue  # warm-up: first import of the checks, first compile
                    for key, value in timings.items():
                        samples.setdefault(name, {}).setdefault(key, []).append(value)
        finally:
            for server in servers.values():
                server.stop()
    return samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def print_table(count: int, samples: dict[str, dict[str, list[float]]], kind: str) -> None:
    runs = len(samples["cached"]["rebuild"])
    print(f"\n{count} stories, {runs} edits of one story's {kind}; times in ms")
    header = ["server", "measure", "median", "p90", "min", "max"]
    print(" | ".join(f"{h:>12}" for h in header))
    for name, measures in samples.items():
        for measure_name, values in measures.items():
            if measure_name in STAGES and max(values) < 0.05:
                continue
            cells = [statistics.median(values), percentile(values, 0.9), min(values), max(values)]
            print(
                " | ".join([f"{name:>12}", f"{measure_name:>12}", *(f"{c:12.1f}" for c in cells)])
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--runs", type=int, default=15, help="edits measured (at least 10)")
    parser.add_argument("--edit", choices=EDITS, default="summary")
    parser.add_argument("--compare", action="store_true", help="also measure with no cache")
    args = parser.parse_args()
    runs = max(10, args.runs)
    print(
        f"preview rebuilds (watchfiles: quiet period {STEP_MS} ms, max debounce {DEBOUNCE_MS} ms)"
    )
    verdicts = []
    for count in args.articles:
        samples = measure(count, runs, args.edit, args.compare)
        print_table(count, samples, args.edit)
        median = statistics.median(samples["cached"]["rebuild"])
        line = f"{count} stories: rebuild median {median:.1f} ms"
        if "no cache" in samples:
            before = statistics.median(samples["no cache"]["rebuild"])
            line += f" (no cache: {before:.1f} ms, {before / median:.1f}x)"
        bar = BARS_MS.get(count)
        if bar is not None:
            line += f" {'meets' if median <= bar else 'MISSES'} the {bar:.0f} ms bar"
        verdicts.append(line)
    print()
    print("\n".join(verdicts))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
