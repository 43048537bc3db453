"""Sign-up with double opt-in, end to end: `digest serve` as a process, real Chromium, a real
SMTP server, then `digest send --to subscribers`.

The confirmation arrives at aiosmtpd; a scanner's GET of its link confirms nobody; the page's
button does; a second sign-up of a confirmed address gets the same answer and no message; the
next send mails exactly the confirmed readers.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from typing import Any

from digest.delivery.suppression import default_suppression_path
from digest.store.subscribers import Status
from tests.newsroom import parse
from tests.readers_newsroom import (
    body_link,
    html_links,
    make_readers_newsroom,
    send,
    serving,
    statuses,
)
from tests.smtp_server import smtp_server

MAIL_WAIT_S = 10.0
READERS = {"ann@example.org": "Ann Lee", "bob@example.org": "", "cat@example.org": "Cat"}
SCANNED_ONLY = "dan@example.org"  # their link is only ever fetched by a scanner


def wait_for(handler: Any, address: str, count: int = 1) -> bytes:
    """The newest message to `address` once `count` have arrived."""
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        got = [data for rcpt, data in list(handler.received) if rcpt.lower() == address]
        if len(got) >= count:
            return got[-1]
        time.sleep(0.05)
    raise AssertionError(f"no confirmation message reached {address} in {MAIL_WAIT_S} s")


def sign_up(browser: Any, form_url: str, address: str, name: str) -> str:
    """Fill in and submit the sign-up form in Chromium; returns the page's text."""
    page = browser.new_page()
    try:
        page.goto(form_url)
        page.fill("#email", address)
        if name:
            page.fill("#name", name)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return str(page.inner_text("main"))
    finally:
        page.close()


def test_sign_up_confirm_in_chromium_then_the_send_mails_exactly_the_confirmed(
    browser: Any, tmp_path: Any
) -> None:
    with smtp_server() as smtp:
        newsroom = make_readers_newsroom(tmp_path / "news", smtp.port)
        with serving(newsroom):
            form = f"{newsroom.base}subscribe"
            answers = {
                address: sign_up(browser, form, address, name)
                for address, name in {**READERS, SCANNED_ONLY: ""}.items()
            }
            # The same words for every address: nothing tells whether it was known.
            assert all("a message with a link is on its way" in text for text in answers.values())
            links = {}
            for address in [*READERS, SCANNED_ONLY]:
                message = wait_for(smtp.handler, address)
                assert "Confirm your subscription to Test Daily" in str(parse(message)["Subject"])
                assert parse(message)["Auto-Submitted"] == "auto-generated"
                links[address] = body_link(message, "/confirm/")
                assert address.split("@")[0] not in links[address]  # opaque
            to = parse(wait_for(smtp.handler, "ann@example.org"))["To"]
            assert to.addresses[0].display_name == "Ann Lee"

            # A link scanner GETs every link it sees (and follows it again): nobody confirms.
            for link in links.values():
                for _ in range(2):
                    with urllib.request.urlopen(link, timeout=5) as response:
                        assert response.status == 200
            assert set(statuses(newsroom.root).values()) == {Status.PENDING}

            # Ann and Bob press the button on the page their link opens; Cat never does.
            for address in ("ann@example.org", "bob@example.org"):
                page = browser.new_page()
                page.goto(links[address])
                assert "Press the button" in page.inner_text("main")
                page.click("button[type=submit]")
                page.wait_for_load_state()
                assert "You are subscribed" in page.inner_text("h1")
                page.close()
            assert statuses(newsroom.root) == {
                "ann@example.org": Status.CONFIRMED,
                "bob@example.org": Status.CONFIRMED,
                "cat@example.org": Status.PENDING,
                SCANNED_ONLY: Status.PENDING,
            }

            # Signing up again as a confirmed reader: the same page, and no message.
            before = len(smtp.handler.received)
            again = sign_up(browser, form, "ann@example.org", "Ann Lee")
            assert again == answers["ann@example.org"]
            time.sleep(1.0)
            assert len(smtp.handler.received) == before

        smtp.handler.received.clear()
        output = send(newsroom, "--to", "subscribers")
        assert "sent 2," in output
        got = sorted(rcpt for rcpt, _ in smtp.handler.received)
        assert got == ["ann@example.org", "bob@example.org"]
        tokens = [link.rsplit("/", 1)[1] for link in links.values()]
        for _, data in smtp.handler.received:
            sent_links = html_links(data)
            assert any("/r/p/" in link for link in sent_links)  # the footer's preference page
            tokens += [link.rsplit("/", 1)[1] for link in sent_links if "/r/u/" in link]
        # Tokens are never stored: the store holds readers, not the keys to their pages.
        store = default_suppression_path(newsroom.root)
        data = b"".join(
            Path(f"{store}{suffix}").read_bytes()
            for suffix in ("", "-wal")
            if Path(f"{store}{suffix}").exists()
        )
        assert b"ann@example.org" in data and len(tokens) == len(READERS) + 1 + 2
        for token in tokens:
            assert token.encode() not in data
