"""HTML reader: real pages nobody here wrote, and the awkward inputs (charsets, junk, links)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.sources.readers import ReadContext
from digest.sources.readers.dates import parse_datetime
from digest.sources.readers.html import decode_html, read
from digest.sources.sanitize import clean_html, safe_link

PAGES = Path(__file__).parent / "data" / "pages"
CONTEXT = ReadContext(tz=UTC)
PARIS = ZoneInfo("Europe/Paris")
PARAGRAPH = (
    "The council approved the new tram line on Tuesday after a debate that lasted most of "
    "the afternoon, with members arguing over the cost, the route through the old town and "
    "the years of roadworks that residents will have to live with before the first car runs."
)


def page(body: str, head: str = "", charset: str = "utf-8") -> str:
    """A small but realistic article page."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">'
        f"<title>Tram line approved | City News</title>{head}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Tram line approved</h1>{body}</article>"
        f"<footer>© City News</footer></body></html>"
    )


ARTICLE_BODY = "".join(f"<p>{PARAGRAPH} Part {n}.</p>" for n in range(1, 5))


def read_page(name: str) -> bytes:
    matches = sorted(PAGES.glob(f"{name}*.html.gz"))
    assert matches, name
    return matches[0].read_bytes()


# --- real pages ------------------------------------------------------------------------------


def test_slashgear_page() -> None:
    article = read(read_page("06ee193d"), origin="slashgear.html.gz", context=CONTEXT)
    assert article.title == (
        "The VW ID. SPACE VIZZION is a weird EV sports wagon with a secret message"
    )
    assert article.body[0].startswith("Volkswagen’s first ID.3 all-electric car")
    assert article.body[-1].endswith("in a way that’s still cost effective.")
    assert article.author == "Chris Davies"
    assert article.published == datetime(2019, 11, 20, 4, 31, 13, tzinfo=UTC)
    assert article.site_name == "SlashGear"
    assert article.language == "en-US"
    assert article.url is not None and article.url.startswith("https://www.slashgear.com/")
    assert article.image is not None and article.image.endswith(
        "vw-id-space-vizzion-concept-2-1.jpg"
    )
    assert all("<" not in line for line in article.body)


def test_sportsnet_page() -> None:
    article = read(read_page("0d461229"), origin="sportsnet.html.gz", context=CONTEXT)
    assert article.title == "Nadal keeps Spain alive against Russia in Davis Cup Finals"
    assert article.body[0].startswith("MADRID — Rafael Nadal kept Spain’s hopes alive")
    assert article.author == "Associated Press"
    assert article.published is not None and article.published.date().isoformat() == "2019-11-19"
    assert article.image == "https://www.sportsnet.ca/wp-content/uploads/2019/11/22174394.jpg"


def test_sciencealert_page_title_not_repeated_in_body() -> None:
    article = read(read_page("14cc2a0c"), origin="https://www.sciencealert.com/x", context=CONTEXT)
    assert article.title.startswith("NASA Just Confirmed There Are Water Plumes")
    assert article.title not in article.body
    # The page's first paragraph is also its meta description; it is the lead, not a teaser.
    assert article.body[0].startswith("A team led by researchers out of NASA's Goddard")
    assert article.body[1].startswith("And that's a big deal as the tiny space rock")
    assert article.language == "en-GB"
    assert article.url == (
        "https://www.sciencealert.com/nasa-finds-water-plumes-above-the-surface-of-jupiter-s-icy-moon-europa"
    )


def test_korean_page() -> None:
    article = read(read_page("0ec95c72"), origin="entermedia.html.gz", context=CONTEXT)
    assert article.language == "ko"
    assert article.body[0] == "엘제이의 리벤지인가, 류화영의 코스프레인가"
    assert article.published is not None and article.published.tzinfo is not None


def test_plain_html_is_read_too() -> None:
    data = gzip.decompress(read_page("06ee193d"))
    assert read(data, origin="page.html", context=CONTEXT).author == "Chris Davies"


# --- synthetic pages -------------------------------------------------------------------------


def test_minimal_article() -> None:
    article = read(page(ARTICLE_BODY).encode(), origin="a.html", context=CONTEXT)
    assert article.title == "Tram line approved"
    assert len(article.body) == 4
    assert article.body[0].startswith("The council approved")
    assert "Home" not in " ".join(article.body)


def test_naive_date_takes_the_publication_time_zone_on_its_own_site() -> None:
    head = '<meta property="article:published_time" content="2024-11-22T15:48:00">'
    own = ReadContext(PARIS, base_url="https://news.example/")
    article = read(page(ARTICLE_BODY, head).encode(), origin="https://news.example/a", context=own)
    assert article.published == datetime(2024, 11, 22, 15, 48, tzinfo=PARIS)
    assert not article.date_only


def test_naive_date_of_an_unknown_site_keeps_only_its_day() -> None:
    head = '<meta property="article:published_time" content="2024-11-22T15:48:00">'
    article = read(page(ARTICLE_BODY, head).encode(), origin="a.html", context=ReadContext(PARIS))
    assert article.published == datetime(2024, 11, 22, tzinfo=PARIS)
    assert article.date_only


def test_aware_date_kept() -> None:
    head = '<meta property="article:published_time" content="2024-11-22T15:48:00+05:30">'
    article = read(page(ARTICLE_BODY, head).encode(), origin="a.html", context=CONTEXT)
    assert article.published is not None
    assert article.published.utcoffset() == timedelta(hours=5, minutes=30)


def test_json_ld_date() -> None:
    head = '<script type="application/ld+json">{"datePublished": "2024-11-22T10:00:00Z"}</script>'
    article = read(page(ARTICLE_BODY, head).encode(), origin="a.html", context=CONTEXT)
    assert article.published == datetime(2024, 11, 22, 10, tzinfo=timezone.utc)  # noqa: UP017


def test_relative_image_made_absolute() -> None:
    head = '<meta property="og:image" content="/img/tram.jpg">'
    article = read(
        page(ARTICLE_BODY, head).encode(), origin="https://news.example/tram", context=CONTEXT
    )
    assert article.image == "https://news.example/img/tram.jpg"
    assert article.url == "https://news.example/tram"


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:image/png;base64,AAAA", " JaVa\tScRiPt:alert(1)"]
)
def test_unsafe_links_never_reach_the_article(bad: str) -> None:
    head = (
        f'<meta property="og:image" content="{bad}">'
        f'<link rel="canonical" href="{bad}"><meta property="og:url" content="{bad}">'
    )
    body = f'<p><a href="{bad}">click</a></p>' + ARTICLE_BODY
    article = read(page(body, head).encode(), origin="a.html", context=CONTEXT)
    assert article.image is None
    assert article.url is None
    assert not any("javascript" in line.lower() for line in article.body)


def test_gzip_page() -> None:
    data = gzip.compress(page(ARTICLE_BODY).encode())
    assert read(data, origin="a.html.gz", context=CONTEXT).title == "Tram line approved"


def test_latin1_declared_as_utf8() -> None:
    body = (
        ARTICLE_BODY + "<p>Le café de la gare reste ouvert pendant les travaux, a-t-il précisé.</p>"
    )
    data = page(body, charset="utf-8").encode("latin-1")
    article = read(data, origin="a.html", context=CONTEXT)
    assert "Le café de la gare reste ouvert pendant les travaux, a-t-il précisé." in article.body


def test_utf8_declared_as_latin1() -> None:
    body = ARTICLE_BODY + "<p>Le café de la gare reste ouvert – «précisé» – à Zürich.</p>"
    data = page(body, charset="iso-8859-1").encode("utf-8")
    article = read(data, origin="a.html", context=CONTEXT)
    assert "Le café de la gare reste ouvert – «précisé» – à Zürich." in article.body


def test_real_windows_1252_page() -> None:
    body = ARTICLE_BODY + "<p>“Quoted” text – with a dash costs €5.</p>"
    data = page(body, charset="windows-1252").encode("cp1252")
    article = read(data, origin="a.html", context=CONTEXT)
    assert "“Quoted” text – with a dash costs €5." in article.body


def test_decode_html_rules() -> None:
    assert decode_html("é".encode()) == "é"
    assert decode_html("é".encode("latin-1")) == "é"
    assert decode_html(b"\xef\xbb\xbfabc") == "abc"
    assert decode_html("é".encode("latin-1"), "unknown-charset-x") == "é"


def test_malformed_html_still_read() -> None:
    broken = (
        "<html><head><title>Tram line approved</title><body><div><article><h1>Tram line approved"
        + "".join(f"<p>{PARAGRAPH} <b>bold <i>nested</b> Part {n}." for n in range(4))
        + "<div></span></table>"
    )
    article = read(broken.encode(), origin="a.html", context=CONTEXT)
    assert article.title == "Tram line approved"
    assert any("The council approved" in line for line in article.body)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"<html><head></head><body></body></html>", "no article text"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
        (bytes(range(256)) * 40, "binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x01" * 500, "binary data"),
        (b"just some words without any markup", "not an HTML page"),
    ],
)
def test_unreadable_pages(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        read(data, origin="bad.html", context=CONTEXT)


def test_gzip_bomb_refused() -> None:
    bomb = gzip.compress(b" " * (30 * 1024 * 1024))
    with pytest.raises(SourceError, match="larger than"):
        read(bomb, origin="bomb.html.gz", context=CONTEXT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_input_gives_an_article_or_a_source_error(data: bytes) -> None:
    try:
        article = read(b"<html><body>" + data, origin="fuzz.html", context=CONTEXT)
    except SourceError:
        return
    assert article.title


# --- helpers ---------------------------------------------------------------------------------


def test_parse_datetime() -> None:
    assert parse_datetime("2024-11-22", UTC) == datetime(2024, 11, 22, tzinfo=UTC)
    assert parse_datetime("2024-11-22 15:48:00", UTC) == datetime(2024, 11, 22, 15, 48, tzinfo=UTC)
    assert parse_datetime("not a date", UTC) is None


def test_sanitizer_keeps_only_safe_links() -> None:
    html = (
        '<p onclick="x()">Hi <a href="javascript:alert(1)">a</a> <a href="data:text/html,x">b</a>'
        '<a href="/rel">c</a><a href="mailto:ed@news.example">d</a><script>bad()</script>'
        '<img src="x.png" onerror="y()"></p>'
    )
    cleaned = clean_html(html, base="https://news.example/a/")
    assert "javascript" not in cleaned and "data:" not in cleaned
    assert "script" not in cleaned and "onclick" not in cleaned and "<img" not in cleaned
    assert 'href="https://news.example/rel"' in cleaned
    assert 'href="mailto:ed@news.example"' in cleaned


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("mailto:ed@a.example", "mailto:ed@a.example"),
        ("javascript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,x", None),
        ("vbscript:x", None),
        ("/relative", None),
        ("ftp://a.example/", None),
        ("", None),
    ],
)
def test_safe_link(url: str, expected: str | None) -> None:
    assert safe_link(url) == expected
