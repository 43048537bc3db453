"""A small publication that really sends: editions, a list, `digest send` to aiosmtpd."""

from __future__ import annotations

import email
import email.policy
import textwrap
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app

SECRET = "newsroom-test-secret-0123456789"
ENV = {"DIGEST_UNSUBSCRIBE_SECRET": SECRET}
READERS = ("ann@example.org", "bob@example.org", "cat@example.org", "dan@example.net")
EDITIONS = ("2024-11-22", "2024-11-23")
# tests/test_bounces.py: three hard bounces, two soft, one reader whose mail arrives.
BOUNCE_READERS = (
    "ann@example.org",
    "gone@example.org",
    "closed@example.net",
    "nouser@example.com",
    "full@example.org",
    "slow@example.net",
)

PUBLICATION = """\
name = "Test Daily"
from = "Test Daily <digest@news.example.org>"
timezone = "Europe/London"
archive_url = "https://news.example.org/archive/{{date}}.html"
[brand]
postal_address = "1 Test Street, London"
[unsubscribe]
url = "{unsubscribe_url}"
[fetch]
# Some tests run the unsubscribe endpoint on this machine: opted in, as a newsroom would.
allow_hosts = ["127.0.0.1"]
[delivery]
transport = "smtp"
host = "127.0.0.1"
port = {smtp_port}
security = "none"
timeout = 10
"""

ARTICLE = """\
---
title: {title}
url: https://news.example.org/{slug}
section: World
---
{title} is the story of the day. It has a second sentence for the summary. And a third one.
"""


@dataclass(frozen=True)
class Newsroom:
    """A publication folder with two editions and a recipient list."""

    root: Path
    recipients: Path

    def edition(self, day: str) -> Path:
        return self.root / "editions" / f"{day}.toml"


def make_newsroom(
    folder: Path,
    smtp_port: int,
    unsubscribe_url: str = "https://news.example.org/unsubscribe?token={token}",
    readers: tuple[str, ...] = READERS,
) -> Newsroom:
    """Write digest.toml, two editions with one article each, and list.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "digest.toml").write_text(
        PUBLICATION.format(unsubscribe_url=unsubscribe_url, smtp_port=smtp_port),
        encoding="utf-8",
    )
    (folder / "editions").mkdir(exist_ok=True)
    (folder / "articles").mkdir(exist_ok=True)
    for number, day in enumerate(EDITIONS, start=1):
        slug = f"story-{number}"
        article = ARTICLE.format(title=f"Story number {number}", slug=slug)
        (folder / "articles" / f"{slug}.md").write_text(article, encoding="utf-8")
        (folder / "editions" / f"{day}.toml").write_text(
            textwrap.dedent(f"""\
                [[articles]]
                source = "../articles/{slug}.md"
                """),
            encoding="utf-8",
        )
    recipients = folder / "list.csv"
    recipients.write_text("email,name\n" + "".join(f"{r},\n" for r in readers), encoding="utf-8")
    return Newsroom(folder, recipients)


def files_newsroom(folder: Path) -> Newsroom:
    """A newsroom that sends to a folder (the files transport) instead of an SMTP server."""
    room = make_newsroom(folder, smtp_port=1)
    toml = room.root / "digest.toml"
    toml.write_text(toml.read_text().replace('transport = "smtp"', 'transport = "files"'))
    return room


def send(newsroom: Newsroom, day: str) -> str:
    """`digest send EDITION --to list.csv --yes`; returns the output, fails on a non-zero exit."""
    result = CliRunner().invoke(
        app,
        ["send", str(newsroom.edition(day)), "--to", str(newsroom.recipients), "--yes"],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    return result.output


def parse(data: bytes) -> EmailMessage:
    """A message as the server received it."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message
