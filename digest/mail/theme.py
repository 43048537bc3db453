"""What the default theme computes: dark-mode colours from the brand, image boxes, outlet names.

Kept out of the templates so it can be tested and so every number has a name.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from urllib.parse import urlsplit

from digest.config import Brand

# WCAG AA for body-size text; dark-mode colours are derived until they reach it.
MIN_CONTRAST = 4.5
# The dark-mode surfaces (near-black, slightly cool) and their text.
DARK_PAGE = "#111418"
DARK_CARD = "#1b1f24"
DARK_TEXT = "#e6e8eb"
DARK_MUTED = "#aeb4ba"
DARK_HEADLINE = "#f2f4f6"
# Lightness steps while deriving the dark accent: fine enough to stop near the threshold.
LIGHTNESS_STEP = 0.01
# The email's content column and its side padding (MJML mj-text padding 24px).
COLUMN_PX = 600
CONTENT_PX = 552
# Story thumbnails beside the text: at most this wide, never taller than this.
THUMBNAIL_MAX_WIDTH = 160
THUMBNAIL_MAX_HEIGHT = 160


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a #rgb or #rrggbb colour."""
    red, green, blue = _rgb(colour)
    channels = (red, green, blue)
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in (red, green, blue))


def readable_on(colour: str, background: str, minimum: float = MIN_CONTRAST) -> str:
    """`colour` with its hue kept, lightened (on dark) or darkened (on light) until readable."""
    if contrast_ratio(colour, background) >= minimum:
        return _hex(*_rgb(colour))
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    step = LIGHTNESS_STEP if relative_luminance(background) < 0.5 else -LIGHTNESS_STEP
    while 0.0 <= lightness <= 1.0:
        lightness += step
        candidate = _hex(*colorsys.hls_to_rgb(hue, min(max(lightness, 0.0), 1.0), saturation))
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return "#ffffff" if step > 0 else "#000000"


@dataclass(frozen=True, slots=True)
class DarkPalette:
    """Dark-mode colours: fixed surfaces, and the brand colour made readable on them."""

    page: str
    card: str
    text: str
    muted: str
    headline: str
    accent: str


def dark_palette(brand: Brand) -> DarkPalette:
    """The dark-mode colours for a brand; every text colour reaches 4.5:1 on the card."""
    return DarkPalette(
        page=DARK_PAGE,
        card=DARK_CARD,
        text=DARK_TEXT,
        muted=DARK_MUTED,
        headline=DARK_HEADLINE,
        accent=readable_on(brand.color, DARK_CARD),
    )


@dataclass(frozen=True, slots=True)
class ImageBox:
    """The width and height an image is shown at, in CSS pixels, keeping its proportions."""

    width: int
    height: int


def image_box(
    width: int | None, height: int | None, max_width: int, max_height: int | None = None
) -> ImageBox | None:
    """Scale an image's pixel size into a box; None when its size is unknown."""
    if not width or not height:
        return None
    scale = min(1.0, max_width / width)
    if max_height is not None:
        scale = min(scale, max_height / height)
    return ImageBox(max(1, round(width * scale)), max(1, round(height * scale)))


def outlet_name(site_name: str | None, url: str | None) -> str:
    """Who published a story, for "Read more at ...": the site's name, else its host."""
    if site_name:
        return site_name
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")
