"""Checks of the edition file itself: sections that do not exist, two leads, a wrong date.

Each is a mistake of one line of the edition file, named by file and key: `section =
"Wrold"` would otherwise make a section "WROLD"; a second `lead = true` would be ignored; a
year typo (2091-11-22.toml) would date every story thousands of days before the edition.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Iterator, Mapping

from digest.config import LoadedEdition
from digest.config.dates import parse_iso_date
from digest.errors import DigestError, ExitCode
from digest.mail.findings import Finding
from digest.mail.where import Where

# An edition dated further than this from today, either way, is more likely a typo in the
# file name or `date =` than a plan: a weekly's next issue is prepared at most a week ahead,
# and a week-old edition has gone out already (or is a copied file whose date was kept).
MAX_DAYS_AHEAD = 7
MAX_DAYS_BEHIND = 7
# The day the checks take as today, instead of the clock (tests; checking as of another day).
TODAY_VARIABLE = "DIGEST_TODAY"
# A typed section this similar to a configured one is offered as "did you mean".
SIMILAR_SECTION = 0.6
# Findings that measure a story against the edition's date: when that date is itself far
# off, each of them repeats the one real mistake, so they give way to `edition-date-far`.
MEASURED_FROM_THE_EDITION_DATE = frozenset({"story-stale", "story-future", "relative-date"})


def today_for(loaded: LoadedEdition, environ: Mapping[str, str] | None = None) -> dt.date:
    """Today in the publication's time zone, or the day DIGEST_TODAY names."""
    environ = os.environ if environ is None else environ
    given = environ.get(TODAY_VARIABLE, "").strip()
    if not given:
        return dt.datetime.now(loaded.publication.tz).date()
    try:
        return parse_iso_date(given)
    except ValueError as error:
        raise DigestError(
            f"{TODAY_VARIABLE}={given!r} is not a day: {error} (write YYYY-MM-DD)",
            exit_code=ExitCode.CONFIG,
        ) from None


def edition_checks(where: Where, today: dt.date) -> Iterator[Finding]:
    """Every finding about the edition file: sections, leads, its date against today."""
    yield from _section_checks(where)
    yield from _lead_checks(where)
    yield from _date_checks(where, today)


def _section_checks(where: Where) -> Iterator[Finding]:
    """A typed `section` must be one of the publication's (or its default section)."""
    publication = where.loaded.publication
    if not publication.sections:
        return  # no list to hold it to: every section is the editor's to name
    known = [*publication.sections, publication.default_section]
    folded = {name.casefold(): name for name in known}
    for number, entry in enumerate(where.loaded.edition.articles, 1):
        if entry.section is None or entry.section.casefold() in folded:
            continue
        close = difflib.get_close_matches(
            entry.section.casefold(), list(folded), n=1, cutoff=SIMILAR_SECTION
        )
        hint = f"; did you mean {folded[close[0]]!r}?" if close else ""
        yield Finding(
            "error",
            "section-unknown",
            f"{where.edition(f'articles[{number}].section')}: {entry.section!r} is not one of "
            f"digest.toml's sections ({', '.join(publication.sections)}){hint}",
        )


def _lead_checks(where: Where) -> Iterator[Finding]:
    """One lead at most: a second `lead = true` would be silently ignored."""
    leads = [n for n, entry in enumerate(where.loaded.edition.articles, 1) if entry.lead]
    first, *others = leads or [0]
    for number in others:
        yield Finding(
            "error",
            "lead-twice",
            f"{where.edition(f'articles[{number}].lead')}: a second `lead = true`; "
            f"articles[{first}] is already the lead (keep `lead = true` on one article)",
        )


def _date_checks(where: Where, today: dt.date) -> Iterator[Finding]:
    """An edition dated far from today: a typo in its file name or `date =`, most likely."""
    day = where.loaded.date
    offset = (day - today).days
    if -MAX_DAYS_BEHIND <= offset <= MAX_DAYS_AHEAD:
        return
    typed = where.loaded.edition.date is not None
    key = "date" if typed else "(the date in the file name)"
    distance = _distance(abs(offset))
    side = "after" if offset > 0 else "before"
    yield Finding(
        "warning",
        "edition-date-far",
        f"{where.edition(key)}: the edition is dated {day.isoformat()}, {distance} {side} "
        f"today ({today.isoformat()}); check the {'`date =`' if typed else 'file name'}",
    )


def _distance(days: int) -> str:
    """'9 days', '4 months', '67 years': the size of the mistake at a glance."""
    if days < 60:
        return f"{days:,} days"
    if days < 730:
        return f"{round(days / 30.44):,} months"
    return f"{round(days / 365.25):,} years"


def without_measures_from_a_wrong_date(findings: list[Finding]) -> list[Finding]:
    """Drop story-age findings when the edition's date itself is far off (see above)."""
    if not any(finding.code == "edition-date-far" for finding in findings):
        return findings
    return [f for f in findings if f.code not in MEASURED_FROM_THE_EDITION_DATE]
