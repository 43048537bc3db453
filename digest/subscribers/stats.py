"""`digest stats EDITION`: clicks per story and per section, from the click store.

The figures are per link, never per reader: how often people followed each story's link, and
how many fetches were not counted (scanners, prefetches, repeats...), by reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from digest.config import load_edition
from digest.errors import DigestError, ExitCode
from digest.store.clicks import ClickStore, default_clicks_path


@dataclass(frozen=True, slots=True)
class StoryClicks:
    """One story's clicks (all its links)."""

    story: int
    title: str
    section: str
    url: str
    clicks: int


@dataclass(frozen=True, slots=True)
class EditionClicks:
    """An edition's clicks per story and per section, and what was not counted."""

    edition: str
    stories: tuple[StoryClicks, ...]
    sections: tuple[tuple[str, int], ...]
    not_counted: tuple[tuple[str, int], ...]
    counting_since: float | None

    @property
    def total(self) -> int:
        """Every counted click of the edition."""
        return sum(story.clicks for story in self.stories)

    def to_json(self) -> dict[str, object]:
        """The figures as JSON-ready values."""
        return {
            "edition": self.edition,
            "clicks": self.total,
            "counting_since": self.counting_since,
            "stories": [
                {
                    "story": s.story,
                    "title": s.title,
                    "section": s.section,
                    "url": s.url,
                    "clicks": s.clicks,
                }
                for s in self.stories
            ],
            "sections": [{"section": name, "clicks": count} for name, count in self.sections],
            "not_counted": dict(self.not_counted),
        }


def edition_clicks(edition_path: Path) -> EditionClicks:
    """The click figures of one edition (its identity names it in the click store)."""
    loaded = load_edition(edition_path)
    path = default_clicks_path(loaded.root)
    identity = loaded.identity
    report = None
    if path.exists():
        with ClickStore(path) as store:
            report = store.report(identity)
    if report is None:
        raise DigestError(
            f"edition {identity} has no click links on record: clicks are counted for "
            "editions sent with [clicks] enabled = true (and [readers] url set)",
            exit_code=ExitCode.CONFIG,
        )
    stories: dict[int, StoryClicks] = {}
    for row in report.links:
        known = stories.get(row.story)
        clicks = row.clicks + (known.clicks if known else 0)
        stories[row.story] = StoryClicks(row.story, row.title, row.section, row.url, clicks)
    sections: Counter[str] = Counter()
    for story in stories.values():
        sections[story.section] += story.clicks
    order = list(dict.fromkeys(story.section for story in stories.values()))
    return EditionClicks(
        identity,
        tuple(stories[number] for number in sorted(stories)),
        tuple((name, sections[name]) for name in order),
        report.not_counted,
        report.counting_since,
    )
