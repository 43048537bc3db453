"""When a story was published, as a line under its headline: relative to the edition's day.

A story from the edition's day shows its time ("5:05 PM"); one from an earlier day of the week
before shows that day ("Tue"), so no reader takes yesterday's news for today's; an older one,
or one dated after the edition, shows its date ("Nov 18"; with the year when it differs). A
story dated by day alone never gets a made-up time. Everything is in the publication's zone
and language (Babel).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_date, format_skeleton

from digest.mail.i18n import babel_locale, short_date, short_time

# Within this many days before the edition a weekday names the day unambiguously.
WEEKDAY_DAYS = 7
WEEKDAY_FORMAT = "EEE"  # "Tue"
DAY_SKELETON = "MMMd"  # "Nov 18"
DAY_YEAR_SKELETON = "yMMMd"  # "Nov 18, 2023"


def story_day(published: datetime, date_only: bool, tz: tzinfo) -> date:
    """The story's day in the publication's zone (a day-only story keeps its written day)."""
    return published.date() if date_only else published.astimezone(tz).date()


def story_time(
    published: datetime | None, date_only: bool, edition_date: date, tz: tzinfo, language: str
) -> str:
    """'5:05 PM' (the edition's day), 'Tue' (this past week), 'Nov 18' (older or later)."""
    if published is None:
        return ""
    day = story_day(published, date_only, tz)
    locale = babel_locale(language)
    if day == edition_date:
        return short_date(day, language) if date_only else short_time(published, tz, language)
    if 0 < (edition_date - day).days < WEEKDAY_DAYS:
        return str(format_date(day, WEEKDAY_FORMAT, locale=locale))
    skeleton = DAY_SKELETON if day.year == edition_date.year else DAY_YEAR_SKELETON
    return str(format_skeleton(skeleton, day, locale=locale))
