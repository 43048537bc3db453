"""Dates in edition files and options: ISO 8601 (YYYY-MM-DD) only, and why a date is wrong.

"2026-11-31 is not a date: November has 30 days" teaches; "invalid character in year" does
not. Other spellings are refused with the ISO form to write instead, so 03/04/2026 is never
read as the wrong day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# 25/11/2026, 25.11.2026, 11-25-2026: day and month in some order, then the year.
OTHER_ORDER = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
# English month names, whatever the machine's locale (calendar.month_name follows it).
MONTHS = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def why_not_a_date(year: int, month: int, day: int) -> str | None:
    """Why year-month-day names no day of the calendar, or None when it does."""
    if not 1 <= month <= 12:
        return f"there is no month {month}; months go from 01 to 12"
    days = calendar.monthrange(year, month)[1]
    if day < 1:
        return "days start at 01"
    if day > days:
        if month == 2 and day == 29:
            return f"{year} is not a leap year, so February has 28 days"
        return f"{MONTHS[month]} has {days} days"
    return None


def _suggestion(text: str) -> str:
    """'; write 2026-11-25' when the other spelling is unambiguous."""
    match = OTHER_ORDER.match(text)
    if not match:
        return ""
    first, second, year = (int(part) for part in match.groups())
    if first > 12 >= second:
        return f"; write {year}-{second:02d}-{first:02d}"
    if second > 12 >= first:
        return f"; write {year}-{first:02d}-{second:02d}"
    return f" (is it {year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d}?)"


def parse_iso_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD; ValueError says what is wrong in one line."""
    text = text.strip()
    match = ISO_DATE.match(text)
    if not match:
        return _refuse(text)
    year, month, day = (int(part) for part in match.groups())
    reason = why_not_a_date(year, month, day)
    if reason is not None:
        raise ValueError(f"{text} is not a date: {reason}")
    return dt.date(year, month, day)


def _refuse(text: str) -> dt.date:
    raise ValueError(
        f"{text!r} is not a date in the form YYYY-MM-DD (e.g. 2024-11-22){_suggestion(text)}"
    )


def iso_date_value(value: object) -> dt.date | None:
    """A date from a TOML value: a TOML date, or a string YYYY-MM-DD; nothing else."""
    if value is None or type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):
        raise ValueError(
            f"{value.isoformat()} has a time of day; write the date alone: "
            f"{value.date().isoformat()}"
        )
    if isinstance(value, str):
        return parse_iso_date(value)
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-11-22")


def moment_value(value: object) -> dt.datetime | None:
    """A date and time from a TOML value (`not_before`): a TOML date-time, or an ISO string.

    Without an offset it is a time in the publication's zone (applied where the zone is
    known); a date alone means its midnight.
    """
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(
        f"{value!r} is not a date and time; write it as 2024-11-22T07:00 (in the publication's "
        "time zone) or with an offset, 2024-11-22T07:00+01:00"
    )
