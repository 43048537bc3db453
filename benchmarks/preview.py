"""Preview rebuild latency for a 20-article edition.

Starts the preview server (watching) on a generated edition, then edits the edition file
`--runs` times (a headline override changes each time) and measures, per edit:

- rebuild: the watcher reported the change -> the new HTML is ready (load + build in memory);
  this is the number the target applies to (under 100 ms median), debounce excluded;
- published: the same plus the checks, size report and the page's state JSON;
- end to end: the file written -> the page's /version long-poll answers (adds the OS
  notification and watchfiles' quiet period of STEP_MS).

    python benchmarks/preview.py [--articles 20] [--runs 15]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import STAGES, make_edition  # a sibling script, not a package

from digest.preview.server import DEBOUNCE_MS, STEP_MS, PreviewServer

TARGET_MS = 100.0
TIMEOUT_S = 10.0


def wait_version(server: PreviewServer, since: int) -> int:
    """Long-poll the server's /version as the page does."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT_S * 3)
    try:
        connection.request("GET", f"/version?since={since}")
        version: int = json.loads(connection.getresponse().read())["version"]
        return version
    finally:
        connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(edition: Path, runs: int) -> dict[str, list[float]]:
    """Edit the edition `runs` times (after one warm-up edit); collect timings per edit."""
    original = edition.read_text(encoding="utf-8")
    samples: dict[str, list[float]] = {
        "rebuild": [],
        "published": [],
        "end to end": [],
        **{s: [] for s in STAGES},
    }
    with PreviewServer(edition) as server:
        version = server.state.version
        for run in range(runs + 1):
            changed = original.replace(
                "Benchmark headline number 1 ", f"Benchmark headline number 1 (edit {run}) ", 1
            )
            start = time.perf_counter()
            edition.write_text(changed, encoding="utf-8")
            deadline = time.monotonic() + TIMEOUT_S
            while (new := wait_version(server, version)) == version:
                if time.monotonic() > deadline:
                    raise SystemExit("no rebuild seen within the timeout")
            end_to_end = (time.perf_counter() - start) * 1000
            version = new
            timing, result = server.last_timing, server.state.result
            assert timing is not None and timing.ok and result is not None
            assert f"(edit {run})" in result.digest.html
            if run == 0:
                continue  # warm-up: template compilation, first import of the checks
            samples["rebuild"].append(timing.html_ready_ms)
            samples["published"].append(timing.published_ms)
            samples["end to end"].append(end_to_end)
            for stage in STAGES:
                samples[stage].append(result.timings_ms.get(stage, 0.0))
            time.sleep(0.05)  # let the file settle so edits don't merge into one rebuild
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15, help="edits measured (at least 10)")
    args = parser.parse_args()
    runs = max(10, args.runs)
    with tempfile.TemporaryDirectory() as scratch:
        edition = make_edition(Path(scratch) / "publication", args.articles)
        samples = measure(edition, runs)

    print(f"preview rebuilds, {args.articles} articles, {runs} edits; times in ms")
    print(f"(watchfiles: quiet period {STEP_MS} ms, max debounce {DEBOUNCE_MS} ms)")
    header = ["measure", "median", "p90", "min", "max"]
    print(" | ".join(f"{h:>12}" for h in header))
    for name, values in samples.items():
        if not values or (name in STAGES and max(values) == 0):
            continue
        cells = [statistics.median(values), percentile(values, 0.9), min(values), max(values)]
        print(" | ".join([f"{name:>12}", *(f"{cell:12.1f}" for cell in cells)]))
    median = statistics.median(samples["rebuild"])
    verdict = "meets" if median < TARGET_MS else "MISSES"
    print(f"rebuild median {median:.1f} ms {verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
