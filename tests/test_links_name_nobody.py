"""No link in any built or sent message holds a reader's address, in any encoding."""

from __future__ import annotations

import base64
import binascii
import contextlib
import quopri
import re
from pathlib import Path
from urllib.parse import unquote, unquote_plus

from typer.testing import CliRunner

from digest.cli import app
from tests.newsroom import ENV, parse
from tests.readers_newsroom import make_readers_newsroom, send

READERS = (
    "Zoe.Quinn+news@Example.org",
    "maximilian.brandt@example.net",
    "o'brien.kerr@example.co.uk",
)
URL = re.compile(r"(?:https?|mailto):[^\s\"'<>]+", re.IGNORECASE)


def links_of(message: bytes) -> list[str]:
    """Every URL a reader could follow: in both parts and in List-Unsubscribe."""
    parsed = parse(message)
    found = URL.findall(str(parsed.get("List-Unsubscribe", "")))
    for kind in ("plain", "html"):
        part = parsed.get_body((kind,))
        assert part is not None
        found += URL.findall(str(part.get_content()).replace("&amp;", "&"))
    return found


def readings(link: str) -> list[str]:
    """The link, and everything it could decode to (percent, plus, base64 at any offset, QP)."""
    texts = [link, unquote(link), unquote_plus(link), unquote(unquote(link))]
    texts.append(quopri.decodestring(link.encode()).decode("latin-1"))
    for piece in re.split(r"[/?&=.#:]", link):
        for start in range(4):
            chunk = piece[start:]
            for decode in (base64.urlsafe_b64decode, base64.b64decode, base64.b32decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    texts.append(decode(chunk + "=" * (-len(chunk) % 8)).decode("latin-1"))
            with contextlib.suppress(ValueError):
                texts.append(bytes.fromhex(chunk).decode("latin-1"))
    return [text.lower() for text in texts]


def assert_names_nobody(message: bytes, address: str) -> None:
    local, _domain = address.lower().split("@")
    links = links_of(message)
    assert links, "the message has links"
    for link in links:
        for text in readings(link):
            assert address.lower() not in text, (link, text)
            assert local not in text, (link, text)


def test_no_built_or_sent_link_holds_the_readers_address(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(
        tmp_path / "news",
        2525,
        transport="files",
        extra='\n[bounces]\nreturn_path = "bounces+{tag}@news.example.org"\n',
    )
    toml = newsroom.root / "digest.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[unsubscribe]\n", '[unsubscribe]\nmailto = "leave@news.example.org?subject={token}"\n'
        ),
        encoding="utf-8",
    )
    built = CliRunner().invoke(app, ["build", str(newsroom.edition)], env=ENV)
    assert built.exit_code == 0, built.output
    eml = (newsroom.root / "out" / "2024-11-24" / "digest.eml").read_bytes()
    assert_names_nobody(eml, "reader@example.invalid")

    # The store's readers and a list file's readers, through the clicks and preference links.
    added = CliRunner().invoke(
        app, ["subscribers", "add", *READERS, "--dir", str(newsroom.root)], env=ENV
    )
    assert added.exit_code == 0, added.output
    send(newsroom, "--to", "subscribers")
    outbox = newsroom.root / "outbox"
    sent = {
        parse(path.read_bytes())["To"].addresses[0].addr_spec: path for path in outbox.iterdir()
    }
    assert sorted(a.lower() for a in sent) == sorted(a.lower() for a in READERS)
    for address, path in sent.items():
        message = path.read_bytes()
        assert_names_nobody(message, address)
        assert any("/r/p/" in link for link in links_of(message))
        assert any(link.startswith("mailto:leave@") for link in links_of(message))
    listing = newsroom.root / "readers.csv"
    listing.write_text("email\nlist.reader@example.org\n", encoding="utf-8")
    for path in outbox.iterdir():
        path.unlink()
    send(newsroom, "--to", str(listing))
    (path,) = outbox.iterdir()
    assert_names_nobody(path.read_bytes(), "list.reader@example.org")


def test_a_link_template_that_would_name_the_reader_is_refused(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files")
    toml = newsroom.root / "digest.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("/u/{token}", "/u/{token}?e={email}"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["build", str(newsroom.edition)], env=ENV)
    assert result.exit_code == 2
    assert "unsubscribe.url" in result.output and "reader's address" in result.output
