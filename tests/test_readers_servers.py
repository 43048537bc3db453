"""The readers' server from `create_app()` under the README's other servers: gunicorn (WSGI,
threads) and uvicorn (its WSGI interface). A sign-up, its confirmation, a click and an
unsubscribe each do what they do under waitress."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.store.subscribers import Status
from tests.newsroom import ENV
from tests.readers_newsroom import (
    ReadersNewsroom,
    body_link,
    html_links,
    make_readers_newsroom,
    request,
    statuses,
    wait_for_port,
)

BIN = Path(sys.executable).parent
SETTLE_S = 5.0
LIMIT = 10  # [readers] signups_per_ip_hour by default
SERVERS = {
    "gunicorn": [
        str(BIN / "gunicorn"),
        "--threads",
        "4",
        "--bind",
        "127.0.0.1:{port}",
        "digest.subscribers.app:create_app()",
    ],
    "uvicorn": [
        str(BIN / "uvicorn"),
        "--interface",
        "wsgi",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "digest.subscribers.app:create_app",
    ],
}


def outbox(newsroom: ReadersNewsroom) -> list[bytes]:
    return [path.read_bytes() for path in sorted((newsroom.root / "outbox").glob("*.eml"))]


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_sign_up_confirm_click_and_unsubscribe_under_another_server(
    server: str, tmp_path: Path
) -> None:
    if not Path(SERVERS[server][0]).exists() and shutil.which(server) is None:
        pytest.skip(f"{server} is not installed")
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files")
    environ = {
        **os.environ,
        **ENV,
        "DIGEST_PUBLICATION": str(newsroom.root),
        "DIGEST_TRUSTED_PROXY": "127.0.0.1",
    }
    command = [part.replace("{port}", str(newsroom.port)) for part in SERVERS[server]]
    process = subprocess.Popen(
        command, env=environ, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_port(newsroom.port)
        status, _, page = request(
            newsroom.port, "POST", "/r/subscribe", body=b"email=zoe%40example.org"
        )
        assert status == 200 and "on its way" in page
        deadline = time.monotonic() + SETTLE_S
        while not outbox(newsroom) and time.monotonic() < deadline:
            time.sleep(0.05)
        link = body_link(outbox(newsroom)[0], "/r/confirm/")
        status, _, page = request(newsroom.port, "GET", link)
        proof = re.search(r'name="proof" value="([^"]+)"', page)
        assert status == 200 and proof is not None
        assert request(newsroom.port, "POST", link, body=f"proof={proof[1]}".encode())[0] == 200
        assert statuses(newsroom.root) == {"zoe@example.org": Status.CONFIRMED}
        for path in (newsroom.root / "outbox").glob("*.eml"):
            path.unlink()
        sent = CliRunner().invoke(
            app, ["send", str(newsroom.edition), "--to", "subscribers", "--yes"], env=ENV
        )
        assert sent.exit_code == 0, sent.output
        links = html_links(outbox(newsroom)[0])
        click = next(link for link in links if "/r/c/1." in link)
        status, headers, _ = request(newsroom.port, "GET", click)
        assert status == 302 and headers["Location"].startswith("https://news.example.org/")
        leave = next(link for link in links if "/r/u/" in link)
        one_click = b"List-Unsubscribe=One-Click"
        assert request(newsroom.port, "POST", leave, body=one_click)[0] == 200
        assert statuses(newsroom.root) == {"zoe@example.org": Status.UNSUBSCRIBED}
        # Behind the proxy each reader's own address counts against the sign-up limit.
        answers = [
            request(
                newsroom.port,
                "POST",
                "/r/subscribe",
                body=f"email=r{n}%40example.org".encode(),
                headers={"X-Forwarded-For": "198.51.100.7" if n <= LIMIT else "198.51.100.8"},
            )[0]
            for n in range(LIMIT + 2)
        ]
        assert answers == [200] * LIMIT + [429, 200]
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert b"Traceback" not in errors, errors.decode()[-2000:]
