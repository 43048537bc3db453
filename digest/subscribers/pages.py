"""The endpoint's HTML: one autoescaped template, overridable by the publication."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from digest.config import Publication

PAGE_TEMPLATE = "unsubscribe.html.j2"
# Each state's heading; the body text lives in the template so a publication can translate it.
TITLES = {
    "confirm": "Unsubscribe",
    "done": "You are unsubscribed",
    "already": "You are already unsubscribed",
    "preview": "This is a preview link",
    "invalid": "This link does not work",
    "missing": "Nothing was changed",
    "too_large": "Nothing was changed",
    "method": "Not allowed",
    "not_found": "Not found",
    "error": "Please try again later",
}


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered page with the HTTP status it goes out with."""

    status: int
    state: str
    html: bytes


@functools.lru_cache(maxsize=4)
def _environment(publication_root: Path | None) -> Environment:
    loaders: list[FileSystemLoader | PackageLoader] = []
    if publication_root is not None:
        loaders.append(FileSystemLoader(publication_root / "templates"))
    loaders.append(PackageLoader("digest.subscribers", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def render_page(
    publication: Publication,
    publication_root: Path | None,
    state: str,
    status: int,
    address: str = "",
) -> Page:
    """One state of the page, in the publication's language, direction and colours."""
    brand = publication.brand
    html = (
        _environment(publication_root)
        .get_template(PAGE_TEMPLATE)
        .render(
            state=state,
            title=TITLES[state],
            name=publication.name,
            address=address,
            language=publication.language,
            direction=publication.direction,
            color=brand.color,  # hex colours, validated by config
            text_color=brand.text_color,
            background=brand.background,
        )
    )
    return Page(status, state, html.encode("utf-8"))
