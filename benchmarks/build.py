"""Build speed and size at 5, 20, 50 and 200 articles.

Generates editions from the sample publication's articles (cycled, with distinct headlines and
URLs), then prints per size: the median in-process time of each stage, the whole-process
`digest build` time, HTML bytes and bytes per added article. If node's `mjml` CLI is available
(`--node-mjml PATH`, or `npx mjml` found via `--node-dir`), its compile-only time on the same
MJML is printed beside ours.

    python benchmarks/build.py [--sizes 5 20 50 200] [--runs 5] [--node-mjml PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
STAGES = ("load", "read", "summarize", "arrange", "render", "compile", "message", "check")


def make_edition(folder: Path, count: int, story_images: str = "thumbnail") -> Path:
    """A publication copy with an edition of `count` articles (distinct titles, URLs and
    images of known size), its theme showing other stories' images as `story_images`.

    The articles repeat the sample's few stories, so each is marked `keep = true`: the build
    would otherwise drop the repeats as near-duplicates, and the sizes would not grow."""
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("out", "editions"))
    toml = folder / "digest.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + f'\n[theme]\nstory_images = "{story_images}"\n',
        encoding="utf-8",
    )
    sources = sorted((folder / "articles").iterdir())
    sections = ["Diplomacy", "Economy", "Climate", "World"]
    lines = ['subject = "Benchmark edition"', 'preheader = "Benchmark preheader"', ""]
    for number in range(count):
        source = sources[number % len(sources)]
        lines += [
            "[[articles]]",
            f'source = "../articles/{source.name}"',
            f'title = "Benchmark headline number {number + 1} about {source.stem}"',
            f'url = "https://www.greenwatch.example/story/{number + 1}"',
            f'section = "{sections[number % len(sections)]}"',
            f'image = "https://www.greenwatch.example/uploads/benchmark-{number + 1}.jpg"',
            "image_width = 1200",
            "image_height = 675",
            "keep = true",
            "",
        ]
    lines += ["[[ticker]]", 'source = "../articles/greenwatch-nato-ukraine.txt"', ""]
    edition = folder / "editions" / "2024-11-22.toml"
    edition.parent.mkdir(parents=True, exist_ok=True)
    edition.write_text("\n".join(lines), encoding="utf-8")
    return edition


def in_process(edition: Path, runs: int) -> tuple[dict[str, float], int, str]:
    """Median ms per stage over `runs` builds (after one warm-up), HTML bytes, the MJML."""
    from digest.build import build_in_memory
    from digest.config import load_edition

    samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
    samples["total"] = []
    result = None
    for run in range(runs + 1):
        start = time.perf_counter()
        loaded = load_edition(edition)
        load_ms = (time.perf_counter() - start) * 1000
        result = build_in_memory(loaded)
        if run == 0:
            continue  # warm-up: imports and template compilation
        timings = {"load": load_ms, **result.timings_ms}
        for stage in STAGES:
            samples[stage].append(timings.get(stage, 0.0))
        samples["total"].append(sum(timings.values()))
    assert result is not None
    medians = {stage: statistics.median(values) for stage, values in samples.items()}
    return medians, result.digest.html_bytes, result.digest.mjml


def whole_process(edition: Path, out: Path, runs: int) -> float:
    """Median wall-clock ms of `digest build` as a person runs it."""
    # digest.cli is a package without __main__: run the console script as a person does.
    digest = str(Path(sys.executable).with_name("digest"))
    command = [digest, "build", str(edition), "--out", str(out)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def node_compile(node_mjml: str | None, mjml: str, folder: Path, runs: int) -> float | None:
    """Median ms of node's `mjml` CLI compiling the same MJML file (process included)."""
    if not node_mjml:
        return None
    source = folder / "digest.mjml"
    source.write_text(mjml, encoding="utf-8")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [node_mjml, str(source), "-o", str(folder / "node.html")], capture_output=True
        )
        if done.returncode != 0:
            return None
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def ours_compile_only(mjml: str, runs: int) -> float:
    """Median ms of mjml-python alone on the same MJML (no inlining)."""
    from digest.mail.compile import mjml_to_html

    mjml_to_html(mjml)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        mjml_to_html(mjml)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# The size bar: HTML bytes per added story with thumbnails (the default briefing theme), and
# 30 stories under Gmail's clip.
BYTES_PER_STORY_BUDGET = 1300
GMAIL_CLIP = 102_400
SIZE_SMALL, SIZE_LARGE = 5, 30


def image_mode_sizes(runs: int) -> dict[str, tuple[int, int]]:
    """HTML bytes at SIZE_SMALL and SIZE_LARGE articles for each story_images mode."""
    from digest.build import build_in_memory
    from digest.config import load_edition

    del runs  # sizes are deterministic: one build each
    sizes: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for mode in ("none", "thumbnail", "full"):
            pair = []
            for count in (SIZE_SMALL, SIZE_LARGE):
                edition = make_edition(Path(scratch) / f"{mode}-{count}", count, mode)
                pair.append(build_in_memory(load_edition(edition)).digest.html_bytes)
            sizes[mode] = (pair[0], pair[1])
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 30, 50, 200])
    parser.add_argument(
        "--story-images",
        choices=["none", "thumbnail", "full"],
        default="thumbnail",
        help="the theme's story_images for the timing table (default: thumbnail)",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--node-mjml", help="path to node's mjml CLI (node_modules/.bin/mjml)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    node_mjml = args.node_mjml or shutil.which("mjml")

    rows = []
    previous: tuple[int, int] | None = None
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            folder = Path(scratch) / f"n{size}"
            edition = make_edition(folder, size, args.story_images)
            stages, html_bytes, mjml = in_process(edition, args.runs)
            process_ms = whole_process(edition, folder / "out", max(3, args.runs // 2))
            per_added = (html_bytes - previous[1]) / (size - previous[0]) if previous else None
            previous = (size, html_bytes)
            rows.append(
                {
                    "articles": size,
                    **{f"{stage}_ms": round(ms, 2) for stage, ms in stages.items()},
                    "process_ms": round(process_ms, 1),
                    "html_bytes": html_bytes,
                    "bytes_per_article": round(html_bytes / size),
                    "bytes_per_added_article": round(per_added) if per_added else None,
                    "mjml_python_ms": round(ours_compile_only(mjml, args.runs), 2),
                    "node_mjml_ms": node_compile(node_mjml, mjml, folder, 3),
                }
            )
    sizes = image_mode_sizes(args.runs)
    if args.json:
        print(json.dumps({"timings": rows, "html_bytes_by_story_images": sizes}, indent=2))
        return
    print(f"median of {args.runs} in-process runs (after a warm-up); times in ms")
    header = [
        "articles",
        *STAGES,
        "total",
        "process",
        "html bytes",
        "B/article",
        "B/added",
        "mjml-py",
        "node mjml",
    ]
    print(" | ".join(f"{h:>9}" for h in header))
    for row in rows:
        cells = [
            row["articles"],
            *(f"{row[f'{s}_ms']:.1f}" for s in (*STAGES, "total")),
            f"{row['process_ms']:.0f}",
            row["html_bytes"],
            row["bytes_per_article"],
            row["bytes_per_added_article"] or "-",
            f"{row['mjml_python_ms']:.1f}",
            f"{row['node_mjml_ms']:.0f}" if row["node_mjml_ms"] else "n/a",
        ]
        print(" | ".join(f"{cell!s:>9}" for cell in cells))
    if not node_mjml:
        print("node mjml: not found (npm install mjml, then pass --node-mjml PATH)")
    print()
    print(f"HTML bytes by the theme's story_images ({SIZE_SMALL} and {SIZE_LARGE} articles)")
    print(
        " | ".join(
            f"{h:>12}"
            for h in (
                "story_images",
                f"{SIZE_SMALL} B",
                f"{SIZE_LARGE} B",
                "B/added",
                "budget",
                f"{SIZE_LARGE} clip",
            )
        )
    )
    for mode, (small, large) in sizes.items():
        per_added = (large - small) / (SIZE_LARGE - SIZE_SMALL)
        cells = [
            mode,
            small,
            large,
            f"{per_added:.0f}",
            BYTES_PER_STORY_BUDGET,
            "ok" if large < GMAIL_CLIP else "CLIPPED",
        ]
        print(" | ".join(f"{cell!s:>12}" for cell in cells))


if __name__ == "__main__":
    main()
