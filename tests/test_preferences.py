"""The preference page from a sent footer, through `digest serve`: pause, resume, unsubscribe,
come back, change the address (confirmed from the new inbox); old tokens still unsubscribe;
pages in the publication's language."""

from __future__ import annotations

import re
import time
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_publication
from digest.delivery.personalize import list_id_for
from digest.delivery.suppression import SuppressionList, default_suppression_path
from digest.delivery.tokens import make_legacy_token
from digest.store.subscribers import Status, SubscriberStore
from digest.subscribers.app import create_app
from digest.subscribers.membership import WEEK_S
from tests.newsroom import ENV, SECRET, parse
from tests.readers_newsroom import (
    ReadersNewsroom,
    body_link,
    call,
    make_readers_newsroom,
    request,
    send,
    serving,
    statuses,
)

MAIL_WAIT_S = 10.0
PROOF = re.compile(r'name="proof" value="([^"]+)"')


def outbox(newsroom: ReadersNewsroom) -> dict[str, bytes]:
    """The files transport's messages by recipient (lower case)."""
    folder = newsroom.root / "outbox"
    found = {}
    for path in folder.glob("*.eml") if folder.exists() else ():
        data = path.read_bytes()
        found[parse(data)["To"].addresses[0].addr_spec.lower()] = data
    return found


def wait_for_message(newsroom: ReadersNewsroom, address: str) -> bytes:
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        if address in outbox(newsroom):
            return outbox(newsroom)[address]
        time.sleep(0.05)
    raise AssertionError(f"no message to {address}")


def clear(newsroom: ReadersNewsroom) -> None:
    for path in (newsroom.root / "outbox").glob("*.eml"):
        path.unlink()


def press(newsroom: ReadersNewsroom, url: str, **fields: str) -> tuple[int, str]:
    """GET the page, then POST its form with its proof and `fields` (as a browser would)."""
    status, _, page = request(newsroom.port, "GET", url)
    assert status == 200, page
    proof = PROOF.search(page)
    assert proof is not None
    body = "&".join(f"{key}={value}" for key, value in {"proof": proof[1], **fields}.items())
    status, _, page = request(newsroom.port, "POST", url, body=body.encode())
    return status, page


def paused_until(root: Path, address: str) -> float | None:
    with SubscriberStore(default_suppression_path(root)) as store:
        return store.paused_until(address, time.time())


def test_every_choice_of_the_preference_page(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files")
    root = str(newsroom.root)
    CliRunner().invoke(
        app, ["subscribers", "add", "ann@example.org", "bob@example.org", "--dir", root]
    )
    listing = newsroom.root / "list.csv"
    listing.write_text("email\ncarl@example.org\n", encoding="utf-8")
    send(newsroom, "--to", "subscribers")
    send(newsroom, "--to", str(listing))
    links = {address: body_link(data, "/r/p/") for address, data in outbox(newsroom).items()}
    assert sorted(links) == ["ann@example.org", "bob@example.org", "carl@example.org"]
    clear(newsroom)

    with serving(newsroom):
        page = request(newsroom.port, "GET", links["ann@example.org"])[2]
        assert "Settings for ann@example.org" in page and "You receive every edition" in page
        # A POST made without the page (no proof) changes nothing.
        blind = b"action=unsubscribe"
        assert request(newsroom.port, "POST", links["ann@example.org"], body=blind)[0] == 400
        # Pause: Ann for 2 weeks, Carl (a list file's reader) for 1.
        status, page = press(newsroom, links["ann@example.org"], action="pause-2")
        assert status == 200 and "Paused: nothing comes until" in page
        assert press(newsroom, links["carl@example.org"], action="pause-1")[0] == 200
        until = paused_until(newsroom.root, "ann@example.org")
        assert until is not None and abs(until - time.time() - 2 * WEEK_S) < 60
        # Bob leaves from the page, and comes back from it.
        status, page = press(newsroom, links["bob@example.org"], action="unsubscribe")
        assert "Unsubscribed" in page and "Subscribe again" in page
        assert statuses(newsroom.root)["bob@example.org"] is Status.UNSUBSCRIBED
        with SuppressionList(default_suppression_path(newsroom.root)) as suppressions:
            assert suppressions.get("bob@example.org") is not None
        status, page = press(newsroom, links["bob@example.org"], action="resubscribe")
        assert "Welcome back" in page
        assert statuses(newsroom.root)["bob@example.org"] is Status.CONFIRMED

    # The next sends skip whoever paused, from the store (not listed) or a list file.
    other = newsroom.root / "editions" / "2024-11-22.toml"
    result = CliRunner().invoke(app, ["send", str(other), "--to", "subscribers", "--yes"], env=ENV)
    assert result.exit_code == 0 and "sent 1," in result.output, result.output
    result = CliRunner().invoke(app, ["send", str(other), "--to", str(listing), "--yes"], env=ENV)
    assert result.exit_code == 0 and "1 suppressed" in result.output, result.output
    assert sorted(outbox(newsroom)) == ["bob@example.org"]
    clear(newsroom)

    with serving(newsroom):
        press(newsroom, links["ann@example.org"], action="resume")
        assert paused_until(newsroom.root, "ann@example.org") is None
        # A new address: confirmed only from the new inbox, by the button of the page.
        status, page = press(
            newsroom, links["ann@example.org"], action="change", new_email="ann.new%40example.org"
        )
        assert status == 200 and "on its way to ann.new@example.org" in page
        message = wait_for_message(newsroom, "ann.new@example.org")
        assert "ann@example.org" in str(parse(message).get_body(("plain",)).get_content())
        change = body_link(message, "/r/change/")
        assert request(newsroom.port, "GET", change)[0] == 200
        assert "ann.new@example.org" not in statuses(newsroom.root)
        status, page = press(newsroom, change)
        assert status == 200 and "will now come to ann.new@example.org" in page
    readers = statuses(newsroom.root)
    assert readers.get("ann.new@example.org") is Status.CONFIRMED
    assert "ann@example.org" not in readers


def test_old_tokens_unsubscribe_and_pages_speak_the_publications_language(
    tmp_path: Path,
) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files", language="de")
    server = create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})
    try:
        status, page = call(server, "GET", "/r/subscribe")
        assert status == 200 and 'lang="de"' in page
        assert "Test Daily abonnieren" in page and "E-Mail-Adresse" in page
        status, page = call(server, "POST", "/r/subscribe", b"email=not-an-address")
        assert status == 400 and "Das sieht nicht nach einer E-Mail-Adresse aus" in page
        # A token of the old, readable format, from a send before opaque tokens.
        publication = load_publication(newsroom.root / "digest.toml")
        old = make_legacy_token(SECRET.encode(), list_id_for(publication), "eva@example.org")
        status, page = call(server, "GET", f"/r/u/{old}")
        assert status == 200 and "Test Daily nicht mehr an eva@example.org senden" in page
        status, page = call(server, "POST", f"/r/u/{old}", b"List-Unsubscribe=One-Click")
        assert status == 200 and "keine E-Mails mehr" in page
        with SuppressionList(default_suppression_path(newsroom.root)) as suppressions:
            assert suppressions.get("eva@example.org") is not None
        # Forged: the old format with another address and the same MAC.
        forged = make_legacy_token(SECRET.encode(), "x.example.org", "eva@example.org")
        assert call(server, "GET", f"/r/u/{forged}")[0] == 400
    finally:
        server.close()
