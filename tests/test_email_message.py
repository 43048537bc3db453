"""The built .eml is the sent message, judged by real tools: SpamAssassin and tidy."""

from __future__ import annotations

import re
import shutil
import subprocess
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import strict
from pathlib import Path

import pytest

from digest.build import build
from digest.delivery.personalize import read_secret
from digest.delivery.run import SendRequest, send_edition_file
from digest.delivery.tokens import PREVIEW_TOKEN, make_token, read_token
from digest.mail.message import PLACEHOLDER_RECIPIENT
from digest.mail.personal import list_id_for

from .smtp_server import smtp_server

SECRET_ENV = {"DIGEST_UNSUBSCRIBE_SECRET": "a-test-secret-of-32-characters!!"}
# SpamAssassin marks informational rules with a score of ±0.001 (HTML_MESSAGE for any HTML
# mail); a rule at or above this would be one that really counts against the message.
COUNTING_SCORE = 0.01
SPAMASSASSIN_TIMEOUT = 120
RULE_LINE = re.compile(r"^\s*(-?\d+\.\d+)\s+([A-Z0-9_]+)\s", re.MULTILINE)
TOTAL = re.compile(r"Content analysis details:\s+\((-?\d+\.\d+) points")


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=strict)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = (part.get_content() for part in message.iter_parts())
    return str(text), str(html)


@pytest.fixture
def built(sample_copy: Path) -> tuple[Path, bytes]:
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    return sample_copy, files["eml"].read_bytes()


def sent_copy(sample_copy: Path, address: str) -> bytes:
    """`digest send --test ADDRESS` through SMTP to aiosmtpd; the bytes the server got."""
    with smtp_server() as server:
        summary = send_edition_file(
            SendRequest(
                edition_path=sample_copy / "editions" / "2024-11-22.toml",
                test_address=address,
                transport="smtp",
                delivery_overrides={
                    "host": server.host,
                    "port": server.port,
                    "security": "none",
                    "username": None,
                },
            ),
            confirm=lambda _question: True,
            environ=SECRET_ENV,
        )
        assert summary.sent == 1
        ((_rcpt, data),) = server.handler.received
    return data


def test_built_eml_parses_strictly_with_list_headers(built: tuple[Path, bytes]) -> None:
    _, data = built
    message = parse(data)
    assert not message.defects
    assert message["List-Id"] == "Greenwatch Daily <daily.greenwatch.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(message["List-Unsubscribe"]) == (
        "<https://www.greenwatch.example/unsubscribe?token=preview>, "
        "<mailto:unsubscribe@greenwatch.example>"
    )
    text, html = bodies(message)
    assert "unsubscribe?token=preview" in text and "unsubscribe?token=preview" in html
    assert "digest.invalid" not in text + html  # every marker was filled


def test_built_eml_is_what_send_delivers(built: tuple[Path, bytes]) -> None:
    folder, built_data = built
    reader = "editor@greenwatch.example"
    sent = parse(sent_copy(folder, reader))
    expected = parse(built_data)
    secret = read_secret("DIGEST_UNSUBSCRIBE_SECRET", SECRET_ENV)
    publication_list = "daily.greenwatch.example"
    token = make_token(secret, publication_list, reader)
    assert read_token(secret, publication_list, token).address == reader
    assert read_token(secret, publication_list, PREVIEW_TOKEN).preview
    assert expected["To"] == PLACEHOLDER_RECIPIENT and sent["To"] == reader
    for name in ("From", "Reply-To", "List-Id", "List-Unsubscribe-Post"):
        assert sent[name] == expected[name], name
    assert str(sent["List-Unsubscribe"]).replace(token, PREVIEW_TOKEN) == str(
        expected["List-Unsubscribe"]
    )
    sent_text, sent_html = bodies(sent)
    built_text, built_html = bodies(expected)
    assert sent_text.replace(token, PREVIEW_TOKEN) == built_text
    assert sent_html.replace(token, PREVIEW_TOKEN) == built_html


def test_building_needs_no_secret(sample_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_UNSUBSCRIBE_SECRET", raising=False)
    result, _files = build(sample_copy / "editions" / "2024-11-22.toml")
    assert list_id_for(result.loaded.publication) == "daily.greenwatch.example"
    assert b"token=preview" in result.eml


def spamassassin(data: bytes) -> tuple[float, dict[str, float]]:
    """Score a message with SpamAssassin's local tests only (-L: no network)."""
    done = subprocess.run(
        ["spamassassin", "-t", "-L"],
        input=data,
        capture_output=True,
        timeout=SPAMASSASSIN_TIMEOUT,
        check=False,
    )
    report = done.stdout.decode("utf-8", "replace")
    total = TOTAL.search(report)
    assert total, report[-2000:]
    details = report[total.end() :]
    rules = {name: float(score) for score, name in RULE_LINE.findall(details)}
    return float(total.group(1)), rules


needs_spamassassin = pytest.mark.skipif(
    shutil.which("spamassassin") is None,
    reason="SpamAssassin is not installed (apt-get install spamassassin); test skipped",
)


@needs_spamassassin
def test_spamassassin_scores_built_and_sent_messages_at_most_zero(
    built: tuple[Path, bytes],
) -> None:
    folder, built_data = built
    sent = sent_copy(folder, "editor@greenwatch.example")
    for name, data in (("built", built_data), ("sent", sent)):
        total, rules = spamassassin(data)
        counting = {rule: score for rule, score in rules.items() if score >= COUNTING_SCORE}
        assert total <= 0.0 and not counting, (name, total, rules)
        assert "HTML_FONT_LOW_CONTRAST" not in rules


@pytest.mark.skipif(shutil.which("tidy") is None, reason="tidy is not installed; test skipped")
def test_tidy_finds_no_invalid_attribute_values(built: tuple[Path, bytes]) -> None:
    folder, _ = built
    html = folder / "out" / "2024-11-22" / "digest.html"
    done = subprocess.run(
        ["tidy", "-q", "-e", "--show-warnings", "yes", str(html)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    invalid = [line for line in done.stderr.splitlines() if "invalid value" in line]
    assert not invalid, invalid
    assert 'height="auto"' not in html.read_text(encoding="utf-8")
