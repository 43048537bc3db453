"""Story memory: an edition sent to five readers on aiosmtpd, then the next day's edition.

The next edition repeats one story at the same link and another as a wire's paraphrase at a
new address: `digest check` names the edition each ran in. A story that shares only a place
name is not flagged, and a follow-up marked `update = true` passes and reads "Update" in both
themes. `digest new` leaves out a story that went out unless its page changed.
"""

from __future__ import annotations

import functools
import json
import os
import textwrap
import threading
from collections.abc import Iterator
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digest.edition.duplicates import same_story_texts
from digest.history.memory import BUILT, SENT, Remembered, recall, record_stories
from tests.history_newsroom import ARTICLES, D1, READERS, D, digest, make_newsroom
from tests.smtp_server import smtp_server


def _repeats(findings: list[dict[str, str]]) -> list[str]:
    return [f["message"] for f in findings if f["code"] == "story-ran-before"]


@pytest.mark.parametrize("theme", ["briefing", "classic"])
def test_the_next_edition_is_told_what_ran_the_day_before(tmp_path: Path, theme: str) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, theme=theme)
        code, output = digest(
            "send", str(newsroom.edition(D)), "--to", str(newsroom.recipients), "--yes"
        )
        assert code == 0, output
        assert sorted(rcpt for rcpt, _ in smtp.handler.received) == sorted(READERS)

    code, output = digest("check", str(newsroom.edition(D1)), "--json")
    assert code == 0, output  # warnings only
    repeats = _repeats(json.loads(output)["findings"])
    assert len(repeats) == 2, repeats
    by_link, by_news = sorted(repeats, key=lambda message: "the same link" not in message)
    # The same link (a tracking parameter does not hide it), naming the edition it ran in.
    assert "articles[2]" in by_link and f"ran on {D} in edition {D}" in by_link
    assert "(the same link)" in by_link
    # The wire's paraphrase at a new address: the same news, with where it ran before.
    assert "articles[3]" in by_news and f"ran on {D} in edition {D}" in by_news
    assert repr(ARTICLES["worldbank"][0]) in by_news and "the same news" in by_news
    assert ARTICLES["worldbank"][1] in by_news
    # Valencia's football club shares a place name with the floods, nothing more.
    assert not any("Valencia football" in message for message in repeats)
    # The follow-up on the floods is marked `update = true`: it passes, and says "Update".
    assert not any("articles[5]" in message for message in repeats)

    code, output = digest("build", str(newsroom.edition(D1)))
    assert code == 0, output
    assert output.count("story-ran-before") == 0 and output.count(f"in edition {D}") == 2
    out = newsroom.root / "out" / D1
    html = (out / "digest.html").read_text(encoding="utf-8")
    text = (out / "digest.txt").read_text(encoding="utf-8")
    headline = ARTICLES["followup"][0]
    assert html.count(">Update</span>") == 1
    label_at = html.index(">Update</span>")
    assert 0 < html.index(headline, label_at) - label_at < 400  # right before its headline
    assert f"Update: {headline[:40]}" in " ".join(text.split())


def test_without_update_the_follow_up_is_flagged_too(tmp_path: Path) -> None:
    # The same D+1, the follow-up not marked: same news as D's floods story, so it warns.
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        digest("send", str(newsroom.edition(D)), "--to", str(newsroom.recipients), "--yes")
    path = newsroom.edition(D1)
    path.write_text(path.read_text().replace("update = true\n", ""), encoding="utf-8")
    code, output = digest("check", str(path), "--json")
    repeats = _repeats(json.loads(output)["findings"])
    assert (
        code == 0
        and len(repeats) == 3
        and any("articles[5]: 'Valencia floods: rescuers" in m for m in repeats)
    )


def test_the_near_duplicate_test_is_the_editions_own() -> None:
    # What the memory relies on, from the same function the edition uses between its stories.
    wb, wire, floods, coach = (ARTICLES[k] for k in ("worldbank", "wire", "floods", "coach"))
    assert same_story_texts(wb[0], wb[3], wire[0], wire[3])
    assert not same_story_texts(floods[0], floods[3], coach[0], coach[3])


def _record(root: Path, edition: str, day: str, state: str, title: str, url: str) -> None:
    story = Remembered(edition, date.fromisoformat(day), state, "story", 1, "articles[1]",
                       title, f"{title}. More words here.", url)  # fmt: skip
    record_stories(root, edition, state, [story])


def test_memory_days_bounds_what_is_recalled_and_sent_wins_over_built(tmp_path: Path) -> None:
    root = tmp_path
    _record(root, "old", "2024-11-10", SENT, "Old story", "https://example.org/old")
    _record(root, "recent", "2024-11-20", SENT, "Recent story", "https://example.org/recent")
    _record(root, "recent", "2024-11-20", BUILT, "Edited since", "https://example.org/edited")
    _record(root, "draft", "2024-11-21", BUILT, "Draft story", "https://example.org/draft")
    _record(root, "later", "2024-11-25", SENT, "Later story", "https://example.org/later")
    recalled = recall(root, "today", date(2024, 11, 22), 7)
    assert [(r.edition, r.state, r.title) for r in recalled] == [
        ("draft", BUILT, "Draft story"),  # built, never sent: recalled as such
        ("recent", SENT, "Recent story"),  # what went out, not its later build
    ]
    assert recall(root, "today", date(2024, 11, 22), 0) == []
    assert recall(root, "recent", date(2024, 11, 20), 7) == []  # never its own stories


def test_built_editions_are_remembered_once_the_publication_keeps_a_history(
    tmp_path: Path,
) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        # No history yet: building leaves nothing behind (nor imports SQLite).
        assert digest("build", str(newsroom.edition(D)))[0] == 0
        assert not (newsroom.root / ".digest").exists()
        # A test send starts none either; a list send does.
        digest("send", str(newsroom.edition(D1)), "--to", str(newsroom.recipients), "--yes")
    assert (newsroom.root / ".digest" / "history.sqlite").is_file()
    extra = newsroom.root / "editions" / "2024-11-23.toml"
    extra.write_text(
        '[[articles]]\nsource = "../articles/coach.md"\n'
        '[[articles]]\nsource = "../articles/ferry.md"\n',
        encoding="utf-8",
    )
    assert digest("build", str(newsroom.edition(D)))[0] == 0  # now recorded, as built
    code, output = digest("check", str(extra), "--json")
    assert code == 0, output
    coach, ferry = sorted(_repeats(json.loads(output)["findings"]), key="ferry".__contains__)
    assert f"ran on {D1} in edition {D1}" in coach and "Valencia football" in coach
    assert f"is also in edition {D} of {D} (built, not sent by digest)" in ferry


PAGE = """\
<!doctype html><html><head><title>{title}</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
</head><body><article><h1>{title}</h1>
<p>{body}</p>
<p>The council said the new timetable had been agreed after a consultation with residents
and businesses along the waterfront, and that it would be reviewed in the spring.</p>
</article></body></html>
"""


def test_digest_new_leaves_out_what_went_out_unless_its_page_changed(tmp_path: Path) -> None:
    title, url, _section, body = ARTICLES["ferry"]
    page = tmp_path / "news" / "pages" / "ferry.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE.format(title=title, url=url, body=body), encoding="utf-8")
    with smtp_server() as smtp:
        newsroom = make_newsroom(
            tmp_path / "news",
            smtp.port,
            editions={D: f'[[articles]]\nsource = "../pages/ferry.html"\nurl = "{url}"\n'},
        )
        code, output = digest(
            "send", str(newsroom.edition(D)), "--to", str(newsroom.recipients), "--yes"
        )
        assert code == 0, output

    new = ("new", "--dir", str(newsroom.root), "--from", str(page), "--date")
    code, output = digest(*new, D1)
    assert code == 0, output
    assert f"left out (sent before, page unchanged): {title}" in output
    draft = newsroom.edition(D1).read_text(encoding="utf-8")
    assert "\n[[articles]]" not in draft  # only the commented-out entry, ready to uncomment
    assert "# [[articles]]" in draft and f'# url = "{url}"' in draft

    page.write_text(
        PAGE.format(title=title, url=url, body=body + " Sailings on Sundays are cancelled."),
        encoding="utf-8",
    )
    code, output = digest(*new, "2024-11-23")
    assert code == 0, output
    draft = (newsroom.root / "editions" / "2024-11-23.toml").read_text(encoding="utf-8")
    assert "\n[[articles]]" in draft and "its page changed since" in draft
    assert f"ran on {D} in edition {D}" in textwrap.dedent(draft)


FEED = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour wire</title><link>{base}/</link>
<description>Local news</description>
<item><title>{title}</title><link>{base}/ferry.html</link>
<description>The ferry timetable changes.</description>
<pubDate>Thu, 21 Nov 2024 07:00:00 GMT</pubDate></item>
<item><title>Fresh story of the day</title><link>{base}/fresh.html</link>
<description>Something new.</description>
<pubDate>Fri, 22 Nov 2024 07:00:00 GMT</pubDate></item>
</channel></rss>
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder: a feed and its pages."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", folder
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def test_digest_new_reads_a_feed_entrys_page_to_tell_whether_it_changed(
    tmp_path: Path, site: tuple[str, Path]
) -> None:
    base, folder = site
    title, _url, _section, body = ARTICLES["ferry"]
    page = folder / "ferry.html"
    page.write_text(PAGE.format(title=title, url=f"{base}/ferry.html", body=body))
    (folder / "fresh.html").write_text(
        PAGE.format(title="Fresh story of the day", url=f"{base}/fresh.html", body="New.")
    )
    (folder / "feed.xml").write_text(FEED.format(base=base, title=title))
    with smtp_server() as smtp:
        newsroom = make_newsroom(
            tmp_path / "news",
            smtp.port,
            editions={D: f'[[articles]]\nurl = "{base}/ferry.html"\n'},
            tail='\n[fetch]\nallow_hosts = ["127.0.0.1"]\ntimeout = 10\n',
        )
        code, output = digest(
            "send", str(newsroom.edition(D)), "--to", str(newsroom.recipients), "--yes"
        )
        assert code == 0, output
    new = ("new", "--dir", str(newsroom.root), "--from", f"{base}/feed.xml", "--date")
    code, output = digest(*new, D1)
    assert code == 0, output
    draft = newsroom.edition(D1).read_text(encoding="utf-8")
    assert "left out (sent before, page unchanged)" in output and "Fresh story" in draft
    assert draft.count("\n[[articles]]") == 1 and "# [[articles]]" in draft
    page.write_text(PAGE.format(title=title, url=f"{base}/ferry.html", body=body + " Update."))
    later = page.stat().st_mtime + 5  # a newer Last-Modified: no 304 from the server's clock
    os.utime(page, (later, later))
    code, output = digest(*new, "2024-11-23", "--force")
    draft = (newsroom.root / "editions" / "2024-11-23.toml").read_text(encoding="utf-8")
    assert code == 0 and draft.count("\n[[articles]]") == 2 and "its page changed since" in draft
