"""The built email in a real headless Chromium: inbox line, images on and off, phone and
desktop widths, dark mode, right to left, and no English left in other languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from digest.build import build
from digest.mail.render import PREVIEW_CHARS, PREVIEW_FILLER
from digest.mail.theme import DARK_CARD, DARK_TEXT, MIN_CONTRAST, contrast_ratio

from .browser import COLUMNS_SCRIPT, CONTRAST_SCRIPT, screenshot_path, serve_images
from .conftest import MINIMAL_PUBLICATION, PublicationFactory

PHONE, DESKTOP = 375, 1024
# The bars at 375 px: the lead's headline starts on the first screen, a thumbnail stays small
# beside its headline, and with every <style> removed no text runs in a column under 280 px.
LEAD_HEADLINE_MAX_Y = 400
PHONE_THUMBNAIL_PX = 80
MIN_TEXT_COLUMN_PX = 280
# The bar: turning images off may move the page by less than this share of its height.
MAX_HEIGHT_CHANGE = 0.05
# The theme's fixed strings in English; none may show in a German or Arabic edition.
ENGLISH_STRINGS = (
    "In brief",
    "In this edition",
    "Read more",
    "Sponsored",
    "Top story",
    "Learn more",
    "Unsubscribe",
    "View in your browser",
    "No.",
    "Friday",
)


@pytest.fixture
def built_sample(sample_copy: Path) -> Path:
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    return files["html"]


def open_page(
    browser: Any, html: Path, width: int, scheme: str = "light", images: bool = False
) -> Any:
    """The email in a page; remote images blocked (as mail clients do) unless `images`."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    if images:
        serve_images(page, html)
    else:
        page.route("http*://**/*", lambda route: route.abort())
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    return page


def test_inbox_line_is_the_preheader_and_filler_only(browser: Any, built_sample: Path) -> None:
    page = open_page(browser, built_sample, DESKTOP)
    text = page.evaluate("document.body.textContent")
    page.close()
    # What a client takes for the inbox line: the body's text, runs of spaces collapsed.
    inbox = re.sub(r"[ \t\r\n]+", " ", text).lstrip()[:PREVIEW_CHARS]
    preheader = (
        "NATO–Ukraine talks, $38.48 bn in garment exports, Dhaka's air and COP29 in overtime."
    )
    assert inbox.startswith(preheader)
    rest = inbox[len(preheader) :]
    assert rest and set(rest) <= set(PREVIEW_FILLER), repr(rest)


def test_images_off_keeps_the_layout(browser: Any, built_sample: Path) -> None:
    for width in (DESKTOP, PHONE):
        heights = []
        for images in (True, False):
            page = open_page(browser, built_sample, width, images=images)
            if images:
                loaded = page.evaluate("[...document.images].every(i => i.naturalWidth > 0)")
                assert loaded
            heights.append(page.evaluate("document.documentElement.scrollHeight"))
            name = f"sample-{width}-{'images' if images else 'no-images'}.png"
            page.screenshot(path=screenshot_path("email", name), full_page=True)
            page.close()
        on, off = heights
        assert abs(on - off) / on < MAX_HEIGHT_CHANGE, (width, on, off)


def test_phone_width_keeps_small_thumbnails_beside_headlines(
    browser: Any, built_sample: Path
) -> None:
    page = open_page(browser, built_sample, PHONE, images=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    overflowing = page.evaluate(
        "[...document.images].filter(i => i.getBoundingClientRect().right > innerWidth + 0.5)"
        ".map(i => i.alt)"
    )
    assert overflowing == []
    # Each thumbnail is a small picture beside its headline, at the end side of the card.
    beside = page.evaluate(
        """[...document.querySelectorAll('img.tb')].map(img => {
            const box = img.getBoundingClientRect();
            const line = img.closest('td').querySelector('h3').getBoundingClientRect();
            return [box.width, box.left >= line.right - 0.5, box.top < line.bottom];
        })"""
    )
    assert beside and all(w <= PHONE_THUMBNAIL_PX and right and up for w, right, up in beside)
    lead_top = page.evaluate("document.querySelector('h2.lh').getBoundingClientRect().top")
    assert lead_top <= LEAD_HEADLINE_MAX_Y, lead_top
    body_size = page.evaluate("getComputedStyle(document.querySelector('p.tx')).fontSize")
    assert body_size == "16px"
    page.screenshot(path=screenshot_path("email", "sample-375.png"), full_page=True)
    page.close()


def test_desktop_puts_thumbnails_beside_the_text(browser: Any, built_sample: Path) -> None:
    page = open_page(browser, built_sample, DESKTOP, images=True)
    box = page.evaluate(
        "(() => { const r = document.querySelector('.card').getBoundingClientRect();"
        " return {left: r.left, right: r.right, width: r.width}; })()"
    )
    assert box["width"] <= 600
    assert abs(box["left"] - (DESKTOP - box["right"])) <= 2  # centred
    beside = page.evaluate(
        """[...document.querySelectorAll('img.tb')].map(img => {
            const box = img.getBoundingClientRect();
            const line = img.closest('td').querySelector('h3').getBoundingClientRect();
            return box.width <= 120 && box.left > line.right - 0.5 && box.top < line.bottom;
        })"""
    )
    assert beside and all(beside)
    page.screenshot(path=screenshot_path("email", "sample-1024.png"), full_page=True)
    page.close()


def test_without_any_style_block_columns_stay_readable(browser: Any, built_sample: Path) -> None:
    """Gmail without styles (non-Google accounts, mobile web): every <style> removed."""
    stripped = built_sample.with_name("no-style.html")
    html = built_sample.read_text(encoding="utf-8")
    stripped.write_text(re.sub(r"<style\b.*?</style>", "", html, flags=re.S), encoding="utf-8")
    page = open_page(browser, stripped, PHONE, images=True)
    found = page.evaluate(COLUMNS_SCRIPT)
    page.screenshot(path=screenshot_path("email", "sample-375-no-style.png"), full_page=True)
    page.close()
    assert found["scroll"] <= 0, found
    assert found["narrowest"][0]["width"] >= MIN_TEXT_COLUMN_PX, found["narrowest"]


def _rgb_hex(css: str) -> str:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


@pytest.mark.parametrize("theme", ["briefing", "classic"])
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_every_text_and_bullet_is_readable_on_what_is_behind_it(
    browser: Any, sample_copy: Path, theme: str, scheme: str
) -> None:
    """Computed on the rendered elements (images off: their alt text counts too)."""
    html = _sample_in_theme(sample_copy, theme, contents=True)
    page = open_page(browser, html, DESKTOP, scheme=scheme)
    measured = page.evaluate(CONTRAST_SCRIPT)
    page.screenshot(path=screenshot_path("email", f"{theme}-{scheme}.png"), full_page=True)
    page.close()
    kinds = {row["kind"] for row in measured}
    assert {"text", "alt"} <= kinds and len(measured) > 40
    poor = [row for row in measured if row["ratio"] < MIN_CONTRAST]
    assert not poor, poor


def test_dark_mode_derives_readable_colours_from_the_brand(
    browser: Any, built_sample: Path
) -> None:
    page = open_page(browser, built_sample, DESKTOP, scheme="dark")
    colours = page.evaluate(
        """(() => {
            const css = (selector, key) => getComputedStyle(document.querySelector(selector))[key];
            return {text: css('p.tx', 'color'), card: css('.card', 'backgroundColor'),
                    accent: css('a.ac', 'color')};
        })()"""
    )
    page.close()
    assert _rgb_hex(colours["text"]) == DARK_TEXT
    assert _rgb_hex(colours["card"]) == DARK_CARD
    assert contrast_ratio(_rgb_hex(colours["accent"]), DARK_CARD) >= MIN_CONTRAST
    assert _rgb_hex(colours["accent"]) != "#7fd1b2"  # derived from the brand, not a fixed mint


def _sample_in_theme(sample_copy: Path, theme: str, contents: bool = False) -> Path:
    toml = sample_copy / "digest.toml"
    extra = f'\n[theme]\nname = "{theme}"\ncontents = {str(contents).lower()}\n'
    toml.write_text(toml.read_text(encoding="utf-8") + extra, encoding="utf-8")
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    return Path(files["html"])


def _language_edition(make_publication: PublicationFactory, language: str, zone: str) -> Path:
    publication = MINIMAL_PUBLICATION.replace(
        'timezone = "Europe/London"',
        f'timezone = "{zone}"\nlanguage = "{language}"\nissue_numbers = true',
    )
    return make_publication(
        """
        intro = "**Guten Morgen** · صباح الخير"
        [[articles]]
        source = "../a.md"
        [[articles]]
        source = "../b.md"
        [[sponsor]]
        text = "Solar"
        url = "https://sponsor.example.org/"
        [[ticker]]
        text = "خبر قصير · Kurzmeldung"
        """,
        files={
            "a.md": "---\ntitle: عنوان الخبر\nurl: https://example.org/a\n"
            "date: 2024-11-22 09:30\n---\nنص الخبر هنا.\n",
            "b.md": "---\ntitle: Zweite Meldung\nurl: https://example.org/b\nsection: World\n"
            "---\nText der zweiten Meldung.\n",
        },
        publication=publication,
    )


@pytest.mark.parametrize("theme", ["briefing", "classic"])
@pytest.mark.parametrize(("language", "zone"), [("de", "Europe/Berlin"), ("ar", "Asia/Dubai")])
def test_other_languages_show_no_english_fixed_strings(
    browser: Any, make_publication: PublicationFactory, language: str, zone: str, theme: str
) -> None:
    edition = _language_edition(make_publication, language, zone)
    toml = edition.parent.parent / "digest.toml"
    toml.write_text(toml.read_text() + f'[theme]\nname = "{theme}"\n', encoding="utf-8")
    _, files = build(edition)
    page = open_page(browser, files["html"], PHONE)
    visible = page.evaluate("document.body.innerText")
    role = page.evaluate(
        "document.querySelector('[aria-roledescription]').getAttribute('aria-roledescription')"
    )
    assert role != "email", role
    assert page.evaluate("document.documentElement.lang") == language
    if language == "ar":
        assert page.evaluate("document.documentElement.dir") == "rtl"
        align = page.evaluate("getComputedStyle(document.querySelector('.ld div')).textAlign")
        assert align == "right"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.screenshot(path=screenshot_path("email", f"{theme}-{language}-375.png"), full_page=True)
    page.close()
    text_part = files["text"].read_text(encoding="utf-8")
    for english in ENGLISH_STRINGS:
        assert english not in visible, (language, english)
        assert english not in text_part, (language, english)
