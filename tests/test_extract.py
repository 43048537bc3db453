"""`digest extract` logic: local pages and feeds, URLs over a real loopback server, failures."""

from __future__ import annotations

import json
import threading
import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.config import load_edition
from digest.errors import ConfigError, DigestError, SourceError
from digest.sources.draft import new_edition, parse_since, toml_string
from digest.sources.extract import ExtractResult, default_context, extract, read_url
from digest.sources.fetch import FetchSettings
from digest.sources.readers import ReadContext

DATA = Path(__file__).parent / "data"
PAGE = next((DATA / "pages").glob("06ee193d*.html.gz"))
FEED = DATA / "feeds" / "rss20.xml"
CONTEXT = ReadContext(tz=UTC)
JSON_KEYS = {"title", "url", "date", "author", "section", "image", "summary", "body"}


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves tests/data; says nothing."""

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    handler = partial(QuietHandler, directory=str(DATA))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_local_page_and_feed() -> None:
    results = extract([str(PAGE), str(FEED)], context=CONTEXT)
    assert all(result.ok for result in results)
    assert results[0].article is not None and results[0].article.author == "Chris Davies"
    assert results[0].summary and len(results[0].summary) <= 350
    assert len(results) == 1 + 4  # the feed gives one result per entry
    assert results[1].article is not None
    assert results[1].article.title == "Tram line approved after long debate"


def test_json_line_has_every_field() -> None:
    (result,) = extract([str(PAGE)], context=CONTEXT, summary_chars=200)
    line = result.to_json()
    assert "\n" not in line
    data = json.loads(line)
    assert data.keys() >= JSON_KEYS
    assert data["date"] == "2019-11-20T04:31:13+00:00"
    assert isinstance(data["body"], list) and data["body"][0].startswith("Volkswagen’s first")
    assert len(data["summary"]) <= 200


def test_failures_reported_and_others_still_read(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(bytes(range(256)) * 20)
    seen: list[ExtractResult] = []
    results = extract(
        [str(tmp_path / "missing.html"), str(garbage), str(PAGE), "ftp://x.example/"],
        context=CONTEXT,
        on_result=seen.append,
    )
    assert seen == results
    assert [result.ok for result in results] == [False, False, True, False]
    assert results[0].error is not None and "file not found" in results[0].error
    assert results[1].error is not None and "binary" in results[1].error
    assert "missing.html: file not found" in results[0].to_text()
    assert json.loads(results[0].to_json())["error"] == results[0].error


def test_url_page_and_feed(server: str, tmp_path: Path) -> None:
    settings = FetchSettings(allow_private=True, cache_dir=tmp_path / "cache")
    results = extract(
        [f"{server}/pages/{PAGE.name}", f"{server}/feeds/atom.xml", f"{server}/nope.html"],
        context=CONTEXT,
        settings=settings,
    )
    assert [result.ok for result in results] == [True, True, True, False]
    assert results[0].article is not None and results[0].article.site_name == "SlashGear"
    assert results[1].article is not None and results[1].article.title == "Café & croissants"
    assert results[3].error is not None and "404" in results[3].error
    offline = FetchSettings(cache_dir=tmp_path / "cache", offline=True)
    again = extract([f"{server}/feeds/atom.xml"], context=CONTEXT, settings=offline)
    assert again[0].ok


def test_url_refused_without_allow_private(server: str) -> None:
    (result,) = extract([f"{server}/feeds/atom.xml"], context=CONTEXT)
    assert result.error is not None and "loopback" in result.error


def test_read_url_for_edition_entries(server: str) -> None:
    article = read_url(
        f"{server}/feeds/rss20.xml", context=CONTEXT, settings=FetchSettings(allow_private=True)
    )
    assert article.title == "Tram line approved after long debate"
    with pytest.raises(SourceError, match="not in the cache"):
        read_url(f"{server}/x", context=CONTEXT, settings=FetchSettings(offline=True))


def test_default_context_uses_the_publication(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text(
        'name = "N"\nfrom = "n@news.example"\ntimezone = "Europe/Paris"\n', encoding="utf-8"
    )
    (tmp_path / "editions").mkdir()
    assert str(default_context(tmp_path / "editions").tz) == "Europe/Paris"
    assert default_context(Path("/")).tz == UTC


# --- digest new (draft.py) -------------------------------------------------------------------

DRAFT_NOW = datetime(2024, 11, 22, 18, 0, tzinfo=UTC)


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    (tmp_path / "digest.toml").write_text(
        'name = "City Digest"\nfrom = "news@city.example"\nsummary_chars = 120\n',
        encoding="utf-8",
    )
    return tmp_path


def test_draft_from_feed_and_page(newsroom: Path) -> None:
    page_copy = newsroom / "saved" / PAGE.name  # a saved page inside the publication
    page_copy.parent.mkdir()
    page_copy.write_bytes(PAGE.read_bytes())
    draft = new_edition(
        [str(FEED), str(page_copy), str(FEED)],  # the same feed twice: every entry a duplicate
        folder=newsroom,
        since="48h",
        now=DRAFT_NOW,
    )
    assert draft.path == newsroom / "editions" / "2024-11-22.toml"
    data = tomllib.loads(draft.path.read_text(encoding="utf-8"))
    assert data["date"] == date(2024, 11, 22)
    titles = [entry["title"] for entry in data["articles"]]
    assert titles[0] == "Tram line approved after long debate"
    assert "Old news: market moves" not in titles  # older than 48 h
    assert len(titles) == len(set(titles)) == 3
    tram = data["articles"][0]
    assert tram["url"] == "https://citynews.example/2024/11/22/tram"  # tracking dropped
    assert 0 < len(tram["drafted_summary"]) <= 120
    assert "summary" not in tram  # drafted text is marked as drafted, never the editor's
    page = next(e for e in data["articles"] if e["title"].startswith("The VW ID. SPACE"))
    # A saved page is read from its file (the live page may be paywalled by now); the URL
    # it names as canonical is kept for the link.
    assert page["source"] == f"../saved/{PAGE.name}"
    assert page["url"].startswith("https://www.slashgear.com/")
    text = draft.path.read_text(encoding="utf-8")
    assert "javascript" not in text
    assert "# Left out 'Click me': its feed entry has no web link." in text
    assert text.count("source = ") == 1 and not draft.warnings
    assert len(draft.duplicates) == 3
    loaded = load_edition(draft.path)
    assert len(loaded.edition.articles) == 3


def test_draft_never_overwrites_without_force(newsroom: Path) -> None:
    first = new_edition([str(FEED)], folder=newsroom, now=DRAFT_NOW)
    first.path.write_text("# edited by hand\n", encoding="utf-8")
    with pytest.raises(DigestError, match="already exists; use --force"):
        new_edition([str(FEED)], folder=newsroom, now=DRAFT_NOW)
    assert first.path.read_text(encoding="utf-8") == "# edited by hand\n"
    again = new_edition([str(FEED)], folder=newsroom, now=DRAFT_NOW, force=True)
    assert "[[articles]]" in again.path.read_text(encoding="utf-8")


def test_draft_reports_failures_and_keeps_the_rest(newsroom: Path) -> None:
    draft = new_edition(
        [str(FEED), str(newsroom / "missing.xml")],
        folder=newsroom,
        edition_date=date(2024, 12, 1),
        now=DRAFT_NOW,
    )
    assert draft.path.name == "2024-12-01.toml"
    assert draft.exit_code == 3 and "missing.xml: file not found" in draft.failures[0]
    with pytest.raises(SourceError, match="no source could be read"):
        new_edition([str(newsroom / "missing.xml")], folder=newsroom, now=DRAFT_NOW, force=True)


def test_draft_names_local_pages_by_path(newsroom: Path, tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Tram</title></head><body><article><h1>Tram</h1>"
        + "<p>The council approved the new tram line on Tuesday after a long debate.</p>" * 3
        + "</article></body></html>",
        encoding="utf-8",
    )
    draft = new_edition([str(page)], folder=newsroom, now=DRAFT_NOW)
    (entry,) = tomllib.loads(draft.path.read_text(encoding="utf-8"))["articles"]
    assert entry["source"] == "../story.html"
    assert "url" not in entry  # the page names no canonical URL
    assert (draft.path.parent / entry["source"]).resolve() == page.resolve()


def test_draft_warns_about_a_page_outside_the_publication(newsroom: Path) -> None:
    draft = new_edition([str(PAGE)], folder=newsroom, now=DRAFT_NOW)
    (warning,) = draft.warnings
    assert str(PAGE) in warning and "[sources] allow_paths" in warning


def test_draft_without_sources_is_a_scaffold(newsroom: Path) -> None:
    draft = new_edition([], folder=newsroom, now=DRAFT_NOW)
    assert tomllib.loads(draft.path.read_text(encoding="utf-8")) == {"date": date(2024, 11, 22)}


def test_draft_needs_a_publication(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no digest\.toml"):
        new_edition([], folder=tmp_path / "nowhere", now=DRAFT_NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", DRAFT_NOW - timedelta(hours=24)),
        ("90m", DRAFT_NOW - timedelta(minutes=90)),
        ("2d", DRAFT_NOW - timedelta(days=2)),
        ("1w", DRAFT_NOW - timedelta(weeks=1)),
        ("2024-11-20", datetime(2024, 11, 20, tzinfo=UTC)),
        ("2024-11-20T08:00:00+01:00", datetime(2024, 11, 20, 7, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, DRAFT_NOW) == expected


def test_parse_since_rejects_nonsense() -> None:
    with pytest.raises(DigestError, match="use a duration"):
        parse_since("yesterday", DRAFT_NOW)


@given(st.text(max_size=200))
def test_toml_string_round_trips(value: str) -> None:
    assert tomllib.loads(f"x = {toml_string(value)}")["x"] == value
