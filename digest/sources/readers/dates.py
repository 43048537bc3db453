"""Publication dates as sources write them: with or without a time of day, plausible or not.

A source that gives only a day ("2024-11-22", an RSS date without a clock) yields a date-only
moment: midnight in the publication's time zone, flagged so the email prints the day and never
a made-up "12:00 am". Placeholder and far-future dates (year 1, 2099) are dropped with a warning.

On a web page (`choose_published`) a time with a UTC offset beats one without, wherever each
sits on the page; a time without one is read in the site's own zone when the page shows it
(the offset of another of its times), else kept as a day only: a foreign site's "05:45" is not
05:45 where the publication is. Hand-written rather than htmldate: measured on the 88 real
pages (benchmarks/dates.py), htmldate gives days without zones and picks the first plausible
candidate, which is what made naive meta tags win.
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
    zoned: bool = True  # the source gave the UTC offset (False: `when` is in an assumed zone)


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
    return Moment(aware, date_only=not has_time_of_day(text), zoned=moment.tzinfo is not None)


def plausible(moment: datetime) -> bool:
    """False for placeholder and far-future dates (year 1, 2099): no page was published then."""
    latest = datetime.now(UTC) + MAX_FUTURE
    return moment.year >= MIN_YEAR and moment <= latest


def _plausible_moments(written: Iterable[str], tz: tzinfo, origin: str) -> list[Moment]:
    found = []
    for text in written:
        moment = parse_moment(text, tz)
        if moment is None:
            continue
        if not plausible(moment.when):
            log.warning("%s: ignoring the impossible date %s", origin or "page", text.strip())
            continue
        found.append(moment)
    return found


def site_zone(written: Iterable[str]) -> tzinfo | None:
    """The UTC offset the page writes its times with (the first zoned time), or None."""
    for text in written:
        moment = parse_moment(text, UTC)
        if moment is not None and moment.zoned and not moment.date_only:
            return moment.when.tzinfo
    return None


def choose_published(
    written: Iterable[str],
    *,
    others: Iterable[str] = (),
    tz: tzinfo,
    own_site: bool = False,
    origin: str = "",
) -> Moment | None:
    """A web page's publication time from its candidates (most trusted first).

    A zoned time beats a naive one; a naive time is read in the site's zone (an offset the
    page writes elsewhere, or the publication's own zone on its own site), else only its
    day is kept; a day alone comes last, unless it is the most trusted candidate and no time
    falls on it.
    """
    moments = _plausible_moments(list(written), tz, origin)
    # A day the most trusted source gives alone is kept unless a time falls on that day.
    day = moments[0].when.date() if moments and moments[0].date_only else None
    timed = [
        moment
        for moment in moments
        if not moment.date_only and (day is None or moment.when.astimezone(tz).date() == day)
    ]
    zoned = next((moment for moment in timed if moment.zoned), None)
    if zoned is not None:
        return zoned
    if timed:
        naive = timed[0].when.replace(tzinfo=None)
        zone = site_zone([*others]) or (tz if own_site else None)
        if zone is not None:
            return Moment(naive.replace(tzinfo=zone), zoned=zone is not tz)
        log.debug("%s: a time without a zone on a foreign site; keeping the day", origin)
        return Moment(datetime.combine(naive.date(), time(), tzinfo=tz), date_only=True)
    return moments[0] if moments else None
