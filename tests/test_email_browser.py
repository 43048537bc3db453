"""The built email in a real headless Chromium: phone and desktop widths, dark mode, RTL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from digest.build import build

from .browser import screenshot_path
from .conftest import MINIMAL_PUBLICATION, PublicationFactory

PHONE, DESKTOP = 375, 1024
# Mail clients block remote images until asked; the layout must hold without them, so the
# tests block them too (and this machine has no network anyway).
BLOCK_REMOTE = "**/*"


@pytest.fixture
def built_sample(sample_copy: Path) -> Path:
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    return files["html"]


def open_page(browser: Any, html: Path, width: int, scheme: str = "light") -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.route("http*://**/*", lambda route: route.abort())
    page.goto(html.as_uri())
    return page


def test_phone_width_has_no_horizontal_scroll(browser: Any, built_sample: Path) -> None:
    page = open_page(browser, built_sample, PHONE)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE
    overflowing = page.evaluate(
        "[...document.images].filter(i => i.getBoundingClientRect().right > innerWidth + 0.5)"
        ".map(i => i.alt)"
    )
    assert overflowing == []
    body_size = page.evaluate(
        "getComputedStyle(document.querySelector('.st p:not(.mt):not(.rm)')).fontSize"
    )
    assert body_size == "16px"
    page.screenshot(path=screenshot_path("email", "sample-375.png"), full_page=True)
    page.close()


def test_desktop_column_is_at_most_600px_and_centred(browser: Any, built_sample: Path) -> None:
    page = open_page(browser, built_sample, DESKTOP)
    box = page.evaluate(
        "(() => { const r = document.querySelector('.card').getBoundingClientRect();"
        " return {left: r.left, right: r.right, width: r.width}; })()"
    )
    assert box["width"] <= 600
    assert abs(box["left"] - (DESKTOP - box["right"])) <= 2  # centred
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP
    page.screenshot(path=screenshot_path("email", "sample-1024.png"), full_page=True)
    page.close()


def test_dark_mode_keeps_text_readable(browser: Any, built_sample: Path) -> None:
    page = open_page(browser, built_sample, DESKTOP, scheme="dark")
    colours = page.evaluate(
        "(() => { const p = document.querySelector('.st p:not(.mt):not(.rm)');"
        " const card = document.querySelector('.card');"
        " return [getComputedStyle(p).color, getComputedStyle(card).backgroundColor]; })()"
    )
    text, background = colours
    assert text == "rgb(230, 232, 235)"
    assert background == "rgb(27, 31, 36)"
    page.screenshot(path=screenshot_path("email", "sample-dark.png"), full_page=True)
    page.close()


def test_right_to_left_publication(browser: Any, make_publication: PublicationFactory) -> None:
    publication = MINIMAL_PUBLICATION.replace(
        'timezone = "Europe/London"', 'timezone = "Asia/Dubai"\nlanguage = "ar"\ndirection = "rtl"'
    )
    edition = make_publication(
        '[[articles]]\nsource = "../a.md"\n[[ticker]]\ntext = "خبر قصير"\n',
        files={"a.md": "---\ntitle: عنوان الخبر\nurl: https://example.org/a\n---\nنص الخبر هنا.\n"},
        publication=publication,
    )
    _, files = build(edition)
    page = open_page(browser, files["html"], PHONE)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    align = page.evaluate("getComputedStyle(document.querySelector('.ld div')).textAlign")
    assert align == "right"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.screenshot(path=screenshot_path("email", "rtl-375.png"), full_page=True)
    page.close()
