"""A publication with a readers' side: `[readers] url` and `[clicks]` pointing at a real server
on 127.0.0.1, an edition with several stories and "In brief" links, and helpers to run
`digest serve` as a process and to read what the store and the click counts hold."""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from typer.testing import CliRunner

from digest.cli import app
from digest.delivery.suppression import default_suppression_path
from digest.store.subscribers import Status, SubscriberStore
from tests.newsroom import ENV, make_newsroom, parse
from tests.smtp_server import free_port

ROOT = Path(__file__).resolve().parent.parent
DIGEST = str(Path(sys.executable).with_name("digest"))
EDITION = "2024-11-24"
SERVER_START_S = 20.0
HTTP_TIMEOUT_S = 5.0
STORIES = (
    ("World", "Ceasefire talks resume in Geneva", "https://news.example.org/world/geneva"),
    ("World", "Floods close the Danube ports", "https://news.example.org/world/danube"),
    ("Business", "Chip makers lift their forecasts", "https://news.example.org/biz/chips"),
)
TICKER = (
    ("Rail strike called off", "https://news.example.org/brief/rail"),
    ("Museum reopens after fire", "https://news.example.org/brief/museum"),
)
ARTICLE = """\
---
title: {title}
url: {url}
section: {section}
---
{title} is one of the day's stories. It has a second sentence for the summary. And a third.
"""
BROWSER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
HREF = re.compile(r'href="([^"]+)"')


@dataclass(frozen=True)
class ReadersNewsroom:
    """A publication folder whose readers' server answers at `base` (port `port`)."""

    root: Path
    port: int
    base: str  # the [readers] url, e.g. http://127.0.0.1:8123/r/

    @property
    def edition(self) -> Path:
        return self.root / "editions" / f"{EDITION}.toml"


def make_readers_newsroom(
    folder: Path,
    smtp_port: int,
    *,
    clicks: bool = True,
    language: str = "en",
    transport: str = "smtp",
    extra: str = "",
) -> ReadersNewsroom:
    """tests.newsroom's publication, served at 127.0.0.1:<free port>/r/, with a 3-story edition."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/r/"
    newsroom = make_newsroom(folder, smtp_port, unsubscribe_url=f"{base}u/{{token}}")
    toml = newsroom.root / "digest.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'timezone = "Europe/London"', f'timezone = "Europe/London"\nlanguage = "{language}"'
    )
    text = text.replace('transport = "smtp"', f'transport = "{transport}"')
    text += f'\n[readers]\nurl = "{base}"\n\n[clicks]\nenabled = {str(clicks).lower()}\n{extra}'
    toml.write_text(text, encoding="utf-8")
    articles = []
    for number, (section, title, url) in enumerate(STORIES, start=1):
        path = newsroom.root / "articles" / f"r{number}.md"
        path.write_text(ARTICLE.format(title=title, url=url, section=section), encoding="utf-8")
        articles.append(f'[[articles]]\nsource = "../articles/r{number}.md"\n')
    ticker = [f'[[ticker]]\ntext = "{text}"\nurl = "{url}"\n' for text, url in TICKER]
    (newsroom.root / "editions" / f"{EDITION}.toml").write_text(
        "\n".join(articles + ticker), encoding="utf-8"
    )
    return ReadersNewsroom(newsroom.root, port, base)


def wait_for_port(port: int, timeout: float = SERVER_START_S) -> None:
    """Block until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


@contextmanager
def serving(newsroom: ReadersNewsroom, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`digest serve` for the publication, as a process of its own; stopped (SIGINT) after."""
    process = subprocess.Popen(
        [DIGEST, "serve", "--dir", str(newsroom.root), "--port", str(newsroom.port), *extra],
        env={**os.environ, **ENV},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(newsroom.port)
        yield process
    finally:
        process.send_signal(2)  # Ctrl-C: queued mail goes out, held clicks are counted
        try:
            process.communicate(timeout=SERVER_START_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def request(
    port: int,
    method: str,
    target: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    """One HTTP request to the server on 127.0.0.1; (status, headers, body)."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
    try:
        sent = {"User-Agent": BROWSER_AGENT, **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        connection.close()


def call(
    app: Any, method: str, path: str, body: bytes = b"", client: str = "198.51.100.7"
) -> tuple[int, str]:
    """The WSGI app called as a server calls it: (status, page)."""
    captured: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured["status"] = status

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "REMOTE_ADDR": client,
    }
    page = b"".join(app(environ, start_response)).decode()
    return int(captured["status"].split()[0]), page


def send(newsroom: ReadersNewsroom, *args: str) -> str:
    """`digest send EDITION --yes ...`; returns the output, fails on a non-zero exit."""
    result = CliRunner().invoke(app, ["send", str(newsroom.edition), "--yes", *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def statuses(root: Path) -> dict[str, Status]:
    """Every reader of the store and their status."""
    with SubscriberStore(default_suppression_path(root)) as store:
        return {reader.address: reader.status for reader in store.stream()}


def html_links(message: bytes) -> list[str]:
    """Every href of a message's HTML part, in order (entities of & undone)."""
    html_part = parse(message).get_body(("html",))
    assert html_part is not None
    return [link.replace("&amp;", "&") for link in HREF.findall(str(html_part.get_content()))]


def body_link(message: bytes, marker: str) -> str:
    """The first URL in the text part that contains `marker`."""
    text_part = parse(message).get_body(("plain",))
    assert text_part is not None
    return next(word for word in str(text_part.get_content()).split() if marker in word)


def dedent(text: str) -> str:
    return textwrap.dedent(text)
