"""Publication dates as sources write them: with or without a time of day, plausible or not.

A source that gives only a day ("2024-11-22", an RSS date without a clock) yields a date-only
moment: midnight in the publication's time zone, flagged so the email prints the day and never
a made-up "12:00 am". Placeholder and far-future dates (year 1, 2099) are dropped with a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

log = logging.getLogger(__name__)

# Dates before this year or this far in the future are placeholders, not publication dates.
MIN_YEAR = 1990
MAX_FUTURE = timedelta(days=366)
# A clock time: "08:30", "T0830" (ISO basic format), "8:30pm".
_CLOCK = re.compile(r"\d{1,2}:\d{2}|T\d{4}")
# ISO dates are written with the year first: the day is the first ten characters.
ISO_DAY_CHARS = 10


@dataclass(frozen=True, slots=True)
class Moment:
    """When something was published; `date_only` when the source gave no time of day."""

    when: datetime  # always timezone-aware
    date_only: bool = False


def has_time_of_day(text: str) -> bool:
    """True when a written date also gives a clock time."""
    return _CLOCK.search(text) is not None


def parse_datetime(value: str, tz: tzinfo) -> datetime | None:
    """An ISO-8601-ish date or date-time -> aware datetime (naive ones are in `tz`)."""
    moment = parse_moment(value, tz)
    return moment.when if moment is not None else None


def parse_moment(value: str, tz: tzinfo) -> Moment | None:
    """An ISO-8601-ish date or date-time -> Moment (naive times and bare days are in `tz`)."""
    text = value.strip()
    if text[ISO_DAY_CHARS : ISO_DAY_CHARS + 1] == " ":
        text = text.replace(" ", "T", 1)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = datetime.fromisoformat(text[:ISO_DAY_CHARS]).date()
        except ValueError:
            return None
        return Moment(datetime.combine(day, time(), tzinfo=tz), date_only=True)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
    return Moment(aware, date_only=not has_time_of_day(text))


def plausible(moment: datetime) -> bool:
    """False for placeholder and far-future dates (year 1, 2099): no page was published then."""
    latest = datetime.now(UTC) + MAX_FUTURE
    return moment.year >= MIN_YEAR and moment <= latest


def first_plausible(written: Iterable[str], tz: tzinfo, origin: str = "") -> Moment | None:
    """The first plausible date among candidates, most trusted first.

    When the first gives only a day, a later candidate with a time on that same day is
    preferred (a page whose meta tag says "2024-11-22" and whose JSON-LD gives the time).
    """
    found: Moment | None = None
    for text in written:
        moment = parse_moment(text, tz)
        if moment is None:
            continue
        if not plausible(moment.when):
            log.warning("%s: ignoring the impossible date %s", origin or "page", text.strip())
            continue
        if found is None:
            found = moment
            if not moment.date_only:
                return found
        elif not moment.date_only and moment.when.astimezone(tz).date() == found.when.date():
            return moment
    return found
