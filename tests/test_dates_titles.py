"""Dates and titles in every reader: date-only stories, impossible dates, site names stripped
from titles (separators kept), https canonical URLs; and a date-only story in the email."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.sources.readers import ReadContext
from digest.sources.readers.dates import choose_published, has_time_of_day, parse_moment
from digest.sources.readers.feed import read_feed
from digest.sources.readers.html import read as read_html
from digest.sources.readers.html import strip_site_name
from digest.sources.readers.markdown import read as read_markdown
from digest.sources.readers.pagetext import read as read_pagetext

from .conftest import PublicationFactory

LONDON = ZoneInfo("Europe/London")
CONTEXT = ReadContext(tz=LONDON)
PARAGRAPH = (
    "The council approved the new tram line on Tuesday after a debate that lasted most of "
    "the afternoon, with members arguing over the cost, the route through the old town and "
    "the years of roadworks that residents will have to live with before the first car runs."
)
BODY = "".join(f"<p>{PARAGRAPH} Part {n}.</p>" for n in range(1, 5))


def page(head: str = "", title: str = "Tram line approved | City News") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><article><h1>Tram line approved</h1>{BODY}</article></body></html>"
    ).encode()


def meta(name: str, value: str) -> str:
    return f'<meta property="{name}" content="{value}">'


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "timed"),
    [
        ("2024-11-22", False),
        ("2024-11-22T15:48:00Z", True),
        ("2024-11-22 15:48", True),
        ("Fri, 22 Nov 2024 15:48:00 +0000", True),
        ("Fri, 22 Nov 2024", False),
        ("20241122T1548Z", True),
    ],
)
def test_time_of_day_is_seen_when_written(text: str, timed: bool) -> None:
    assert has_time_of_day(text) is timed


def test_a_bare_day_is_midnight_in_the_publication_zone_and_date_only() -> None:
    moment = parse_moment("2024-11-22", LONDON)
    assert moment is not None and moment.date_only
    assert moment.when == datetime(2024, 11, 22, tzinfo=LONDON)
    timed = parse_moment("2024-11-22T15:48:00+01:00", LONDON)
    assert timed is not None and not timed.date_only


def test_impossible_dates_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        moment = choose_published(["0001-01-01T00:00:00Z", "2999-01-01", "2024-11-22"], tz=UTC)
    assert moment is not None and moment.when.date().isoformat() == "2024-11-22"
    assert "0001-01-01" in caplog.text and "2999-01-01" in caplog.text
    assert choose_published(["0001-01-01"], tz=UTC) is None


def test_a_day_is_completed_by_a_later_time_on_the_same_day() -> None:
    moment = choose_published(["2024-11-22", "2024-11-22T09:15:00Z"], tz=UTC)
    assert moment is not None and not moment.date_only
    assert moment.when == datetime(2024, 11, 22, 9, 15, tzinfo=UTC)
    other_day = choose_published(["2024-11-22", "2024-11-20T09:15:00Z"], tz=UTC)
    assert other_day is not None and other_day.date_only


# --- HTML pages ------------------------------------------------------------------------------


def test_html_meta_day_without_time_is_date_only() -> None:
    article = read_html(
        page(meta("article:published_time", "2024-11-22")), origin="a.html", context=CONTEXT
    )
    assert article.date_only
    assert article.published == datetime(2024, 11, 22, tzinfo=LONDON)


def test_html_json_ld_time_completes_the_meta_day() -> None:
    head = meta("article:published_time", "2024-11-22") + (
        '<script type="application/ld+json">{"datePublished": "2024-11-22T08:05:00Z"}</script>'
    )
    article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert not article.date_only
    assert article.published == datetime(2024, 11, 22, 8, 5, tzinfo=UTC)


def test_html_json_ld_day_only_is_date_only() -> None:
    head = '<script type="application/ld+json">{"datePublished": "2024-11-21"}</script>'
    article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert article.date_only and article.published is not None
    assert article.published.date().isoformat() == "2024-11-21"


def test_html_timed_meta_is_not_date_only() -> None:
    head = meta("article:published_time", "2024-11-22T15:48:00+01:00")
    article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert not article.date_only


def test_html_placeholder_date_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    head = meta("article:published_time", "0001-01-01T00:00:00+00:00")
    with caplog.at_level(logging.WARNING):
        article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert article.published is None or article.published.year >= 1990
    assert "impossible date" in caplog.text


def test_html_far_future_date_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    head = meta("article:published_time", "2099-05-01T10:00:00Z")
    with caplog.at_level(logging.WARNING):
        article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert article.published is None or article.published.year < 2099
    assert "2099" in caplog.text


# --- page text, Markdown, feeds --------------------------------------------------------------

PAGE_TEXT = """\
Tram line approved

City Desk Transport {when}

{paragraph}
"""


@pytest.mark.parametrize(
    ("when", "date_only", "expected"),
    [
        ("2024-11-22", True, datetime(2024, 11, 22, tzinfo=LONDON)),
        ("22 November 2024", True, datetime(2024, 11, 22, tzinfo=LONDON)),
        ("2024-11-22, 3:48pm", False, datetime(2024, 11, 22, 15, 48, tzinfo=LONDON)),
    ],
)
def test_page_text_byline_day_without_time(when: str, date_only: bool, expected: datetime) -> None:
    text = PAGE_TEXT.format(when=when, paragraph=PARAGRAPH)
    article = read_pagetext(text.encode(), origin="a.txt", context=CONTEXT)
    assert (article.published, article.date_only) == (expected, date_only)


def test_page_text_placeholder_date_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    text = PAGE_TEXT.format(when="0001-01-01", paragraph=PARAGRAPH)
    with caplog.at_level(logging.WARNING):
        article = read_pagetext(text.encode(), origin="a.txt", context=CONTEXT)
    assert article.published is None and not article.date_only
    assert "impossible date" in caplog.text


@pytest.mark.parametrize(
    ("written", "date_only"),
    [("2024-11-22", True), ('"2024-11-22"', True), ('"2024-11-22 15:48"', False)],
)
def test_markdown_date_with_and_without_time(written: str, date_only: bool) -> None:
    text = f"---\ntitle: Tram line approved\ndate: {written}\n---\n{PARAGRAPH}\n"
    article = read_markdown(text.encode(), origin="a.md", context=CONTEXT)
    assert article.date_only is date_only
    assert article.published is not None and article.published.date().isoformat() == "2024-11-22"


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>City News</title>
<link>https://news.example.org/</link><description>d</description>
<item><title>Dated by day</title><link>https://news.example.org/a</link>
<pubDate>Fri, 22 Nov 2024</pubDate><description>{p}</description></item>
<item><title>Dated with time</title><link>https://news.example.org/b</link>
<pubDate>Fri, 22 Nov 2024 15:48:00 +0000</pubDate><description>{p}</description></item>
<item><title>Placeholder</title><link>https://news.example.org/c</link>
<pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate><description>{p}</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>City News</title><id>urn:x</id>
<updated>2024-11-22T10:00:00Z</updated>
<entry><title>Atom by day</title><id>urn:a</id><link href="https://news.example.org/d"/>
<published>2024-11-21</published><updated>2024-11-21</updated><summary>{p}</summary></entry>
<entry><title>Atom timed</title><id>urn:b</id><link href="https://news.example.org/e"/>
<published>2024-11-21T06:30:00Z</published><updated>2024-11-21T06:30:00Z</updated>
<summary>{p}</summary></entry>
</feed>"""


def _by_title(data: str) -> dict[str, tuple[datetime | None, bool]]:
    articles = read_feed(data.format(p=PARAGRAPH).encode(), origin="f.xml", context=CONTEXT)
    return {a.title: (a.published, a.date_only) for a in articles}


def test_rss_pub_date_without_time_is_date_only_and_placeholders_dropped() -> None:
    found = _by_title(RSS)
    assert found["Dated by day"][1] is True
    assert found["Dated with time"] == (datetime(2024, 11, 22, 15, 48, tzinfo=UTC), False)
    assert found["Placeholder"] == (None, False)


def test_atom_day_only_dates() -> None:
    found = _by_title(ATOM)
    assert found["Atom by day"][1] is True
    assert found["Atom timed"] == (datetime(2024, 11, 21, 6, 30, tzinfo=UTC), False)


# --- titles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "site", "url", "expected"),
    [
        (
            "New York State AG investigating WeWork – TechCrunch",
            "TechCrunch",
            None,
            "New York State AG investigating WeWork",
        ),
        ("Oil prices rise on supply worries | Reuters", None, "https://www.reuters.com/x", None),
        ("Reuters | Oil prices rise on supply worries", "Reuters", None, None),
        (
            "Opinion | Is Football Too Dangerous? - The New York Times",
            "The New York Times",
            None,
            "Opinion | Is Football Too Dangerous?",
        ),
        (
            "Opinion | Is Football Too Dangerous?",
            "The New York Times",
            "https://www.nytimes.com/2024/opinion/football.html",
            "Opinion | Is Football Too Dangerous?",
        ),
        (
            "Self-driving cars - a hard road — Wired",
            "WIRED",
            None,
            "Self-driving cars - a hard road",
        ),
        ("TechCrunch", "TechCrunch", None, "TechCrunch"),
        ("Tram line approved", None, None, "Tram line approved"),
    ],
)
def test_site_names_are_stripped_and_separators_kept(
    title: str, site: str | None, url: str | None, expected: str | None
) -> None:
    wanted = expected or "Oil prices rise on supply worries"
    assert strip_site_name(title, site, url) == wanted


def test_html_title_loses_the_site_name() -> None:
    head = meta("og:site_name", "City News")
    article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert article.title == "Tram line approved"


# --- canonical URLs --------------------------------------------------------------------------


def test_http_canonical_upgraded_when_the_page_was_fetched_over_https() -> None:
    head = '<link rel="canonical" href="http://news.example.org/tram">'
    context = ReadContext(tz=LONDON)
    article = read_html(page(head), origin="https://news.example.org/tram?utm=x", context=context)
    assert article.url == "https://news.example.org/tram"


def test_http_canonical_upgraded_when_the_page_also_names_its_https_address() -> None:
    head = '<link rel="canonical" href="http://news.example.org/tram">' + meta(
        "og:url", "https://news.example.org/tram"
    )
    article = read_html(page(head), origin="tram.html", context=CONTEXT)
    assert article.url == "https://news.example.org/tram"


def test_https_canonical_kept() -> None:
    head = '<link rel="canonical" href="https://news.example.org/tram">'
    article = read_html(page(head), origin="tram.html", context=CONTEXT)
    assert article.url == "https://news.example.org/tram"


# --- in the email ----------------------------------------------------------------------------


def test_date_only_story_shows_its_day_and_no_made_up_time(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    files = {
        "articles/day.html": page(meta("article:published_time", "2024-11-21")).decode(),
        "articles/timed.md": (
            "---\ntitle: Bridge reopens\ndate: 2024-11-22T07:05:00Z\n"
            "url: https://example.org/bridge\n---\nThe old bridge over the river reopened "
            "to cars on Friday morning after two years of repairs that cost far more than "
            "planned.\n"
        ),
    }
    edition = make_publication(
        '[[articles]]\nsource = "../articles/timed.md"\n\n'
        '[[articles]]\nsource = "../articles/day.html"\nurl = "https://example.org/tram"\n',
        files=files,
    )
    result = CliRunner().invoke(app, ["build", str(edition)])
    assert result.exit_code == 0, result.output
    text = next(tmp_path.rglob("digest.txt")).read_text(encoding="utf-8")
    assert "Thu" in text and "Nov 21, 2024" not in text  # the day before the edition
    assert "12:00" not in text and "00:00" not in text
    # The timed story shows its time in the publication's zone (London, GMT in November).
    assert "7:05" in text


def test_date_label_glued_to_the_byline_is_cut() -> None:
    head = '<meta name="author" content="Detroit News wire services Published">'
    article = read_html(page(head), origin="a.html", context=CONTEXT)
    assert article.author == "Detroit News wire services"


def test_extract_prints_the_day_alone_for_a_date_only_page(tmp_path: Path) -> None:
    source = tmp_path / "day.html"
    source.write_bytes(page(meta("article:published_time", "2024-11-21")))
    result = CliRunner().invoke(app, ["extract", str(source), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.splitlines()[0])
    assert (data["date"], data["date_only"]) == ("2024-11-21", True)
    text = CliRunner().invoke(app, ["extract", str(source)]).output
    assert "| 2024-11-21 |" in text and "T00:00" not in text
