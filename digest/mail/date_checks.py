"""Checks of a story's dates against its edition's: what readers would misread as today's.

- `story-future`: a story dated after its edition (a wrong time zone, or a wrong edition date).
- `relative-date`: a summary or headline whose "today", "yesterday", weekday or "Today (Nov. 18)"
  means another day to a reader of this edition than to the story's writer; the finding quotes
  the sentence. Both are warnings: the editor decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from digest.config import Publication
from digest.mail.findings import Finding
from digest.mail.storytime import story_day
from digest.models import Edition, Story
from digest.summarize import split_sentences

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Words that point at the writer's day, and how many days from it they point.
DAY_WORDS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_RELATIVE = re.compile(
    r"\b(?P<word>today|tonight|yesterday|tomorrow|this (?:morning|afternoon|evening)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
    r"(?:\s*[(,]\s*(?P<written>[A-Z][a-z]{2,8}\.? \d{1,2})\)?)?",
    re.IGNORECASE,
)
# A sentence about what will happen resolves a weekday forward ("will meet on Friday").
_FUTURE = re.compile(r"\b(?:will|is set to|are set to|plans? to|is due|are due|next)\b", re.I)
WEEK = 7


def date_checks(edition: Edition, publication: Publication) -> Iterator[Finding]:
    """Stories dated after the edition, and relative dates that mean another day to readers."""
    for story in edition.stories:
        day = _day(story, publication)
        if day is not None and day > edition.date:
            yield Finding(
                "warning",
                "story-future",
                f"{story.title!r} is dated {day.isoformat()}, after the edition's date "
                f"{edition.date.isoformat()}; check its time zone or the edition's date",
            )
        for sentence in [story.title, *split_sentences(story.summary)]:
            for match in _RELATIVE.finditer(sentence):
                problem = _contradiction(match, sentence, day, edition.date)
                if problem:
                    yield Finding(
                        "warning",
                        "relative-date",
                        f"{story.title!r} says {match.group(0)!r}, which {problem}: "
                        f"“{sentence}” (set `summary` in the edition)",
                    )


def _day(story: Story, publication: Publication) -> date | None:
    if story.published is None:
        return None
    return story_day(story.published, story.date_only, publication.tz)


def _contradiction(
    match: re.Match[str], sentence: str, story_date: date | None, edition_date: date
) -> str | None:
    """Why a relative date misleads this edition's readers, or None when it does not."""
    word = match.group("word").lower()
    written = match.group("written")
    if written:
        meant = _written_day(written, story_date or edition_date)
        if meant is not None and meant != edition_date and word in DAY_WORDS:
            return f"is {meant.isoformat()}, not the edition's {edition_date.isoformat()}"
    if story_date is None or story_date == edition_date:
        return None
    offset = 0 if word.startswith("this") else DAY_WORDS.get(word)
    if offset is not None:
        meant = story_date + timedelta(days=offset)
        read_as = edition_date + timedelta(days=offset)
        return f"meant {meant.isoformat()} when written but reads as {read_as.isoformat()}"
    forward = _FUTURE.search(sentence) is not None
    meant, read_as = _weekday(word, story_date, forward), _weekday(word, edition_date, forward)
    if meant != read_as:
        return f"meant {meant.isoformat()} when written but reads as {read_as.isoformat()}"
    return None


def _weekday(name: str, around: date, forward: bool) -> date:
    """The named weekday nearest `around`: on or before it, or on or after it when `forward`."""
    shift = (WEEKDAYS.index(name) - around.weekday()) % WEEK
    return around + timedelta(days=shift) if forward else around - timedelta(days=(-shift) % WEEK)


def _written_day(text: str, near: date) -> date | None:
    """'Nov. 18' (English, as news writes it) as a date in the year nearest `near`."""
    cleaned = " ".join(text.replace(".", "").split())
    for pattern in ("%b %d %Y", "%B %d %Y"):
        candidates = []
        for year in (near.year - 1, near.year, near.year + 1):
            try:
                candidates.append(datetime.strptime(f"{cleaned} {year}", pattern).date())
            except ValueError:
                break
        if candidates:
            return min(candidates, key=lambda day: abs((day - near).days))
    return None
