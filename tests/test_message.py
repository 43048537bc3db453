"""The review .eml builder and the quoted-printable slot encoding."""

from __future__ import annotations

import email
import quopri
from datetime import UTC, datetime
from email.policy import strict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.mail.message import (
    PLACEHOLDER_RECIPIENT,
    HeaderError,
    build_message,
    format_list_unsubscribe,
    parse_address,
    qp_inline,
)

DATE = datetime(2024, 11, 22, 6, 0, tzinfo=UTC)


def _build(**overrides: str) -> bytes:
    values = {"sender": "Desk <desk@example.org>", "subject": "Grüße — today"} | overrides
    message = build_message(
        sender=values["sender"],
        to=PLACEHOLDER_RECIPIENT,
        subject=values["subject"],
        text="Hello\n",
        html="<p>Hello</p>",
        date=DATE,
        id_seed="2024-11-22",
        reply_to="ed@example.org",
    )
    return message.as_bytes()


def test_build_message_is_deterministic_and_strict() -> None:
    data = _build()
    assert data == _build()  # boundary and Message-ID derived from the inputs
    message = email.message_from_bytes(data, policy=strict)
    assert message["Subject"] == "Grüße — today"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("subject", ["a\r\nBcc: x@example.org", "a\nb", "a\0"])
def test_build_message_refuses_injection(subject: str) -> None:
    with pytest.raises(HeaderError):
        _build(subject=subject)
    with pytest.raises(HeaderError):
        parse_address(f"Desk <desk@example.org>{subject[1:]}", "From address")


def test_list_unsubscribe_refuses_spaces_and_brackets() -> None:
    with pytest.raises(HeaderError):
        format_list_unsubscribe("https://x.example.org/a b", None)
    with pytest.raises(HeaderError):
        format_list_unsubscribe("https://x.example.org/a>", None)


@given(st.text(max_size=300))
def test_qp_inline_round_trips_and_keeps_lines_short(value: str) -> None:
    encoded = qp_inline(value)
    assert all(len(line) <= 76 for line in encoded.split(b"\r\n"))
    assert b"\n" not in encoded.replace(b"\r\n", b"")
    decoded = quopri.decodestring(encoded.replace(b"\r\n", b"\n"))
    assert decoded == value.encode("utf-8")
