"""The archive's index page: every edition by month, newest first."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from digest.archive.layout import INDEX_FILE, Layout
from digest.archive.record import ArchivedEdition
from digest.config import Publication
from digest.mail.render import css_value

# A publication replaces the index with a template of the same name in its templates/ folder.
INDEX_TEMPLATE = "archive-index.html.j2"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One edition's line on the index."""

    day_label: str
    subject: str
    link: str


@dataclass(frozen=True, slots=True)
class Month:
    """A month's heading and its editions."""

    label: str
    entries: tuple[IndexEntry, ...]


@functools.lru_cache(maxsize=4)
def _environment(publication_root: Path) -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(publication_root / "templates"),
                PackageLoader("digest.archive", "templates"),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    environment.filters["css"] = css_value
    return environment


def _day_label(day: date) -> str:
    # English and locale-independent, like the email's date line, so builds are reproducible.
    return f"{day:%A}, {day.day} {day:%B}"


def index_html(
    publication: Publication,
    publication_root: Path,
    editions: Sequence[ArchivedEdition],
    layout: Layout,
    feed_path: str,
) -> str:
    """The index page; `editions` newest first."""
    months = [
        Month(
            label=f"{date.fromisoformat(key + '-01'):%B %Y}",
            entries=tuple(
                IndexEntry(
                    _day_label(date.fromisoformat(e.date)),
                    e.subject,
                    layout.link(INDEX_FILE, e.path),
                )
                for e in group
            ),
        )
        for key, group in itertools.groupby(editions, key=lambda e: e.date[:7])
    ]
    environment = _environment(publication_root)
    template = environment.get_template(INDEX_TEMPLATE)
    return template.render(
        name=publication.name,
        tagline=publication.tagline,
        language=publication.language,
        direction=publication.direction,
        brand=publication.brand,
        postal_address=publication.brand.postal_address,
        months=months,
        count=len(editions),
        feed_link=layout.link(INDEX_FILE, feed_path),
    )
