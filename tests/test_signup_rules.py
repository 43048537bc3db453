"""Sign-up's rules, called as a WSGI server calls the app: limits per client and per address,
the robots' trap, expiry, the proof a confirmation POST must carry, one answer for all."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from digest.store.subscribers import Status
from digest.subscribers.app import ReadersApp, create_app
from tests.newsroom import ENV
from tests.readers_newsroom import body_link, call, make_readers_newsroom, statuses

PROOF = re.compile(r'name="proof" value="([^"]+)"')


@pytest.fixture
def server(tmp_path: Path) -> Any:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files")
    app = create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})
    yield app
    app.close()


def confirmation_token(message: bytes) -> str:
    return body_link(message, "/r/confirm/").rsplit("/", 1)[1]


def messages(app: ReadersApp) -> list[bytes]:
    app.context.mailer.drain()
    return [path.read_bytes() for path in sorted((app.root / "outbox").glob("*.eml"))]


def test_one_answer_for_new_known_and_confirmed_addresses(server: ReadersApp) -> None:
    first = call(server, "POST", "/r/subscribe", b"email=ann%40example.org&name=Ann")
    token = confirmation_token(messages(server)[0])
    _, page = call(server, "GET", f"/r/confirm/{token}")
    assert (
        call(server, "POST", f"/r/confirm/{token}", f"proof={PROOF.findall(page)[0]}".encode())[0]
        == 200
    )
    assert statuses(server.root) == {"ann@example.org": Status.CONFIRMED}
    again = call(server, "POST", "/r/subscribe", b"email=ann%40example.org&name=Ann")
    fresh = call(server, "POST", "/r/subscribe", b"email=bob%40example.org&name=Ann")
    assert first == again
    assert fresh[0] == 200 and fresh[1].replace("bob@", "ann@") == first[1]
    assert len(messages(server)) == 2  # ann's first, bob's: none for a confirmed reader


def test_a_post_without_the_pages_proof_confirms_nobody(server: ReadersApp) -> None:
    call(server, "POST", "/r/subscribe", b"email=ann%40example.org")
    token = confirmation_token(messages(server)[0])
    assert call(server, "POST", f"/r/confirm/{token}", b"")[0] == 400
    assert call(server, "POST", f"/r/confirm/{token}", b"proof=AAAAAAAAAAAAAAAA")[0] == 400
    assert call(server, "POST", f"/r/confirm/{token[:-2]}AA")[0] == 400
    assert statuses(server.root) == {"ann@example.org": Status.PENDING}


def test_limits_per_client_and_per_address_and_the_robots_trap(server: ReadersApp) -> None:
    limit = server.publication.readers.signups_per_ip_hour
    answers = [
        call(server, "POST", "/r/subscribe", f"email=r{n}%40example.org".encode(), "203.0.113.5")[0]
        for n in range(limit + 1)
    ]
    assert answers == [200] * limit + [429]
    assert call(server, "POST", "/r/subscribe", b"email=z%40example.org", "203.0.113.6")[0] == 200
    before = len(messages(server))
    for _ in range(3):  # the same address again: one message per resend_minutes
        call(server, "POST", "/r/subscribe", b"email=z%40example.org", "203.0.113.7")
    trapped = call(
        server, "POST", "/r/subscribe", b"email=bot%40example.org&website=x", "203.0.113.8"
    )
    assert trapped[0] == 200 and "on its way" in trapped[1]
    assert len(messages(server)) == before
    assert "bot@example.org" not in statuses(server.root)
    assert call(server, "POST", "/r/subscribe", b"email=not+an+address")[0] == 400


def test_a_confirmation_link_expires(server: ReadersApp) -> None:
    call(server, "POST", "/r/subscribe", b"email=ann%40example.org")
    token = confirmation_token(messages(server)[0])
    hours = server.publication.readers.confirm_hours
    server.context.clock = lambda: time.time() + hours * 3600 + 60
    status, page = call(server, "GET", f"/r/confirm/{token}")
    assert status == 400 and "too old" in page
    assert statuses(server.root) == {"ann@example.org": Status.PENDING}


def test_a_sign_up_never_confirmed_is_forgotten_and_an_imported_one_is_not(
    server: ReadersApp,
) -> None:
    call(server, "POST", "/r/subscribe", b"email=ann%40example.org")
    listing = server.root / "pending.csv"
    listing.write_text("email,status\nbob@example.org,unconfirmed\n", encoding="utf-8")
    from digest.subscribers.importer import import_subscribers

    import_subscribers(server.root, listing)
    later = time.time() + 8 * 24 * 3600
    server.context.clock = lambda: later
    call(server, "POST", "/r/subscribe", b"email=cat%40example.org", "203.0.113.44")
    assert statuses(server.root) == {
        "bob@example.org": Status.PENDING,
        "cat@example.org": Status.PENDING,
    }


def test_sign_up_can_be_closed(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files", extra="")
    toml = newsroom.root / "digest.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[readers]\n", "[readers]\nsignup = false\n"),
        encoding="utf-8",
    )
    app = create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})
    try:
        assert call(app, "POST", "/r/subscribe", b"email=ann%40example.org")[0] == 404
    finally:
        app.close()
