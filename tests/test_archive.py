"""`digest archive`: web versions, an index by month and an Atom feed, at archive_url's URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner

from digest.archive.layout import layout_for
from digest.cli import app
from digest.errors import ConfigError, ExitCode
from tests.browser import screenshot_path
from tests.newsroom import ENV, Newsroom, make_newsroom

runner = CliRunner()
PHONE, DESKTOP = 375, 1024
DAYS = ("2024-10-31", "2024-11-22", "2024-11-23")


@pytest.fixture
def newsroom(tmp_path: Path) -> Newsroom:
    """Three editions over two months, with the personal unsubscribe link a send would fill."""
    made = make_newsroom(tmp_path / "news", 25)
    october = made.root / "editions" / "2024-10-31.toml"
    october.write_text(
        'subject = "October <b>special</b>"\n[[articles]]\nsource = "../articles/story-1.md"\n'
    )
    return made


def run_archive(*arguments: str) -> str:
    result = runner.invoke(app, ["archive", *arguments], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_archive_holds_every_edition_at_the_promised_urls(newsroom: Newsroom) -> None:
    output = run_archive("--dir", str(newsroom.root))
    assert "3 edition(s) written, 3 in the index and feed" in output
    folder = newsroom.root / "archive"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{day}.html" for day in DAYS] + ["index.html", "feed.xml", "editions.json"]
    )
    page = (folder / "2024-11-22.html").read_text()
    assert "unsubscribe" not in page.lower() and "token=" not in page
    assert "View in your browser" not in page
    assert '<a href="index.html"' in page and 'href="feed.xml"' in page
    assert '<link rel="canonical" href="https://news.example.org/archive/2024-11-22.html">' in page
    index = (folder / "index.html").read_text()
    assert index.index("November 2024") < index.index("October 2024")
    assert '<a href="2024-11-23.html">' in index
    assert "October &lt;b&gt;special&lt;/b&gt;" in index and "<b>special" not in index
    assert "<script" not in index and "<script" not in page

    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Test Daily"
    assert [entry.link for entry in feed.entries] == [
        f"https://news.example.org/archive/{day}.html" for day in reversed(DAYS)
    ]
    assert feed.entries[0].published.startswith("2024-11-23T06:00:00")
    assert "Story number 2" in feed.entries[0].content[0].value


def test_the_same_editions_give_the_same_bytes(newsroom: Newsroom) -> None:
    run_archive("--dir", str(newsroom.root))
    folder = newsroom.root / "archive"
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    run_archive("--dir", str(newsroom.root))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first


def test_one_edition_at_a_time_keeps_the_others_and_future_ones_wait(
    newsroom: Newsroom,
) -> None:
    run_archive(str(newsroom.edition("2024-11-22")))
    later = newsroom.root / "editions" / "2999-01-01.toml"
    later.write_text('[[articles]]\nsource = "../articles/story-2.md"\n')
    build = runner.invoke(app, ["build", str(newsroom.edition("2024-11-23")), "--archive"], env=ENV)
    assert build.exit_code == 0, build.output
    assert "2 editions in the index" in build.output
    output = run_archive("--dir", str(newsroom.root))
    assert "not yet due: 2999-01-01" in output
    assert not (newsroom.root / "archive" / "2999-01-01.html").exists()


def test_folder_per_edition_layout_links_relatively(tmp_path: Path, newsroom: Newsroom) -> None:
    toml = newsroom.root / "digest.toml"
    toml.write_text(toml.read_text().replace("archive/{date}.html", "digest/{date}/"))
    out = tmp_path / "site"
    run_archive("--dir", str(newsroom.root), "--out", str(out))
    page = (out / "2024-11-22" / "index.html").read_text()
    assert '<a href="../index.html"' in page and 'href="../feed.xml"' in page
    assert '<a href="2024-11-22/index.html">' in (out / "index.html").read_text()
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.entries[-1].link == "https://news.example.org/digest/2024-10-31/"


def test_archive_url_must_be_servable_from_a_folder(newsroom: Newsroom) -> None:
    toml = newsroom.root / "digest.toml"
    toml.write_text(toml.read_text().replace("archive/{date}.html", "archive?d={date}"))
    result = runner.invoke(app, ["archive", "--dir", str(newsroom.root)], env=ENV)
    assert result.exit_code == ExitCode.CONFIG
    assert "archive_url: has a query or fragment" in result.output
    with pytest.raises(ConfigError, match="is not set"):
        layout_for(None, "digest.toml")
    latest = layout_for("https://x.example/digest/latest.html", "digest.toml")
    assert latest.latest_page == "latest.html" and latest.base_url == "https://x.example/digest/"


# --- In Chromium, like the email ----------------------------------------------------------------


def open_page(browser: Any, path: Path, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.route("http*://**/*", lambda route: route.abort())
    page.goto(path.as_uri())
    return page


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def centred_card(page: Any) -> None:
    box = page.evaluate(
        "(() => { const r = document.querySelector('.card').getBoundingClientRect();"
        " return {left: r.left, right: r.right, width: r.width}; })()"
    )
    assert box["width"] <= 600
    assert abs(box["left"] - (DESKTOP - box["right"])) <= 2


def test_index_and_pages_pass_the_email_layout_checks(browser: Any, newsroom: Newsroom) -> None:
    run_archive("--dir", str(newsroom.root))
    folder = newsroom.root / "archive"
    for name in ["index.html", *(f"{day}.html" for day in DAYS)]:
        for width in (PHONE, DESKTOP):
            page = open_page(browser, folder / name, width)
            no_sideways_scroll(page)
            if width == DESKTOP:
                centred_card(page)
            page.screenshot(path=screenshot_path("archive", f"{name}-{width}.png"), full_page=True)
            page.close()
    # The index's links open the editions without a server (relative links).
    page = open_page(browser, folder / "index.html", PHONE)
    page.click("text=Test Daily: Story number 2")
    assert page.url.endswith("/archive/2024-11-23.html")
    page.click("text=All editions")
    assert page.url.endswith("/archive/index.html")
    page.close()
