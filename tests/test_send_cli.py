"""`digest send` and `digest status` from the command line, against real servers."""

from __future__ import annotations

import email
import json
import time
from email.policy import strict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode
from tests import postfix_relay, sink
from tests.smtp_server import FaultHandler, smtp_server

runner = CliRunner()
RELAYED = 60
# Postfix hands the messages on within a second or two; a busy machine gets more.
RELAY_DEADLINE = 60.0
SECRET = "a-test-secret-of-32-characters!!"
MAILCHIMP = (
    "\ufeffEmail Address;First Name;Last Name;MEMBER_RATING\r\n"
    "ann@example.org;Ann;Lee;2\r\nbob@example.org;Bob;;1\r\ngone@example.org;Gone;;1\r\n"
)


@pytest.fixture
def newsroom(sample_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample publication sending through a local SMTP server without a login."""
    monkeypatch.setenv("DIGEST_UNSUBSCRIBE_SECRET", SECRET)
    toml = sample_copy / "digest.toml"
    text = toml.read_text().replace('username = "digest@greenwatch.example"\n', "")
    toml.write_text(text + 'test_subject_prefix = "[PROOF] "\nconnections = 2\n')
    (sample_copy / "list.csv").write_text(MAILCHIMP, encoding="utf-8")
    return sample_copy


def _smtp(port: int) -> list[str]:
    return ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none"]


def test_a_list_send_then_status_then_nothing_to_send(newsroom: Path) -> None:
    edition = str(newsroom / "editions" / "2024-11-22.toml")
    handler = FaultHandler(reject={"gone@example.org"})
    with smtp_server(handler) as server:
        base = ["send", edition, "--to", str(newsroom / "list.csv"), *_smtp(server.port)]
        first = runner.invoke(app, [*base, "--yes"])
        assert first.exit_code == ExitCode.DELIVERY, first.output  # one address refused
        assert "sent 2, failed 1" in first.output and "over 2 connections" in first.output
        assert "gone@example.org: RCPT TO: 550" in first.output
        message = email.message_from_bytes(handler.received[0][1], policy=strict)
        assert message["To"].addresses[0].display_name in ("Ann Lee", "Bob")

        status = runner.invoke(app, ["status", edition, "--json"])
        assert status.exit_code == ExitCode.DELIVERY  # one failed, nothing left to try
        report = json.loads(status.output)
        assert report["exit_code"] == ExitCode.DELIVERY
        assert report["counts"]["sent"] == 2 and report["counts"]["failed"] == 1
        assert report["failed"][0]["address"] == "gone@example.org"
        assert "550" in report["failed"][0]["reply"]
        assert report["first_sent"] <= report["last_sent"]
        text = runner.invoke(app, ["status", edition])
        assert text.exit_code == ExitCode.DELIVERY
        assert "sent 2" in text.output and "gone@example.org: RCPT TO: 550" in text.output

        again = runner.invoke(app, base)  # no --yes: it must not ask
        assert again.exit_code == ExitCode.DELIVERY  # the refused address stays refused
        assert "nothing to send" in again.output and "2 sent, 1 failed" in again.output
    assert len(handler.received) == 2


def test_a_test_send_says_where_it_went_and_marks_the_subject(newsroom: Path) -> None:
    edition = str(newsroom / "editions" / "2024-11-22.toml")
    with smtp_server() as server:
        result = runner.invoke(
            app, ["send", edition, "--test", "me@example.org", *_smtp(server.port)]
        )
        assert result.exit_code == 0, result.output
        message = email.message_from_bytes(server.handler.received[0][1], policy=strict)
    assert message["Subject"].startswith("[PROOF] Greenwatch Daily")
    assert f'sent a test to me@example.org (subject "{message["Subject"]}")' in result.output
    files = runner.invoke(
        app, ["send", edition, "--test", "me@example.org", "--transport", "files"]
    )
    assert f"the files transport wrote to {newsroom / 'outbox'}" in files.output


def test_unicode_separators_and_bidi_in_a_subject_never_give_a_traceback(newsroom: Path) -> None:
    """Typed into the edition, they are refused when it loads, naming the key and character."""
    edition = newsroom / "editions" / "2024-11-22.toml"
    lines = [
        'subject = "NATO\\u2028meets \\u0085today \\u202egnp.exe"'
        if line.startswith("subject =")
        else line
        for line in edition.read_text().splitlines()
    ]
    edition.write_text("\n".join(lines) + "\n")
    with smtp_server() as server:
        result = runner.invoke(
            app, ["send", str(edition), "--test", "me@example.org", *_smtp(server.port)]
        )
        assert server.handler.received == []
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert "subject" in result.output and "U+2028" in result.output
    assert "Traceback" not in result.output


def test_a_subject_made_from_a_headline_is_cleaned_not_refused() -> None:
    """A lead headline read from a page becomes the subject; controls there are removed."""
    from digest.mail.headers import clean_subject

    assert clean_subject("NATO\u2028meets \u0085today \u202egnp.exe") == "NATO meets today gnp.exe"


def test_without_a_terminal_the_question_says_pass_yes(newsroom: Path) -> None:
    """No terminal to answer on (cron, a pipe): nothing is sent, exit 8, "pass --yes".

    Answering on a real terminal is tested in test_cli_conventions.py (through a pty).
    """
    edition = str(newsroom / "editions" / "2024-11-22.toml")
    with smtp_server() as server:
        result = runner.invoke(
            app,
            ["send", edition, "--to", str(newsroom / "list.csv"), *_smtp(server.port)],
            input="y\n",  # a pipe is not a person: its "y" is never taken as an answer
        )
        assert result.exit_code == ExitCode.NEEDS_YES, result.output
        assert "pass --yes to send" in result.output
        assert "Send the 2024-11-22 edition to 3 recipients through smtp over 2 connections?" in (
            result.output
        )
        assert server.handler.received == []


def test_bad_options_are_exit_2(newsroom: Path) -> None:
    edition = str(newsroom / "editions" / "2024-11-22.toml")
    for extra in (["--connections", "0"], ["--on-unknown", "maybe"]):
        result = runner.invoke(app, ["send", edition, "--to", "list.csv", *extra])
        assert result.exit_code == ExitCode.CONFIG, result.output


@pytest.mark.skipif(postfix_relay.available() is not None, reason=str(postfix_relay.available()))
@pytest.mark.skipif(not sink.available(), reason="smtp-sink (Debian package postfix) is absent")
def test_a_send_through_a_real_postfix_relay(newsroom: Path) -> None:
    """digest -> Postfix on 127.0.0.1 (own config and queue) -> smtp-sink: all arrive, once."""
    readers = [f"reader{n:03d}@example.org" for n in range(RELAYED)]
    (newsroom / "relay.csv").write_text("email\n" + "\n".join(readers) + "\n")
    edition = str(newsroom / "editions" / "2024-11-22.toml")
    with (
        sink.smtp_sink() as final,
        postfix_relay.postfix_relay(sink.free_port(), final.port) as relay,
    ):
        relayed = ["--to", str(newsroom / "relay.csv"), "--yes", "--connections", "4"]
        result = runner.invoke(app, ["send", edition, *relayed, *_smtp(relay.port)])
        assert result.exit_code == 0, result.output
        assert f"sent {RELAYED}, failed 0" in result.output
        deadline = time.monotonic() + RELAY_DEADLINE
        while sum(final.copies().values()) < RELAYED and time.monotonic() < deadline:
            time.sleep(0.2)
        copies = final.copies()
        assert relay.queue_is_empty(), relay.log()[-2000:]
    assert sorted(copies) == readers and set(copies.values()) == {1}
    status = json.loads(runner.invoke(app, ["status", edition, "--json"]).output)
    assert status["counts"]["sent"] == RELAYED and status["counts"]["pending"] == 0
