"""The email as clients and judges see it, per theme: the bars of the briefing theme.

Builds the sample (and 30-story editions from benchmarks/build.py) in each theme through the
same code as `digest build`, opens them in Debian's Chromium (Playwright) and prints:

- where the lead headline starts at 375 px, and the 30-story page's height at 375 px;
- with every <style> removed, the narrowest text column at 375 px and any sideways scroll;
- in emulated dark (and light) mode, the lowest contrast of any text, alt text or bullet
  against what is rendered behind it;
- HTML bytes per added story (5 -> 30 stories, thumbnails);
- the third-party judges, when installed (`npm ci --prefix benchmarks/node`; SpamAssassin
  from Debian): caniemail's data (unsupported features per client, less the theme's
  accepted exceptions in email-clients.toml), MJML strict validation (node mjml), axe-core
  (serious and critical violations), html-validate (errors), SpamAssassin's score.

    python benchmarks/theme.py [--themes briefing classic] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from build import make_edition  # noqa: E402

from tests.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    COLUMNS_SCRIPT,
    CONTRAST_SCRIPT,
    serve_images,
)
from tests.judges import (  # noqa: E402
    NODE,
    axe_violations,
    caniemail_figures,
    html_validate,
    mjml_strict,
    spamassassin,
)

SAMPLE = ROOT / "samples" / "greenwatch"
PHONE, DESKTOP = 375, 600
SMALL, LARGE = 5, 30
# The bars (issue 23): measured here, the same numbers the closing note quotes.
LEAD_HEADLINE_MAX_Y = 400
HEIGHT_RATIO_MAX = 0.7
MIN_TEXT_COLUMN_PX = 280
MIN_CONTRAST = 4.5
BYTES_PER_STORY_MAX = 1300
LEAD_SELECTOR = {"briefing": "h2.lh", "classic": ".ld h2"}


def theme_edition(folder: Path, theme: str, count: int | None = None) -> Path:
    """The sample (or a `count`-story edition) in a copy whose digest.toml picks `theme`."""
    if count is None:
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("out"))
        edition = folder / "editions" / "2024-11-22.toml"
        toml = folder / "digest.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + "\n[theme]\n", encoding="utf-8")
    else:
        edition = make_edition(folder, count, "thumbnail")
        toml = folder / "digest.toml"
    text = toml.read_text(encoding="utf-8").replace("[theme]\n", f'[theme]\nname = "{theme}"\n')
    toml.write_text(text, encoding="utf-8")
    return edition


def built(edition: Path) -> tuple[Path, int]:
    """Build through `digest build`'s own function; the HTML file and its bytes."""
    from digest.build import build

    result, files = build(edition)
    return Path(files["html"]), result.digest.html_bytes


def open_page(browser: Any, html: Path, width: int, scheme: str = "light") -> Any:
    """The email in a page, every image served at the size its attributes promise."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    serve_images(page, html, scale=1)
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    return page


def browser_figures(browser: Any, theme: str, sample: Path, large: Path) -> dict[str, Any]:
    """Lead position, page height, no-style columns and contrast, in Chromium."""
    figures: dict[str, Any] = {}
    page = open_page(browser, sample, PHONE)
    figures["lead_y"] = round(
        page.evaluate(
            f"document.querySelector({LEAD_SELECTOR[theme]!r}).getBoundingClientRect().top"
        )
    )
    page.close()
    page = open_page(browser, large, PHONE)
    figures["height_30"] = page.evaluate("document.documentElement.scrollHeight")
    page.close()
    stripped = sample.with_name("no-style.html")
    html = sample.read_text(encoding="utf-8")
    stripped.write_text(re.sub(r"<style\b.*?</style>", "", html, flags=re.S), encoding="utf-8")
    page = open_page(browser, stripped, PHONE)
    columns = page.evaluate(COLUMNS_SCRIPT)
    page.close()
    figures["no_style_column"] = columns["narrowest"][0]["width"]
    figures["no_style_scroll"] = columns["scroll"]
    for scheme in ("dark", "light"):
        page = browser.new_page(viewport={"width": DESKTOP, "height": 900}, color_scheme=scheme)
        page.route("http*://**/*", lambda route: route.abort())  # images off: alt text counts
        page.goto(sample.as_uri())
        rows = page.evaluate(CONTRAST_SCRIPT)
        page.close()
        worst = min(rows, key=lambda row: row["ratio"])
        figures[f"contrast_{scheme}"] = worst["ratio"]
        figures[f"contrast_{scheme}_checked"] = len(rows)
        figures[f"contrast_{scheme}_worst"] = (
            f"{worst['tag']}.{worst['cls']} {worst['text'][:20]!r}"
        )
    figures["axe"] = axe_violations(browser, sample)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", nargs="+", default=["briefing", "classic"])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for theme in args.themes:
            base = Path(scratch) / theme
            sample, _ = built(theme_edition(base / "sample", theme))
            _, small = built(theme_edition(base / "small", theme, SMALL))
            large_html, large = built(theme_edition(base / "large", theme, LARGE))
            figures = browser_figures(browser, theme, sample, large_html)
            figures["bytes_per_story"] = round((large - small) / (LARGE - SMALL))
            figures["html_bytes_30"] = large
            strict, enhanced = caniemail_figures(theme, sample)
            figures["caniemail_strict"] = strict
            figures["caniemail_enhanced"] = enhanced
            figures["mjml_strict"] = mjml_strict(sample.with_name("digest.mjml"))
            figures["html_validate"] = html_validate(sample, base)
            figures["spamassassin"] = spamassassin(sample.with_name("digest.eml"))
            rows[theme] = figures
        browser.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    classic_height = rows.get("classic", {}).get("height_30")
    bars = [
        ("lead headline y at 375 px", "lead_y", f"<= {LEAD_HEADLINE_MAX_Y}"),
        ("30-story page height at 375 px", "height_30", f"<= {HEIGHT_RATIO_MAX} x classic"),
        ("no <style>: narrowest text column", "no_style_column", f">= {MIN_TEXT_COLUMN_PX}"),
        ("no <style>: sideways scroll px", "no_style_scroll", "0"),
        ("dark: lowest contrast", "contrast_dark", f">= {MIN_CONTRAST}"),
        ("dark: elements checked", "contrast_dark_checked", ""),
        ("dark: lowest element", "contrast_dark_worst", ""),
        ("light: lowest contrast", "contrast_light", f">= {MIN_CONTRAST}"),
        ("HTML bytes per added story", "bytes_per_story", f"<= {BYTES_PER_STORY_MAX}"),
        ("HTML bytes at 30 stories", "html_bytes_30", "< 102,400"),
        ("caniemail: Gmail/Apple/OutlookMac/Samsung", "caniemail_strict", "0"),
        ("caniemail: Outlook Win/Yahoo beyond accepted", "caniemail_enhanced", "0"),
        ("MJML strict validation errors", "mjml_strict", "0"),
        ("axe serious/critical", "axe", "0"),
        ("html-validate errors", "html_validate", "0"),
        ("SpamAssassin score", "spamassassin", "<= 0"),
    ]
    themes = list(rows)
    print(f"{'figure':<46} | {'bar':<16} | " + " | ".join(f"{t:<24}" for t in themes))
    for label, key, bar in bars:
        cells = [str(rows[t].get(key, "")) for t in themes]
        print(f"{label:<46} | {bar:<16} | " + " | ".join(f"{c:<24}" for c in cells))
    if classic_height and "briefing" in rows:
        ratio = rows["briefing"]["height_30"] / classic_height
        print(f"30-story height, briefing / classic: {ratio:.2f} (bar <= {HEIGHT_RATIO_MAX})")
    if not (NODE / "node_modules").exists():
        print("judges not installed: npm ci --prefix benchmarks/node")


if __name__ == "__main__":
    main()
