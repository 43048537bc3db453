"""The RFC 8058 endpoint under waitress on 127.0.0.1, fed tokens from messages really sent."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from digest.config import load_publication
from digest.delivery.personalize import list_id_for
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.delivery.tokens import make_token
from digest.subscribers.app import MAX_BODY_BYTES, TokenLocator, UnsubscribeApp, create_app
from digest.subscribers.server import make_server
from tests.newsroom import EDITIONS, ENV, READERS, SECRET, make_newsroom, parse, send
from tests.smtp_server import free_port, smtp_server

HTTP_TIMEOUT = 5.0
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@contextmanager
def running(app: UnsubscribeApp, port: int = 0) -> Iterator[tuple[str, int]]:
    """The app under a real waitress server on 127.0.0.1, stopped after the block."""
    server = make_server(app, "127.0.0.1", port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", int(server.effective_port)
    finally:
        server.close()
        thread.join(timeout=HTTP_TIMEOUT)


def request(
    address: tuple[str, int],
    method: str,
    target: str,
    body: bytes | None = None,
    content_type: str = FORM,
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection(*address, timeout=HTTP_TIMEOUT)
    try:
        headers = {"Content-Type": content_type} if body is not None else {}
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        connection.close()


def one_click_target(message_bytes: bytes) -> str:
    """The path and query of the https/http URL in List-Unsubscribe."""
    header = str(parse(message_bytes)["List-Unsubscribe"])
    url = next(part.strip(" <>") for part in header.split(",") if "http" in part)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def suppressed(root: Path) -> dict[str, Reason]:
    with SuppressionList(default_suppression_path(root)) as suppressions:
        return {entry.address: entry.reason for entry in suppressions.entries()}


def test_one_click_from_a_sent_message_then_the_next_send_skips_exactly_that_reader(
    tmp_path: Path,
) -> None:
    endpoint_port = free_port()
    with smtp_server() as smtp:
        newsroom = make_newsroom(
            tmp_path / "news",
            smtp.port,
            unsubscribe_url=f"http://127.0.0.1:{endpoint_port}/unsubscribe?token={{token}}",
        )
        send(newsroom, EDITIONS[0])
        assert sorted(rcpt for rcpt, _ in smtp.handler.received) == sorted(READERS)
        leaving = READERS[1]
        message = next(data for rcpt, data in smtp.handler.received if rcpt == leaving)
        target = one_click_target(message)
        forged = target[:-2] + ("AA" if not target.endswith("AA") else "BB")
        app = create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})

        with running(app, endpoint_port) as address:
            # GET and HEAD show the button and never unsubscribe (link scanners follow links).
            status, headers, page = request(address, "GET", target)
            assert status == 200 and 'method="post"' in page and leaving in page
            assert request(address, "HEAD", target)[0] == 200
            assert headers["Referrer-Policy"] == "no-referrer"
            assert "default-src 'none'" in headers["Content-Security-Policy"]
            assert suppressed(newsroom.root) == {}
            # A forged token: 400, nothing recorded, even with the one-click body.
            status, _, page = request(address, "POST", forged, ONE_CLICK)
            assert status == 400 and "not one of ours" in page
            assert suppressed(newsroom.root) == {}
            # The one-click POST a mail client sends.
            status, _, page = request(address, "POST", target, ONE_CLICK)
            assert status == 200 and "no more emails" in page
            assert suppressed(newsroom.root) == {leaving: Reason.UNSUBSCRIBED}
            # Again: a calm page, still one entry.
            status, _, page = request(address, "POST", target, ONE_CLICK)
            assert status == 200 and "already unsubscribed" in page
            assert request(address, "GET", target)[0] == 200

        smtp.handler.received.clear()
        output = send(newsroom, EDITIONS[1])
        assert "suppressed 1" in output
        got = sorted(rcpt for rcpt, _ in smtp.handler.received)
        assert got == sorted(set(READERS) - {leaving})


# --- The app itself, called the way a WSGI server calls it --------------------------------------


@pytest.fixture
def endpoint(tmp_path: Path) -> UnsubscribeApp:
    newsroom = make_newsroom(
        tmp_path / "news", 25, unsubscribe_url="https://news.example.org/u/{token}/"
    )
    return create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})


def call(
    app: UnsubscribeApp,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str = FORM,
    query: str = "",
) -> tuple[str, dict[str, str], str]:
    import io

    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured["status"], captured["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    chunks = app(environ, start_response)
    return captured["status"], captured["headers"], b"".join(chunks).decode("utf-8")


def token_for(app: UnsubscribeApp, address: str) -> str:
    return make_token(SECRET.encode(), list_id_for(app.publication), address)


def test_path_tokens_multipart_forms_and_the_preview_token(endpoint: UnsubscribeApp) -> None:
    token = token_for(endpoint, "ann@example.org")
    assert call(endpoint, "GET", "/u/preview/")[0].startswith("200")
    status, _, page = call(endpoint, "POST", "/u/preview/", ONE_CLICK)
    assert status.startswith("200") and "unsubscribes nobody" in page
    boundary = "----form7MA4YWxkTrZu0gW"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    ).encode()
    status, _, _ = call(
        endpoint,
        "POST",
        f"/mounted/elsewhere/u/{token}/",
        multipart,
        f"multipart/form-data; boundary={boundary}",
    )
    assert status.startswith("200")
    assert suppressed(endpoint.root) == {"ann@example.org": Reason.UNSUBSCRIBED}


def test_refusals_record_nothing(endpoint: UnsubscribeApp) -> None:
    token = token_for(endpoint, "bob@example.org")
    other_list = make_token(SECRET.encode(), "other.example.org", "bob@example.org")
    assert call(endpoint, "POST", f"/u/{other_list}/", ONE_CLICK)[0].startswith("400")
    assert call(endpoint, "POST", f"/u/{token}/", b"unsubscribe=yes")[0].startswith("400")
    assert call(endpoint, "POST", f"/u/{token}/", b"x" * (MAX_BODY_BYTES + 1))[0].startswith("413")
    status, headers, _ = call(endpoint, "DELETE", f"/u/{token}/")
    assert status.startswith("405") and headers["Allow"] == "GET, HEAD, POST"
    assert call(endpoint, "GET", "/favicon.ico")[0].startswith("404")
    assert call(endpoint, "GET", "/u/<script>alert(1)</script>/")[0].startswith("400")
    assert suppressed(endpoint.root) == {}


def test_pages_escape_the_publication_and_never_echo_the_request(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    toml = newsroom.root / "digest.toml"
    toml.write_text(toml.read_text().replace("Test Daily", "<b>Daily</b>", 1), encoding="utf-8")
    app = create_app({**ENV, "DIGEST_PUBLICATION": str(newsroom.root)})
    _, _, page = call(app, "GET", "/unsubscribe", query="token=bad%3Cscript%3E")
    assert "&lt;b&gt;Daily&lt;/b&gt;" in page and "<b>" not in page
    assert "script" not in page.lower()


def test_token_locator_reads_query_and_path_templates() -> None:
    query = TokenLocator("https://x.example/leave?list=daily&t={token}")
    assert query.find({"QUERY_STRING": "list=daily&t=abc.def"}) == "abc.def"
    assert query.find({"QUERY_STRING": "t=a&t=b"}) is None
    path = TokenLocator("https://x.example/leave/{token}.html")
    assert path.find({"PATH_INFO": "/leave/abc.def.html"}) == "abc.def"
    assert path.find({"PATH_INFO": "/proxy/prefix/leave/abc.def.html"}) == "abc.def"
    assert path.find({"PATH_INFO": "/leave/abc.def.htm"}) is None


def test_create_app_needs_the_secret(tmp_path: Path) -> None:
    from digest.errors import DigestError

    newsroom = make_newsroom(tmp_path / "news", 25)
    with pytest.raises(DigestError, match="DIGEST_UNSUBSCRIBE_SECRET is not set"):
        create_app({"DIGEST_PUBLICATION": str(newsroom.root)})
    assert load_publication(newsroom.root / "digest.toml").unsubscribe.url


def test_the_confirmation_page_fits_a_phone(browser: Any, endpoint: UnsubscribeApp) -> None:
    from tests.browser import screenshot_path

    token = token_for(endpoint, "a.very.long.address.that.goes.on@subdomain.example.org")
    _, _, html = call(endpoint, "GET", f"/u/{token}/")
    page = browser.new_page(viewport={"width": 375, "height": 700})
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate("document.querySelector('form').method") == "post"
    page.screenshot(path=screenshot_path("unsubscribe", "confirm-375.png"), full_page=True)
    page.close()


def test_a_chunked_one_click_post_is_read(endpoint: UnsubscribeApp) -> None:
    token = token_for(endpoint, "cat@example.org")
    with running(endpoint) as address:
        connection = http.client.HTTPConnection(*address, timeout=HTTP_TIMEOUT)
        connection.request(
            "POST",
            f"/u/{token}/",
            body=iter([b"List-Unsubscribe=", b"One-Click"]),
            headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        assert connection.getresponse().status == 200
        connection.close()
    assert suppressed(endpoint.root) == {"cat@example.org": Reason.UNSUBSCRIBED}
