"""What an edition shows besides its stories: its number, the editor's note and sponsors."""

from __future__ import annotations

import re
from dataclasses import replace

from digest.config import LoadedEdition
from digest.models import Edition, Sponsor

# Edition files are named by their date (2024-11-22.toml, 2024-11-22-evening.toml).
EDITION_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2}).*\.toml$")


def issue_number(loaded: LoadedEdition) -> int | None:
    """`issue` from the edition, else (with `issue_numbers`) counted from the editions folder.

    Counting: `first_issue` plus the number of edition files dated before this one, so the
    number holds when editions are built out of order or rebuilt later.
    """
    if loaded.edition.issue is not None:
        return loaded.edition.issue
    publication = loaded.publication
    if not publication.issue_numbers:
        return None
    today = loaded.date.isoformat()
    try:
        names = [path.name for path in loaded.edition_path.parent.iterdir()]
    except OSError:
        names = []
    earlier = {
        match.group(1)
        for match in map(EDITION_FILE.match, names)
        if match and match.group(1) < today
    }
    return publication.first_issue + len(earlier)


def sponsors_of(loaded: LoadedEdition) -> tuple[Sponsor, ...]:
    """The edition's `[[sponsor]]` blocks as plain values, in the editor's order."""
    return tuple(
        Sponsor(
            text=entry.text,
            url=entry.url,
            label=entry.label,
            image=entry.image,
            image_alt=entry.image_alt,
            image_width=entry.image_width,
            image_height=entry.image_height,
            after=entry.after,
        )
        for entry in loaded.edition.sponsors
    )


def placed_sponsors(loaded: LoadedEdition, edition: Edition) -> tuple[Edition, list[str]]:
    """Sponsors with their place checked: one naming no section of today goes after the lead."""
    names = {section.name.casefold() for section in edition.sections} | {"lead"}
    sponsors, warnings = [], []
    for number, sponsor in enumerate(sponsors_of(loaded), 1):
        if sponsor.after.casefold() not in names:
            warnings.append(
                f"sponsor[{number}]: after = {sponsor.after!r} names no section of this "
                "edition; placed after the lead"
            )
            sponsor = replace(sponsor, after="lead")
        sponsors.append(sponsor)
    return replace(edition, sponsors=tuple(sponsors)), warnings
