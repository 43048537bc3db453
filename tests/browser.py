"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by Playwright.

Tests that need it use the `browser` fixture, which skips with a reason when Chromium or
Playwright is missing (CI installs Chromium so these run there).
"""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without these, Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
OUTPUT = Path(__file__).resolve().parent / "output"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A shared headless Chromium, or a skip saying why there is none."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium); browser test skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed; browser test skipped")
    with sync_playwright() as playwright:
        executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def screenshot_path(*parts: str) -> Path:
    """Where a test saves a screenshot (tests/output/, not committed)."""
    path = OUTPUT.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


SCRIPTS = Path(__file__).resolve().parent / "js"
# Every visible piece of text (image alt text and list bullets too) with its colour, the
# colour actually behind it and the WCAG ratio between them.
CONTRAST_SCRIPT = (SCRIPTS / "contrast.js").read_text(encoding="utf-8")
# The narrowest column any text runs in, and how far the page scrolls sideways.
COLUMNS_SCRIPT = (SCRIPTS / "columns.js").read_text(encoding="utf-8")


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


def serve_images(page: Any, html: Path, scale: int = 2) -> None:
    """Answer every image request of `page` with a PNG of the size the email's attributes
    promise for it (times `scale`, as photos are larger than their box)."""
    boxes = {
        src: (int(width) * scale, int(height) * scale)
        for src, width, height in re.findall(
            r'<img[^>]*?src="([^"]+)"[^>]*?width="(\d+)" height="(\d+)"',
            html.read_text(encoding="utf-8"),
        )
    }
    page.route(
        "http*://**/*",
        lambda route: route.fulfill(
            status=200, content_type="image/png", body=png(*boxes.get(route.request.url, (2, 2)))
        ),
    )
