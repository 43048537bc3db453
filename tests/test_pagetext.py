"""The page-text reader on the seed and on pages shaped differently."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.sources.readers import ReadContext, read_bytes, sniff
from digest.sources.readers.pagetext import parse_byline, read

from .conftest import SEED

DHAKA = ZoneInfo("Asia/Dhaka")
CONTEXT = ReadContext(tz=DHAKA, base_url="https://example.org/uploads/")


def read_text(text: str, context: ReadContext = CONTEXT) -> object:
    return read(text.encode("utf-8"), origin="page.txt", context=context)


def test_seed_page() -> None:
    article = read(SEED.read_bytes(), origin=str(SEED), context=CONTEXT)
    assert article.title == "NATO, Ukraine to Meet Tuesday Over Russian Attack"
    assert article.author == "Greenwatch Desk"
    assert article.section == "Diplomacy"
    assert article.published == datetime(2024, 11, 22, 15, 48, tzinfo=DHAKA)
    assert article.image == (
        "https://example.org/uploads/"
        "image-225449-1732268259-383db93f42e00a9926ac0f181ef551811732269131.jpg"
    )
    assert len(article.body) == 8
    assert article.body[0].startswith("NATO and Ukraine are set to meet in Brussels")
    assert article.body[-1].endswith("to avoid broader conflict.")
    texts = [item.text for item in article.ticker]
    assert texts == [
        "UNRWA chief: Ceasefire is the start, not the solution",
        "UNRWA chief: Ceasefire is the start, not the solution",
        "Sudan war becomes more deadly: Ethnically motivated attacks up",
        "Dhaka's RMG exports reach $38.48 bn in 2024: New markets up",
        "Bangladesh’s GDP Growth to Decline to 4.1% in FY25: WB",
    ]


def test_seed_with_windows_line_endings_reads_the_same() -> None:
    unix = read(SEED.read_bytes(), origin="a", context=CONTEXT)
    windows = read(SEED.read_bytes().replace(b"\n", b"\r\n"), origin="a", context=CONTEXT)
    assert windows == unix


def test_image_without_base_url_stays_a_bare_name() -> None:
    article = read(SEED.read_bytes(), origin="a", context=ReadContext(tz=DHAKA))
    assert article.image is not None and article.image.startswith("image-225449")


@pytest.mark.parametrize("bullet", ["-", "*", "►", "·", "▪"])
def test_other_bullets_and_headings(bullet: str) -> None:
    article = read_text(
        f"Breaking news\n{bullet} First item\n{bullet} Second item |\n\n"
        "A headline here\n\nBody paragraph one.\n"
    )
    assert [item.text for item in article.ticker] == ["First item", "Second item"]
    assert article.title == "A headline here"
    assert article.body == ("Body paragraph one.",)


def test_single_line_pipe_ticker() -> None:
    article = read_text("Latest\nOne thing | Another thing | A third\n\nHeadline\n\nBody.")
    assert [item.text for item in article.ticker] == ["One thing", "Another thing", "A third"]


def test_no_ticker_no_byline_no_image() -> None:
    article = read_text("Just a headline\n\nFirst paragraph.\n\nSecond paragraph.\n")
    assert article.ticker == ()
    assert article.title == "Just a headline"
    assert article.author is None and article.published is None and article.image is None
    assert article.body == ("First paragraph.", "Second paragraph.")


def test_headline_is_not_mistaken_for_a_ticker_heading() -> None:
    article = read_text("Markets rally\n\nBy Jane Doe | Business | Nov 22, 2024 11:05 AM\n\nText.")
    assert article.ticker == ()
    assert article.title == "Markets rally"
    assert article.author == "Jane Doe"
    assert article.section == "Business"


@pytest.mark.parametrize(
    ("line", "author", "section", "when"),
    [
        ("Greenwatch Desk Diplomacy 2024-11-22, 3:48pm", "Greenwatch Desk", "Diplomacy", (15, 48)),
        (
            "By Staff Correspondent | Economy | Nov 22, 2024 11:05 AM",
            "Staff Correspondent",
            "Economy",
            (11, 5),
        ),
        (
            "Greenwatch Desk · Climate · 22 November 2024, 18:20",
            "Greenwatch Desk",
            "Climate",
            (18, 20),
        ),
        ("22 Nov 2024 12:00 am — Reuters — World", "Reuters", "World", (0, 0)),
        ("Jane Doe, 2024-11-22", "Jane Doe", None, (0, 0)),
    ],
)
def test_byline_shapes(line: str, author: str, section: str | None, when: tuple[int, int]) -> None:
    byline = parse_byline(line, CONTEXT)
    assert byline is not None
    assert byline.author == author
    assert byline.section == section
    assert byline.published == datetime(2024, 11, 22, *when, tzinfo=DHAKA)


def test_known_section_splits_a_byline_without_separators() -> None:
    context = ReadContext(tz=DHAKA, sections=("World News",))
    byline = parse_byline("Agency Reporter World News 2024-11-22", context)
    assert byline is not None
    assert (byline.author, byline.section) == ("Agency Reporter", "World News")


def test_image_url_kept_and_relative_name_resolved() -> None:
    url = read_text("Headline\n\nhttps://cdn.example.com/a/b.png?w=600\n\nBody.")
    assert url.image == "https://cdn.example.com/a/b.png?w=600"
    name = read_text("Headline\n\nphoto 1.jpg is not an image line\n\nbody.jpg\n\nBody.")
    assert name.image == "https://example.org/uploads/body.jpg"


def test_empty_and_binary_pages_are_refused() -> None:
    with pytest.raises(SourceError, match="empty"):
        read_text("\n\n   \n")
    with pytest.raises(SourceError, match="binary"):
        read(b"\x00\x01\x02binary\xff", origin="x.bin", context=CONTEXT)


def test_latin1_page_is_read() -> None:
    article = read(
        "Café owners protest\n\nThe café closed.".encode("latin-1"), origin="a", context=CONTEXT
    )
    assert article.title == "Café owners protest"


def test_sniff_picks_the_reader_by_content() -> None:
    assert sniff(SEED.read_bytes(), "page.html") == "pagetext"
    assert sniff(b"---\ntitle: x\n---\nbody", "notes.txt") == "markdown"
    assert sniff(b"<!doctype html><html>", "page.txt") == "html"
    assert sniff(b"<?xml version='1.0'?><rss version='2.0'>", "a.xml") == "feed"
    assert sniff(b"<rss version='2.0'>", "a") == "feed"


def test_read_bytes_dispatches_to_pagetext() -> None:
    article = read_bytes(SEED.read_bytes(), origin="seed", context=CONTEXT)
    assert article.title.startswith("NATO")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    try:
        article = read_text(text)
    except SourceError:
        return
    assert all(paragraph.strip() for paragraph in article.body)
    assert all(item.text for item in article.ticker)


@pytest.mark.parametrize(
    "lead",
    [
        "(CNN) -- Egypt has agreed to allow two Iranian warships to cross the Suez Canal.",
        "WASHINGTON – Two federal prison officers were charged Tuesday with falsifying records",
        "Russia approved the use of military force in Ukraine on Saturday.",
        "Still! But more immediately, the vote is on Tuesday. Nobody knows how it ends.",
        "Brenda Cruz and her family were flabbergasted by what they spotted on Interstate 77:",
        "The U.S. said on Monday it would send more aid to the region.",
    ],
)
def test_a_lead_paragraph_is_never_taken_for_the_headline(lead: str) -> None:
    article = read_text(f"{lead}\n\nThe second paragraph says more.\n")
    assert article.title == ""
    assert article.body[0] == lead


@pytest.mark.parametrize(
    "headline",
    [
        "NATO, Ukraine to Meet Tuesday Over Russian Attack",
        "Markets rally as inflation cools",
        "Is football too dangerous for children?",
        "Men in Black 3 Opens to $54.6 Million.",
        "UNRWA chief: Ceasefire is the start, not the solution",
    ],
)
def test_headlines_are_still_headlines(headline: str) -> None:
    article = read_text(f"{headline}\n\nThe story starts here. It goes on.\n")
    assert article.title == headline
    assert article.body == ("The story starts here. It goes on.",)


def test_a_single_short_paragraph_is_body_not_a_headline() -> None:
    assert read_text("Markets rally as inflation cools\n").body == (
        "Markets rally as inflation cools",
    )
