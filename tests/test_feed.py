"""Feed reader: every flavour, unsafe links, entity expansion, bad input."""

from __future__ import annotations

import contextlib
import gzip
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.sources.readers import ReadContext
from digest.sources.readers.feed import check_feed_safe, read, read_feed

FEEDS = Path(__file__).parent / "data" / "feeds"
CONTEXT = ReadContext(tz=UTC)
CET = timezone(timedelta(hours=1))


def load(name: str, **kwargs: object) -> list:  # type: ignore[type-arg]
    return read_feed((FEEDS / name).read_bytes(), origin=name, context=CONTEXT, **kwargs)  # type: ignore[arg-type]


def test_rss20() -> None:
    articles = load("rss20.xml")
    first = articles[0]
    assert first.title == "Tram line approved after long debate"
    assert first.url == "https://citynews.example/2024/11/22/tram?utm_source=rss&utm_medium=feed"
    assert first.published == datetime(2024, 11, 22, 15, 48, tzinfo=CET)
    assert first.author == "Jo Bloggs"
    assert first.image == "https://citynews.example/img/tram.jpg"
    assert first.site_name == "City News"
    assert first.body[0] == "The council approved the new tram line on Tuesday after a long debate."
    assert first.teaser is not None and first.teaser.startswith("The council approved")
    assert [a.title for a in articles[1:]] == [
        "Click me",
        "Library opens on Sundays",
        "Old news: market moves",
    ]


def test_unsafe_links_and_images_dropped() -> None:
    articles = load("rss20.xml")
    click = next(a for a in articles if a.title == "Click me")
    assert click.url is None
    assert click.image is None
    everything = " ".join(" ".join(a.body) + (a.teaser or "") for a in articles)
    assert (
        "javascript" not in everything and "<script" not in everything and "alert" not in everything
    )


def test_since_and_limit() -> None:
    since = datetime(2024, 11, 21, tzinfo=UTC)
    titles = [a.title for a in load("rss20.xml", since=since)]
    assert "Old news: market moves" not in titles
    assert len(titles) == 3
    assert len(load("rss20.xml", limit=2)) == 2
    naive = [a.title for a in load("rss20.xml", since=datetime(2024, 11, 22, 12))]
    assert naive == ["Tram line approved after long debate"]


def test_atom() -> None:
    articles = load("atom.xml")
    first = articles[0]
    assert first.title == "Café & croissants"
    assert first.url == "https://blog.example/2024/11/cafe"  # relative link resolved
    assert first.published == datetime(2024, 11, 22, 8, 15, tzinfo=CET)
    assert first.author == "Marie Dupont"
    assert first.body == (
        "Un nouveau café ouvre rue Haute.",
        "Il sert des croissants dès 7 heures.",
    )
    assert first.language == "fr"
    assert articles[1].published is None


def test_rss10_rdf() -> None:
    (article,) = load("rss10.rdf")
    assert article.title == "Comet visible at dawn this week"
    assert article.author == "Ana Ruiz"
    assert article.published == datetime(2024, 11, 21, 6, tzinfo=CET)


def test_rss091_with_doctype_and_latin1() -> None:
    articles = load("rss091.xml")
    assert [a.title for a in articles] == [
        "Ferry timetable changes for winter",
        "Lifeboat crew rescues two kayakers",
    ]
    assert articles[0].teaser is not None and "Café hours" in articles[0].teaser


def test_rss092_html_description_and_enclosure() -> None:
    (article,) = load("rss092.xml")
    assert article.body == (
        "The old stone bridge reopened to traffic on Friday.",
        "Repairs took eight months.",
    )
    assert article.image == "https://valley.example/bridge.jpg"


def test_single_article_protocol_gives_the_newest() -> None:
    article = read((FEEDS / "rss20.xml").read_bytes(), origin="rss20.xml", context=CONTEXT)
    assert article.title == "Tram line approved after long debate"


def test_gzip_feed() -> None:
    data = gzip.compress((FEEDS / "atom.xml").read_bytes())
    assert read(data, origin="atom.xml.gz", context=CONTEXT).title == "Café & croissants"


@pytest.mark.parametrize("name", ["billion-laughs.xml", "xxe.xml"])
def test_entity_declarations_refused_quickly(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="declares XML entities"):
        load(name)
    assert time.monotonic() - started < 1


def test_entity_declarations_in_utf16_refused() -> None:
    data = (
        (FEEDS / "billion-laughs.xml").read_text().replace('"1.0"?>', '"1.0" encoding="utf-16"?>')
    )
    with pytest.raises(SourceError, match="declares XML entities"):
        check_feed_safe(data.encode("utf-16"), "f")
    with pytest.raises(SourceError, match="declares XML entities"):
        check_feed_safe(data.encode("utf-16-le"), "f")


def test_entity_text_inside_content_is_fine() -> None:
    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>XML tips</title><item>'
        b"<title>Why &lt;!ENTITY&gt; is dangerous</title><link>https://x.example/e</link>"
        b"<description><![CDATA[Never use <!ENTITY lol 'lol'> in feeds.]]></description>"
        b"</item></channel></rss>"
    )
    (article,) = read_feed(data, origin="tips.xml", context=CONTEXT)
    assert article.title == "Why <!ENTITY> is dangerous"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<html><body><p>Just a page</p></body></html>", "not an RSS or Atom feed"),
        (b"/etc/passwd", "not"),  # feedparser would open bytes as a file name; we never let it
        (b"\x00\x01\x02garbage\xff", "not"),
    ],
)
def test_not_a_feed(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        read_feed(data, origin="x", context=CONTEXT)


def test_empty_feed_has_no_entries() -> None:
    data = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert read_feed(data, origin="quiet.xml", context=CONTEXT) == []
    with pytest.raises(SourceError, match="no entries"):
        read(data, origin="quiet.xml", context=CONTEXT)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=500))
def test_fuzz_gives_articles_or_source_error(data: bytes) -> None:
    payload = (
        b'<rss version="2.0"><channel><item><title>' + data + b"</title></item></channel></rss>"
    )
    with contextlib.suppress(SourceError):
        read_feed(payload, origin="fuzz.xml", context=CONTEXT)
