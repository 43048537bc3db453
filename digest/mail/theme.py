"""What the themes compute: their options, colours from the brand, image boxes, lead-ins, outlets.

Kept out of the templates so it can be tested and so every number has a name.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from digest.config import Brand
from digest.config.publication import Theme

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
# The briefing theme's thumbnails: a small box beside the text, at most this wide and tall
# (the phone rule shrinks it further); photos keep their proportions, never cropped.
BRIEFING_THUMBNAIL_PX = 120
# The light surfaces: the card, its quiet text, and the box behind every image (so an image
# that is off or loading still shows where it goes, and its alt text reads on it).
LIGHT_CARD = "#ffffff"
LIGHT_MUTED = "#5c636a"
IMAGE_BOX = "#e6e8eb"
DARK_IMAGE_BOX = "#2b3138"
# A section band is the brand colour this far towards the card behind it.
BAND_TINT_LIGHT = 0.9
BAND_TINT_DARK = 0.78
# A summary's lead-in (bold) ends at its first clause break within this many words, else
# after LEAD_IN_WORDS words; short summaries get none (the headline is lead enough).
LEAD_IN_MAX_WORDS = 8
LEAD_IN_WORDS = 4
LEAD_IN_MIN_REST_WORDS = 4
CLAUSE_END = (",", ";", ":", "—", "–")
# What each theme shows when digest.toml leaves an option unset.
THEME_DEFAULTS: dict[str, tuple[bool, bool]] = {
    # name: (read_more, contents)
    "briefing": (False, False),
    "classic": (True, True),
}


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


def mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` (0..1) of the way towards `other`."""
    first, second = _rgb(colour), _rgb(other)
    red, green, blue = (a + (b - a) * share for a, b in zip(first, second, strict=True))
    return _hex(red, green, blue)


@dataclass(frozen=True, slots=True)
class Palette:
    """The briefing theme's colours for one surface (light or dark), each text readable."""

    page: str
    card: str
    text: str
    muted: str
    headline: str
    accent: str  # links and the wordmark
    band: str  # behind a section's name
    band_text: str
    button: str  # the sponsor's button; its label is `card`
    image: str  # behind every image box


def palettes(brand: Brand) -> tuple[Palette, Palette]:
    """Light and dark colours from the brand: every text colour reaches 4.5:1 on its surface."""
    light_band = mix(brand.color, LIGHT_CARD, BAND_TINT_LIGHT)
    dark_band = mix(brand.color, DARK_CARD, BAND_TINT_DARK)
    light_accent = readable_on(brand.color, LIGHT_CARD)
    dark_accent = readable_on(brand.color, DARK_CARD)
    light = Palette(
        page=brand.background,
        card=LIGHT_CARD,
        text=readable_on(brand.text_color, LIGHT_CARD),
        muted=LIGHT_MUTED,
        headline=readable_on(brand.text_color, LIGHT_CARD),
        accent=light_accent,
        band=light_band,
        band_text=readable_on(brand.color, light_band),
        button=light_accent,
        image=IMAGE_BOX,
    )
    dark = Palette(
        page=DARK_PAGE,
        card=DARK_CARD,
        text=DARK_TEXT,
        muted=DARK_MUTED,
        headline=DARK_HEADLINE,
        accent=dark_accent,
        band=dark_band,
        band_text=readable_on(DARK_HEADLINE, dark_band),
        button=dark_accent,
        image=DARK_IMAGE_BOX,
    )
    return light, dark


@dataclass(frozen=True, slots=True)
class ThemeOptions:
    """The theme and its options with the theme's own defaults filled in."""

    name: str
    story_images: str
    read_more: bool
    contents: bool


def theme_options(theme: Theme) -> ThemeOptions:
    """digest.toml's [theme], every unset option taken from the chosen theme."""
    read_more, contents = THEME_DEFAULTS[theme.name]
    return ThemeOptions(
        name=theme.name,
        story_images=theme.story_images,
        read_more=read_more if theme.read_more is None else theme.read_more,
        contents=contents if theme.contents is None else theme.contents,
    )


def lead_in(summary: str) -> tuple[str, str]:
    """A summary split into its bold lead-in and the rest ("" and all of it when too short)."""
    words = summary.split(" ")
    if len(words) < LEAD_IN_WORDS + LEAD_IN_MIN_REST_WORDS:
        return "", summary
    cut = LEAD_IN_WORDS
    for index, word in enumerate(words[:LEAD_IN_MAX_WORDS], start=1):
        if index >= 2 and word.endswith(CLAUSE_END):
            cut = index
            break
    return " ".join(words[:cut]), " " + " ".join(words[cut:])


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


def forward_link(subject: str, archive_url: str | None) -> str | None:
    """A mailto: that starts a new message with the edition's web copy, for forwarding it.

    None without a web copy: a forward link with nothing to share would be an empty mail.
    """
    if not archive_url:
        return None
    return "mailto:?" + urlencode({"subject": subject, "body": archive_url}, quote_via=quote)
