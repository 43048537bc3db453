"""Clicks that track nobody, through the real server (`digest serve` behind a trusted proxy).

A scanner that fetches every link of a message, canary included, within 2 s counts 0; a person
clicking later in Chromium counts 1, and 3 repeats within 5 minutes still 1; HEAD and prefetch
count nothing; `digest stats` matches a simulated edition's clicks exactly; a forged or altered
id gets 400 and no Location. Afterwards the click file holds no address, token or client.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from playwright.sync_api import Error as PlaywrightError
from typer.testing import CliRunner

from digest.cli import app
from digest.store.clicks import default_clicks_path
from digest.subscribers.clickgate import HOLD_S
from digest.subscribers.redirect import FLUSH_S
from tests.newsroom import ENV, parse
from tests.readers_newsroom import (
    BROWSER_AGENT,
    STORIES,
    TICKER,
    ReadersNewsroom,
    html_links,
    make_readers_newsroom,
    request,
    send,
    serving,
)
from tests.smtp_server import smtp_server

READERS = ("ann@example.org", "bob@example.org", "cat@example.org")
SCANNER_IP = "203.0.113.9"
SCANNER_AGENT = BROWSER_AGENT + " Edg/131.0"  # scanners pose as browsers; only behaviour shows
SETTLE_S = HOLD_S + 2 * FLUSH_S + 0.5
# The simulated edition: how many distinct readers click each story first, and who comes
# back later for a second story.
FIRST_CLICKS = {1: 7, 2: 4, 3: 3, 4: 2, 5: 1}
SECOND_STORY = 3  # every third reader also opens story 3 (a different link, 2.5 s later)


def stats(newsroom: ReadersNewsroom) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["stats", str(newsroom.edition), "--json"], env=ENV)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def per_story(figures: dict[str, Any]) -> dict[int, int]:
    return {story["story"]: story["clicks"] for story in figures["stories"]}


def fetch(newsroom: ReadersNewsroom, url: str, ip: str, agent: str = BROWSER_AGENT) -> int:
    status, _headers, _ = request(
        newsroom.port, "GET", url, headers={"X-Forwarded-For": ip, "User-Agent": agent}
    )
    assert status in (200, 302)
    return status


def encodings(text: str) -> set[bytes]:
    """The forms a value could be written in: plain, upper, URL-quoted, base64 at every offset."""
    forms = {text, text.upper(), quote(text), quote_plus(text), quote(text, safe="")}
    data = text.encode()
    found = {form.encode() for form in forms}
    for start in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            coded = encode(data[start:]).rstrip(b"=")
            found.add(coded[2:-2] if len(coded) > 6 else coded)  # edges depend on neighbours
    return found


def test_scanners_count_nothing_people_count_once_and_stats_match(
    browser: Any, tmp_path: Path
) -> None:
    with smtp_server() as smtp:
        newsroom = make_readers_newsroom(tmp_path / "news", smtp.port)
        added = CliRunner().invoke(
            app, ["subscribers", "add", *READERS, "--dir", str(newsroom.root)], env=ENV
        )
        assert added.exit_code == 0, added.output
        send(newsroom, "--to", "subscribers")
        messages = {rcpt: data for rcpt, data in smtp.handler.received}
    assert sorted(messages) == sorted(READERS)
    links = [link for link in html_links(messages[READERS[0]]) if "/r/c/" in link]
    assert len(links) == len(STORIES) + len(TICKER) + 1  # every story, "In brief", the canary
    # No reader identity in any click link: every copy carries the same ones.
    for data in messages.values():
        assert [link for link in html_links(data) if "/r/c/" in link] == links
    canary = next(link for link in links if "/c/0." in link)
    stories = {int(link.rsplit("/", 1)[1].split(".")[0]): link for link in links if link != canary}

    with serving(newsroom, "--trusted-proxy", "127.0.0.1"):
        # A scanner: every link, canary last, within 2 s of each other.
        start = time.monotonic()
        for link in [*stories.values(), canary]:
            fetch(newsroom, link, SCANNER_IP, SCANNER_AGENT)
        assert time.monotonic() - start < 2.0
        # Another: the canary first, then every link.
        for link in [canary, *stories.values()]:
            fetch(newsroom, link, "203.0.113.10", SCANNER_AGENT)
        time.sleep(SETTLE_S)
        assert sum(per_story(stats(newsroom)).values()) == 0

        # A person, later, in Chromium: clicks the lead's headline in the email, then opens
        # the same link three more times within five minutes.
        page = browser.new_page()
        html = parse(messages[READERS[1]]).get_body(("html",))
        assert html is not None
        page.set_content(str(html.get_content()))
        for attempt in range(4):  # the click in the email, then 3 repeats within 5 minutes
            with page.expect_response(lambda response: "/r/c/1." in response.url) as answer:
                try:
                    if attempt == 0:
                        page.locator(f'a[href="{stories[1]}"]').first.click()
                    else:
                        page.goto(stories[1])
                except PlaywrightError:
                    pass  # the story's own site is not reachable from this machine
            assert answer.value.status == 302
            assert answer.value.headers["location"] == STORIES[0][2]
            try:
                page.goto("about:blank")
            except PlaywrightError:
                page.wait_for_timeout(200)
        page.close()
        # HEAD and prefetch requests are not clicks.
        request(newsroom.port, "HEAD", stories[2], headers={"X-Forwarded-For": "198.51.100.1"})
        prefetch = {"X-Forwarded-For": "198.51.100.2", "Sec-Purpose": "prefetch"}
        request(newsroom.port, "GET", stories[2], headers=prefetch)
        time.sleep(SETTLE_S)
        assert per_story(stats(newsroom)) == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0}

        # Forged and altered ids: 400, and no Location to go to.
        altered = stories[2][:-12] + ("A" if stories[2][-12] != "A" else "B") + stories[2][-11:]
        swapped = stories[2].replace("/c/2.", "/c/3.")
        for forged in (altered, swapped, f"{newsroom.base}c/1.abcdef01.AAAAAAAAAAAAAAAA.x"):
            status, headers, _ = request(newsroom.port, "GET", forged)
            assert status == 400 and "Location" not in headers

        # The simulated edition: distinct readers (their own addresses through the proxy).
        expected: Counter[int] = Counter({1: 1})
        clicks = []
        for story, readers in FIRST_CLICKS.items():
            for _ in range(readers):
                clicks.append((f"10.0.{story}.{len(clicks)}", story))
                expected[story] += 1
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: fetch(newsroom, stories[c[1]], c[0]), clicks))
            list(pool.map(lambda c: fetch(newsroom, stories[c[1]], c[0]), clicks[::2]))  # again
            time.sleep(2.5)
            later = [ip for ip, story in clicks[::3] if story != SECOND_STORY]
            list(pool.map(lambda ip: fetch(newsroom, stories[SECOND_STORY], ip), later))
        expected[SECOND_STORY] += len(later)
        time.sleep(SETTLE_S)
        figures = stats(newsroom)
        assert per_story(figures) == {story: expected[story] for story in stories}
        sections: Counter[str] = Counter()
        for story in figures["stories"]:
            sections[story["section"]] += expected[story["story"]]
        assert {s["section"]: s["clicks"] for s in figures["sections"]} == dict(sections)
        assert figures["clicks"] == sum(expected.values())
        assert figures["not_counted"]["canary"] >= 1 and figures["not_counted"]["repeat"] >= 3

    # Nothing in the click file says who: no address, no token, no client address or agent.
    path = default_clicks_path(newsroom.root)
    data = b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )
    secrets = [*READERS, SCANNER_IP, "10.0.1.0", BROWSER_AGENT, SCANNER_AGENT, "HeadlessChrome"]
    personal = [
        link.rsplit("/", 1)[1]
        for m in messages.values()
        for link in html_links(m)
        if "/r/u/" in link or "/r/p/" in link
    ]
    assert len(personal) == 2 * len(READERS)
    for value in [*secrets, *personal]:
        for form in encodings(value):
            assert form not in data, (value, form)
    assert b"geneva" in data  # the file is readable: it does hold the links' targets
