"""Checks of what the stories say: what would embarrass the editor, found before sending.

A summary that is page boilerplate or too short to tell the story, a story older than the
publication's `stale_after_days` or without any date, a story without a link, and two stories
that still tell the same news (the build drops such repeats unless the editor keeps them with
`keep = true`, or one of them is the lead). All are warnings: the editor decides.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date

from digest.config import Publication
from digest.edition.arrange import same_news_pairs
from digest.mail.findings import Finding
from digest.models import Edition, Story
from digest.summarize import split_sentences
from digest.summarize.cleanup import is_boilerplate, is_debris

# A summary shorter than this tells the reader next to nothing (a fragment, a byline).
MIN_SUMMARY_CHARS = 60
# Summaries judged, remembered between the preview's rebuilds.
SUMMARY_CACHE = 4_096
# Summaries quoted in a finding are cut to this many characters.
EXCERPT_CHARS = 60


def content_checks(edition: Edition, publication: Publication) -> Iterator[Finding]:
    """Every content warning for the edition, story by story within each kind."""
    yield from _summary_checks(edition)
    yield from _freshness_checks(edition, publication)
    yield from _story_link_checks(edition)
    yield from _same_news_checks(edition)


def _summary_checks(edition: Edition) -> Iterator[Finding]:
    """Summaries that are page furniture, or too short to tell the story."""
    for story in edition.stories:
        summary = story.summary.strip()
        if is_page_furniture(summary):
            yield Finding(
                "warning",
                "summary-boilerplate",
                f"the summary of {story.title!r} is page boilerplate ({_excerpt(summary)}); "
                "set `summary` in the edition",
            )
        elif len(summary) < MIN_SUMMARY_CHARS:
            yield Finding(
                "warning",
                "summary-short",
                f"the summary of {story.title!r} has {len(summary)} characters "
                f"(under {MIN_SUMMARY_CHARS}); set `summary` in the edition",
            )


@functools.lru_cache(maxsize=SUMMARY_CACHE)
def is_page_furniture(summary: str) -> bool:
    """True for a summary that is debris or holds a boilerplate sentence (remembered: the
    preview checks the same summaries on every rebuild)."""
    return is_debris(summary) or any(is_boilerplate(s) for s in split_sentences(summary))


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _freshness_checks(edition: Edition, publication: Publication) -> Iterator[Finding]:
    """Stories without a date, or older than `stale_after_days` before the edition's date."""
    limit = publication.stale_after_days
    for story in edition.stories:
        if story.published is None:
            yield Finding(
                "warning",
                "story-no-date",
                f"{story.title!r} has no known publication date; check that it is current",
            )
            continue
        day = _local_day(story, publication)
        age = (edition.date - day).days
        if age > limit:
            yield Finding(
                "warning",
                "story-stale",
                f"{story.title!r} was published {day.isoformat()}, {age} days before the "
                f"edition (stale_after_days = {limit})",
            )


def _local_day(story: Story, publication: Publication) -> date:
    """The story's day in the publication's time zone (a date-only story keeps its day)."""
    assert story.published is not None
    if story.date_only:
        return story.published.date()
    return story.published.astimezone(publication.tz).date()


def _story_link_checks(edition: Edition) -> Iterator[Finding]:
    for story in edition.stories:
        if not (story.url or "").strip():
            yield Finding(
                "warning",
                "story-no-link",
                f"{story.title!r} has no link: readers cannot open the full story "
                "(set `url` in the edition)",
            )


def _same_news_checks(edition: Edition) -> Iterator[Finding]:
    """Stories the build kept (`keep = true`, the lead) that still tell the same news."""
    stories = edition.stories
    reported: set[int] = set()
    for first, second in same_news_pairs(stories):
        if second in reported:
            continue  # one finding per story: with the first earlier one it repeats
        reported.add(second)
        yield Finding(
            "warning",
            "same-news",
            f"{stories[first].title!r} and {stories[second].title!r} look like the same news",
        )
