"""The built email in a real headless Chromium: inbox line, images on and off, phone and
desktop widths, dark mode, right to left, and no English left in other languages."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from digest.build import build
from digest.mail.render import PREVIEW_CHARS, PREVIEW_FILLER
from digest.mail.theme import DARK_CARD, DARK_TEXT, MIN_CONTRAST, contrast_ratio

from .browser import screenshot_path
from .conftest import MINIMAL_PUBLICATION, PublicationFactory

PHONE, DESKTOP = 375, 1024
# The bar: turning images off may move the page by less than this share of its height.
MAX_HEIGHT_CHANGE = 0.05
# The theme's fixed strings in English; none may show in a German or Arabic edition.
ENGLISH_STRINGS = (
    "In brief",
    "In this edition",
    "Read more",
    "Sponsored",
    "Top story",
    "Unsubscribe",
    "View in your browser",
    "No.",
    "Friday",
)


@pytest.fixture
def built_sample(sample_copy: Path) -> Path:
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    return files["html"]


def png(width: int, height: int) -> bytes:
    """A real PNG of the given size (grey), for serving images to the page."""
    row = b"\x00" + b"\x80\x80\x80" * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def open_page(
    browser: Any, html: Path, width: int, scheme: str = "light", images: bool = False
) -> Any:
    """The email in a page; remote images blocked (as mail clients do) unless `images`."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    if images:
        # Serve each image at the pixel size its attributes promise (scaled 2x, as photos are).
        boxes = {
            src: (int(w) * 2, int(h) * 2)
            for src, w, h in re.findall(
                r'<img[^>]*?src="([^"]+)"[^>]*?width="(\d+)" height="(\d+)"',
                html.read_text(encoding="utf-8"),
            )
        }
        page.route(
            "http*://**/*",
            lambda route: route.fulfill(
                status=200,
                content_type="image/png",
                body=png(*boxes.get(route.request.url, (2, 2))),
            ),
        )
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


def test_phone_width_stacks_thumbnails_without_sideways_scroll(
    browser: Any, built_sample: Path
) -> None:
    page = open_page(browser, built_sample, PHONE, images=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    overflowing = page.evaluate(
        "[...document.images].filter(i => i.getBoundingClientRect().right > innerWidth + 0.5)"
        ".map(i => i.alt)"
    )
    assert overflowing == []
    # Each thumbnail spans the text column and sits above its story's text, not beside it.
    stacked = page.evaluate(
        """[...document.querySelectorAll('img.th')].map(img => {
            const box = img.getBoundingClientRect();
            const text = img.parentElement.querySelector('p.tx').getBoundingClientRect();
            return [box.width, text.width, box.bottom <= text.top + 0.5];
        })"""
    )
    assert stacked and all(abs(image - text) <= 1 and above for image, text, above in stacked), (
        stacked
    )
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
        """[...document.querySelectorAll('img.th')].map(img => {
            const box = img.getBoundingClientRect();
            const text = img.parentElement.querySelector('p.tx').getBoundingClientRect();
            return box.width <= 160 && box.left > text.left && box.top < text.bottom;
        })"""
    )
    assert beside and all(beside)
    page.screenshot(path=screenshot_path("email", "sample-1024.png"), full_page=True)
    page.close()


def _rgb_hex(css: str) -> str:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def test_dark_mode_derives_readable_colours_from_the_brand(
    browser: Any, built_sample: Path
) -> None:
    page = open_page(browser, built_sample, DESKTOP, scheme="dark")
    colours = page.evaluate(
        """(() => {
            const css = (selector, key) => getComputedStyle(document.querySelector(selector))[key];
            return {text: css('p.tx', 'color'), card: css('.card', 'backgroundColor'),
                    accent: css('a.ac', 'color'), section: css('h2.sh', 'color'),
                    meta: css('p.mt', 'color'), headline: css('a.hl', 'color')};
        })()"""
    )
    page.screenshot(path=screenshot_path("email", "sample-dark.png"), full_page=True)
    page.close()
    assert _rgb_hex(colours["text"]) == DARK_TEXT
    assert _rgb_hex(colours["card"]) == DARK_CARD
    for key in ("text", "accent", "section", "meta", "headline"):
        ratio = contrast_ratio(_rgb_hex(colours[key]), DARK_CARD)
        assert ratio >= MIN_CONTRAST, (key, colours[key], ratio)
    assert _rgb_hex(colours["accent"]) != "#7fd1b2"  # derived from the brand, not a fixed mint


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


@pytest.mark.parametrize(("language", "zone"), [("de", "Europe/Berlin"), ("ar", "Asia/Dubai")])
def test_other_languages_show_no_english_fixed_strings(
    browser: Any, make_publication: PublicationFactory, language: str, zone: str
) -> None:
    _, files = build(_language_edition(make_publication, language, zone))
    page = open_page(browser, files["html"], PHONE)
    visible = page.evaluate("document.body.innerText")
    assert page.evaluate("document.documentElement.lang") == language
    if language == "ar":
        assert page.evaluate("document.documentElement.dir") == "rtl"
        align = page.evaluate("getComputedStyle(document.querySelector('.ld div')).textAlign")
        assert align == "right"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.screenshot(path=screenshot_path("email", f"{language}-375.png"), full_page=True)
    page.close()
    text_part = files["text"].read_text(encoding="utf-8")
    for english in ENGLISH_STRINGS:
        assert english not in visible, (language, english)
        assert english not in text_part, (language, english)
