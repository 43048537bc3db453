"""The README's pictures of the email: the sample in each theme at phone and desktop width.

Builds the sample publication in each theme through `digest build`'s own function, opens the
HTML in Debian's Chromium (Playwright) with every image served as a grey box of its
promised size, and saves the first screen of each as a PNG in docs/screenshots/. Prints a
table of the files written.

    python benchmarks/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from theme import built, theme_edition  # noqa: E402

from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve_images  # noqa: E402

THEMES = ("briefing", "classic")
# (name, viewport width, height shown): a phone's first screen and a desktop window's.
VIEWS = (("phone", 375, 812), ("desktop", 760, 1000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'theme':<10} | {'view':<8} | {'size':>9} | {'bytes':>7} | file")
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for theme in THEMES:
            html, _ = built(theme_edition(Path(scratch) / theme, theme))
            for view, width, height in VIEWS:
                page = browser.new_page(viewport={"width": width, "height": height})
                serve_images(page, html, scale=1)
                page.goto(html.as_uri())
                page.wait_for_load_state("load")
                target = args.out / f"{theme}-{view}.png"
                page.screenshot(path=str(target))
                page.close()
                size, written = f"{width}x{height}", target.stat().st_size
                print(f"{theme:<10} | {view:<8} | {size:>9} | {written:>7} | {target}")
        browser.close()


if __name__ == "__main__":
    main()
