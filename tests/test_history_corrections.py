"""Corrections after the send: notices to exactly the readers who got the edition, threaded to
their copy, never twice; the archive page and feed entry show it; the next edition carries it.

Everything real: aiosmtpd on 127.0.0.1, the unsubscribe endpoint under waitress (a reader
leaves with the one-click POST from their own message), `digest archive` on disk.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from digest.subscribers.app import create_app
from tests.history_newsroom import ARTICLES, D1, ENV, READERS, D, digest, make_newsroom
from tests.newsroom import parse
from tests.smtp_server import free_port, smtp_server
from tests.test_unsubscribe_endpoint import ONE_CLICK, one_click_target, request, running

NOTE = "The forecast was cut to 4.1%, not to 4.0% as we first wrote."


def test_a_correction_reaches_exactly_the_readers_who_got_it_once(tmp_path: Path) -> None:
    endpoint = free_port()
    with smtp_server() as smtp:
        newsroom = make_newsroom(
            tmp_path / "news",
            smtp.port,
            unsubscribe_url=f"http://127.0.0.1:{endpoint}/unsubscribe?token={{token}}",
            tail='\n[fetch]\nallow_hosts = ["127.0.0.1"]\n',  # the endpoint on this machine
        )
        edition = str(newsroom.edition(D))
        code, output = digest("send", edition, "--to", str(newsroom.recipients), "--yes")
        assert code == 0, output
        originals = {rcpt: parse(data) for rcpt, data in smtp.handler.received}
        assert sorted(originals) == sorted(READERS)
        code, output = digest("archive", "--dir", str(newsroom.root))
        assert code == 0, output

        # One reader leaves, with the one-click POST their own message carries.
        leaving = READERS[2]
        message = next(data for rcpt, data in smtp.handler.received if rcpt == leaving)
        with running(create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)}), endpoint) as at:
            assert request(at, "POST", one_click_target(message), ONE_CLICK)[0] == 200
        smtp.handler.received.clear()

        # `digest history` numbers the stories as `correct --story` takes them.
        code, output = digest("history", edition, "--json")
        stories = {s["title"]: s["number"] for s in json.loads(output)["stories"]}
        number = str(stories[ARTICLES["worldbank"][0]])
        correct = ("correct", edition, "--story", number, "--note", NOTE, "--notify", "--yes")
        code, output = digest(*correct)
        assert code == 0, output
        assert "notice sent to 4 readers" in output and "suppressed 1" in output
        notices = smtp.handler.received[:]
        assert sorted(rcpt for rcpt, _ in notices) == sorted(set(READERS) - {leaving})
        for rcpt, data in notices:
            notice = parse(data)
            original_id = originals[rcpt]["Message-ID"]
            assert notice["In-Reply-To"] == original_id  # that reader's own copy
            assert notice["References"] == original_id
            assert notice["Message-ID"] != original_id
            assert str(notice["Subject"]).startswith("Correction: ")
            body = notice.get_body(("plain",))
            assert body is not None and NOTE in " ".join(str(body.get_content()).split())
            assert notice["List-Unsubscribe"] is not None

        # Again, and by the story's link: the same correction, and nobody is mailed twice.
        smtp.handler.received.clear()
        url = ARTICLES["worldbank"][1]
        code, output = digest("correct", edition, "--story", url, "--note", NOTE, "--notify", "-y")
        assert code == 0, output
        assert "Already recorded correction 1" in output and "nothing to send" in output
        assert smtp.handler.received == []

    # `digest history` lists the edition with its correction, and what the notice reached.
    code, output = digest("history", "--dir", str(newsroom.root))
    assert code == 0 and D in output and "sent   5 sent" in output and "1 correction" in output
    listing = json.loads(digest("history", "--dir", str(newsroom.root), "--json")[1])
    assert [entry["edition"] for entry in listing] == [D]
    assert "(notice sent to 4)" in digest("history", edition)[1]

    # The archive page shows it beside the story and in a list, with its date.
    page = (newsroom.root / "archive" / f"{D}.html").read_text(encoding="utf-8")
    history = json.loads(digest("history", edition, "--json")[1])
    (correction,) = history["corrections"]
    assert correction["notified"] == 4
    day = correction["day"]  # the local date it was made, shown in the publication's words
    shown = _long_date(day)
    assert page.count(NOTE) == 2
    assert f"<b>Correction</b> ({shown}): {NOTE}" in page
    assert ">Corrections</h2>" in page
    # The feed entry: `updated` moved to the correction, and its content carries it.
    feed = (newsroom.root / "archive" / "feed.xml").read_text(encoding="utf-8")
    entry = next(e for e in feed.split("<entry>")[1:] if f"{D}.html" in e)
    updated = re.search(r"<updated>([^<]+)</updated>", entry)
    published = re.search(r"<published>([^<]+)</published>", entry)
    assert updated and published and updated.group(1) > published.group(1)
    assert updated.group(1).startswith(correction["created"][:16])
    assert NOTE in entry and day in entry


def _long_date(day: str) -> str:
    from datetime import date

    from digest.mail.render import format_long_date

    return format_long_date(date.fromisoformat(day), "en")


@pytest.mark.parametrize("theme", ["briefing", "classic"])
def test_the_next_edition_carries_the_corrections_block_once(tmp_path: Path, theme: str) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, theme=theme)
        recipients = str(newsroom.recipients)
        digest("send", str(newsroom.edition(D)), "--to", recipients, "--yes")
        code, output = digest("correct", str(newsroom.edition(D)), "--story", "3", "--note", NOTE)
        assert code == 0 and "Recorded correction 1" in output, output

        # D+1 carries it in its Corrections block, in both parts.
        assert digest("build", str(newsroom.edition(D1)))[0] == 0
        out = newsroom.root / "out" / D1
        html = (out / "digest.html").read_text(encoding="utf-8")
        text = " ".join((out / "digest.txt").read_text(encoding="utf-8").split())
        assert "Corrections</h2>" in html and NOTE in html
        assert "CORRECTIONS" in text and NOTE in text
        assert "In the edition of Thursday, November 21, 2024" in text
        # Sent, it keeps carrying it (a rebuild of what went out is the same)...
        smtp.handler.received.clear()
        assert digest("send", str(newsroom.edition(D1)), "--to", recipients, "--yes")[0] == 0
        sent = parse(smtp.handler.received[0][1]).get_body(("plain",))
        assert sent is not None and NOTE in " ".join(str(sent.get_content()).split())
        assert digest("build", str(newsroom.edition(D1)))[0] == 0
        assert NOTE in (out / "digest.html").read_text(encoding="utf-8")

    # ... and the edition after it does not repeat it.
    later = newsroom.root / "editions" / "2024-11-23.toml"
    later.write_text('[[articles]]\nsource = "../articles/budget.md"\n', encoding="utf-8")
    assert digest("build", str(later))[0] == 0
    assert NOTE not in (newsroom.root / "out" / "2024-11-23" / "digest.html").read_text()


def test_a_story_that_is_not_there_is_named_with_the_ones_that_are(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        digest("send", str(newsroom.edition(D)), "--to", str(newsroom.recipients), "--yes")
    code, output = digest("correct", str(newsroom.edition(D)), "--story", "9", "--note", NOTE)
    assert code == 2 and "--story '9': no such story" in output and "3 'World Bank" in output
    code, output = digest("correct", str(newsroom.edition(D)), "--story", "1", "--note", "  ")
    assert code == 2 and "--note is empty" in output


def test_notify_without_a_journal_tells_nobody_and_says_why(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", free_port())
    code, output = digest(
        "correct", str(newsroom.edition(D)), "--story", "1", "--note", NOTE, "--notify", "-y"
    )
    assert code == 8 and "no send journal" in output and "tells nobody" in output
