"""Red-team cases for the hardening items: secrets, the feed guard, archive paths, CSV exports,
and slow-trickling clients against the unsubscribe endpoint (each with real parts)."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from digest.cli import app
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.errors import SourceError
from digest.sources.readers.feed import check_feed_safe
from digest.subscribers.server import CONNECTION_LIMIT, REQUEST_DEADLINE_S
from tests.conftest import DATA
from tests.newsroom import EDITIONS, ENV, Newsroom, make_newsroom
from tests.slowloris import request_latency, trickling, wait_until_listening
from tests.smtp_server import FaultHandler, free_port

runner = CliRunner()
DIGEST = str(Path(sys.executable).with_name("digest"))
PASSWORD = "hunter2-Echoed-Back-By-The-Server"
SEND_DEADLINE_S = 120
# Server start, the deadline, waitress's loop (1 s) and a loaded machine.
SLOWLORIS_SLACK_S = 10.0


# --- 3. secrets: an SMTP server that echoes the password in its 535 --------------------------


def _echoing_authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    assert isinstance(auth_data, LoginPassword)
    user, password = auth_data.login.decode(), auth_data.password.decode()
    blob = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return AuthResult(
        success=False, handled=False, message=f"535 5.7.8 bad login {user}:{password} ({blob})"
    )


def _to(newsroom: Newsroom) -> list[str]:
    return ["--to", str(newsroom.recipients)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_password_echoed_in_a_535_reaches_no_output_log_or_journal(tmp_path: Path) -> None:
    port = free_port()
    controller = Controller(
        FaultHandler(),
        hostname="127.0.0.1",
        port=port,
        authenticator=_echoing_authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        newsroom = make_newsroom(tmp_path / "news", port)
        toml = newsroom.root / "digest.toml"
        toml.write_text(toml.read_text() + 'username = "digest"\n', encoding="utf-8")
        done = subprocess.run(
            [DIGEST, "send", str(newsroom.edition(EDITIONS[0])), "--yes", *_to(newsroom)],
            env={**os.environ, **ENV, "DIGEST_SMTP_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=SEND_DEADLINE_S,
            check=False,
        )
    finally:
        controller.stop()
    assert done.returncode != 0
    assert "535" in done.stdout + done.stderr  # the server's words are shown ...
    assert "[secret]" in done.stdout + done.stderr  # ... with the password taken out
    forms = [PASSWORD, base64.b64encode(f"\0digest\0{PASSWORD}".encode()).decode()]
    journal = b"".join(p.read_bytes() for p in (newsroom.root / ".digest").glob("journal*"))
    for form in forms:
        assert form not in done.stdout and form not in done.stderr
        assert form.encode() not in journal


# --- 4. the feed guard parses --------------------------------------------------------------

BOMB = '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
CHANNEL = "<rss version='2.0'><channel><title>&b;</title></channel></rss>"


@pytest.mark.parametrize(
    "feed",
    [
        f'<?xml version="1.0"?><!-- <rss> -->{BOMB}{CHANNEL}',  # a comment naming the root first
        f'<?xml version="1.0"?><?xml-stylesheet href="<rss>"?>{BOMB}{CHANNEL}',  # a PI before it
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1/x">%p;]>'
        "<rss/>",  # a parameter entity
        f"<rss version='2.0'>{BOMB}<channel/></rss>",  # a DTD after the root (not XML at all)
        f'<?xml version="1.0"?>{BOMB.replace("ENTITY", "entity", 1)}{CHANNEL}',  # wrong case
    ],
)
def test_any_dtd_with_entities_is_refused_wherever_it_stands(feed: str) -> None:
    with pytest.raises(SourceError, match="declares XML entities"):
        check_feed_safe(feed.encode(), "f")


def test_feeds_without_entity_declarations_pass() -> None:
    for path in sorted((DATA / "feeds").iterdir()):
        if path.name in ("billion-laughs.xml", "xxe.xml"):
            continue
        check_feed_safe(path.read_bytes(), path.name)  # RSS 0.91 names an external DTD: fine
    comment = b'<?xml version="1.0"?><!-- <!ENTITY x "y"> --><rss version="2.0"><channel/></rss>'
    check_feed_safe(comment, "f")  # declarations inside a comment declare nothing


# --- 5. archive paths stay inside the archive folder ---------------------------------------


def _archive(newsroom: Newsroom) -> Any:
    return runner.invoke(app, ["archive", "--dir", str(newsroom.root)], env=ENV)


def test_an_archive_url_climbing_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    toml = newsroom.root / "digest.toml"
    climbing = "https://news.example.org/archive/{date}/../../../outside.html"
    toml.write_text(
        toml.read_text().replace("https://news.example.org/archive/{date}.html", climbing)
    )
    result = _archive(newsroom)
    assert result.exit_code == 2 and "archive_url" in result.output and "'..'" in result.output
    assert not (tmp_path / "outside.html").exists() and not (newsroom.root / "archive").exists()


def test_editions_json_paths_outside_the_folder_are_refused(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    toml = newsroom.root / "digest.toml"
    toml.write_text(
        toml.read_text().replace("archive/{date}.html", "archive/latest.html"), encoding="utf-8"
    )
    assert _archive(newsroom).exit_code == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    record = newsroom.root / "archive" / "editions.json"
    data = json.loads(record.read_text())
    data["editions"][0]["path"] = "../../secret.txt"
    record.write_text(json.dumps(data))
    result = _archive(newsroom)
    assert result.exit_code == 2 and "leaves the archive folder" in result.output
    assert "not for the web" not in (newsroom.root / "archive" / "latest.html").read_text()


def test_a_link_inside_the_archive_pointing_out_is_not_written_through(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    folder = newsroom.root / "archive"
    folder.mkdir()
    outside = tmp_path / "elsewhere.html"
    (folder / f"{EDITIONS[0]}.html").symlink_to(outside)
    result = _archive(newsroom)
    assert "outside the archive folder" in result.output
    assert not outside.exists()


# --- 6. exports never hold a formula --------------------------------------------------------

FORMULAS = ("=1+2@evil.example", "+1@evil.example", "-2@evil.example")


def test_an_export_escapes_formula_starts_and_reads_back_exactly(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    with SuppressionList(default_suppression_path(newsroom.root)) as suppressions:
        for address in FORMULAS:
            suppressions.add(address, Reason.MANUAL, source='=HYPERLINK("http://evil")')
        suppressions.add("'quoted@example.org", Reason.MANUAL, source="\tcmd|' /C calc'!A0")
        suppressions.add("at@example.org", Reason.MANUAL, source="@SUM(1+1)*cmd|' /C calc'!A0")
    target = tmp_path / "export.csv"
    result = runner.invoke(
        app, ["subscribers", "export", str(target), "--suppressed", "--dir", str(newsroom.root)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    assert {row[0] for row in rows[1:]} == {"'" + a for a in FORMULAS} | {
        "''quoted@example.org",
        "at@example.org",
    }

    fresh = make_newsroom(tmp_path / "fresh", 25)
    back = runner.invoke(
        app, ["subscribers", "import-suppressions", str(target), "--dir", str(fresh.root)]
    )
    assert back.exit_code == 0, back.output
    with SuppressionList(default_suppression_path(fresh.root)) as suppressions:
        assert {e.address for e in suppressions.entries()} == {
            *FORMULAS,
            "'quoted@example.org",
            "at@example.org",
        }


# --- 7. slowloris ---------------------------------------------------------------------------


def test_trickling_sockets_do_not_starve_the_endpoint(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    port = free_port()
    server = subprocess.Popen(
        [DIGEST, "serve-unsubscribe", "--dir", str(newsroom.root), "--port", str(port)],
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, SLOWLORIS_SLACK_S * 3)
        with trickling(port, 100):
            time.sleep(1.0)
            quick = request_latency(port, SLOWLORIS_SLACK_S)
        assert quick is not None and quick < SLOWLORIS_SLACK_S / 2
        # More tricklers than connection slots: the deadline frees the slots.
        with trickling(port, CONNECTION_LIMIT + 50):
            time.sleep(1.0)
            late = request_latency(port, REQUEST_DEADLINE_S + SLOWLORIS_SLACK_S)
        assert late is not None, "the real request got no answer while the slots were full"
    finally:
        server.terminate()
        server.wait(timeout=10)
