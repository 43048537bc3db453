"""Times you can trust: one page per case, read, built and checked as an editor would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from digest.mail.storytime import story_time
from digest.sources.readers import ReadContext
from digest.sources.readers.html import read

from .conftest import PublicationFactory

LONDON = ZoneInfo("Europe/London")
EDITION = date(2024, 11, 22)
TOPICS = {
    "stadia": "Streaming games arrived on phones and televisions across the country",
    "latimes": "Wildfire crews contained most of the blaze north of the city overnight",
    "foreign": "The prefecture opened a new ferry line between the two island towns",
    "offset": "A Tokyo court ruled on the long dispute over the harbour reclamation",
    "older": "Farmers counted the losses after a week of hail across the valley",
    "oldest": "The museum reopened its east wing after three years of restoration",
    "future": "Ministers will present the budget to parliament with new spending rules",
}


def _page(slug: str, head: str) -> str:
    topic = TOPICS[slug]
    paragraphs = "".join(
        f"<p>{topic}, officials said in part {n} of the {slug} report, adding details on costs, "
        f"schedules and the people affected by the {slug} decision.</p>"
        for n in range(1, 5)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{slug}</title>{head}'
        f"</head><body><article><h1>{slug}</h1>{paragraphs}</article></body></html>"
    )


def _plain(text: str) -> str:
    """Babel puts a narrow no-break space before AM/PM; compare with a plain one."""
    return text.replace("\u202f", " ")


def _meta(name: str, value: str) -> str:
    return f'<meta property="{name}" content="{value}">'


def _json_ld(value: str) -> str:
    return f'<script type="application/ld+json">{{"datePublished": "{value}"}}</script>'


PAGES = {
    # A naive sailthru.date first, the zoned JSON-LD later: the zoned one wins (13:45 London).
    "stadia": _meta("sailthru.date", "2024-11-22 05:45:00") + _json_ld("2024-11-22T05:45:00-08:00"),
    # A naive article:published_time beside a "Z" time: the Z one (12:30 London).
    "latimes": _meta("article:published_time", "2024-11-22T04:30:00")
    + _json_ld("2024-11-22T12:30:00Z"),
    # A foreign site's naive time with nothing to say its zone: only the day is shown.
    "foreign": _meta("article:published_time", "2024-11-22T23:30:00"),
    # A naive time on a page whose other times carry +09:00: read at +09:00 (00:15 London).
    "offset": _meta("article:published_time", "2024-11-22T09:15:00")
    + _meta("article:modified_time", "2024-11-22T10:00:00+09:00"),
    "older": _meta("article:published_time", "2024-11-18T10:00:00Z"),  # Monday
    "oldest": _meta("article:published_time", "2024-11-08T10:00:00Z"),
    "future": _meta("article:published_time", "2024-11-23T10:00:00Z"),
}
EXPECTED = {
    "stadia": "1:45 PM",
    "latimes": "12:30 PM",
    "foreign": "Nov 22, 2024",
    "offset": "12:15 AM",
    "older": "Mon",
    "oldest": "Nov 8",
    "future": "Nov 23",
}


@pytest.mark.parametrize("slug", sorted(PAGES))
def test_each_time_case_reads_as_the_right_moment(slug: str) -> None:
    article = read(
        _page(slug, PAGES[slug]).encode(),
        origin=f"https://{slug}.example/a",
        context=ReadContext(LONDON),
    )
    assert article.published is not None
    shown = story_time(article.published, article.date_only, EDITION, LONDON, "en")
    assert _plain(shown) == EXPECTED[slug]


def test_the_email_and_the_check_show_each_case(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    files = {f"articles/{slug}.html": _page(slug, head) for slug, head in PAGES.items()}
    entries = "".join(
        f'[[articles]]\nsource = "../articles/{slug}.html"\nurl = "https://{slug}.example/a"\n\n'
        for slug in PAGES
    )
    entries += (
        '[[articles]]\nsource = "../articles/older.html"\nurl = "https://older.example/b"\n'
        'title = "Hail damage counted"\n'
        'summary = "Today (Nov. 18) farmers counted hail damage. Yesterday the storm passed."\n'
    )
    edition = make_publication(entries, files=files)
    runner = CliRunner()
    from digest.cli import app

    built = runner.invoke(app, ["build", str(edition)])
    assert built.exit_code == 0, built.output
    text = _plain(next(tmp_path.rglob("digest.txt")).read_text(encoding="utf-8"))
    for shown in EXPECTED.values():
        assert shown in text, shown
    assert "11:30" not in text  # the foreign naive time is never shown as London's
    checked = runner.invoke(app, ["check", str(edition)])
    assert "[story-future]" in checked.output and "'future' is dated 2024-11-23" in checked.output
    assert checked.output.count("[relative-date]") == 2, checked.output
    assert "“Today (Nov. 18) farmers counted hail damage.”" in checked.output
    assert "“Yesterday the storm passed.”" in checked.output


@pytest.mark.parametrize(
    ("published", "date_only", "shown"),
    [
        (datetime(2024, 11, 22, 17, 5, tzinfo=UTC), False, "5:05 PM"),
        # 23:30 at -08:00 is 07:30 in London, on the edition's day.
        (datetime(2024, 11, 21, 23, 30, tzinfo=timezone(timedelta(hours=-8))), False, "7:30 AM"),
        (datetime(2024, 11, 19, tzinfo=UTC), True, "Tue"),
        (datetime(2024, 11, 15, 9, 0, tzinfo=UTC), False, "Nov 15"),
        (datetime(2023, 11, 15, 9, 0, tzinfo=UTC), False, "Nov 15, 2023"),
        (None, False, ""),
    ],
)
def test_story_time(published: datetime | None, date_only: bool, shown: str) -> None:
    assert _plain(story_time(published, date_only, EDITION, LONDON, "en")) == shown


def test_story_time_in_german() -> None:
    older = datetime(2024, 11, 19, 9, 0, tzinfo=UTC)
    assert story_time(older, False, EDITION, LONDON, "de") == "Di."
