"""One function for every header value: what is refused, what is cleaned, and RFC 2047 by us."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import strict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Publication
from digest.delivery.personalize import UNSUBSCRIBE_URL_MARKER, prepare
from digest.delivery.recipients import Recipient
from digest.errors import DigestError, ExitCode
from digest.mail.headers import (
    HeaderError,
    address_header,
    check_name,
    clean_subject,
    list_id_header,
    mailbox,
    name_problem,
)
from digest.mail.message import build_message

DATE = datetime(2024, 11, 22, 6, 0, tzinfo=UTC)
SECRET = b"0123456789abcdef-test-secret"
TEXT = f"News.\nLeave: {UNSUBSCRIBE_URL_MARKER}\n"
HTML = f'<p>News.</p><a href="{UNSUBSCRIBE_URL_MARKER}">Leave</a>'
# Pieces a generator rarely finds alone: injection, separators, bidi controls, encoded words,
# RFC 5322 specials and a lone surrogate.
TRICKY = [
    "\r\n",
    "\n",
    "\r",
    "\x00",
    "\t",
    "\x0b",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u061c",
    "\ud800",
    "=?utf-8?b?SGk=?=",
    "=?",
    "?=",
    '"',
    "\\",
    "<",
    ">",
    ",",
    "(",
    ";",
    "@",
    " ",
    "Zoë",
    "مرحبا",
    "x" * 90,
]
header_text = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY)), max_size=40
).map("".join)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=strict)
    assert isinstance(message, EmailMessage)
    for name, value in message.items():
        assert not getattr(value, "defects", ()), (name, value.defects)
    return message


def one_header(name: str, value: object) -> EmailMessage:
    return parse(header_bytes(name, value))


def header_bytes(name: str, value: object) -> bytes:
    message = EmailMessage()
    message[name] = value
    data = message.as_bytes(policy=strict.clone(linesep="\r\n"))
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    return data


def display_name(data: bytes) -> str:
    """The display name as an RFC 2047 reader decodes it (Python's address parser puts a space
    between adjacent encoded words, which RFC 2047 section 6.2 says to drop)."""
    raw = data.decode("ascii").split(":", 1)[1].split("\r\n\r\n")[0].replace("\r\n", "")
    phrase = raw.strip().rpartition(" <")[0].strip()
    if phrase.startswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return str(make_header(decode_header(phrase)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ann\tLee", "a tab (U+0009)"),
        ("Ann\u202eeeL", "a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("Ann\u2028Lee", "a line separator (U+2028)"),
        ("Ann\x85Lee", "a next-line character (U+0085)"),
        ("Ann\x1bLee", "a control character (U+001B)"),
        ("Ann\ud800", "a control character (U+D800)"),
    ],
)
def test_names_refuse_controls_naming_the_character(name: str, expected: str) -> None:
    assert name_problem(name) == f"contains {expected}"
    with pytest.raises(HeaderError, match="recipient name contains") as caught:
        check_name(name, "recipient name")
    assert caught.value.exit_code == ExitCode.CONFIG


def test_subject_cleans_separators_and_controls_but_refuses_line_breaks() -> None:
    assert clean_subject("NATO\u2028meets\x85today\tin  Brussels") == "NATO meets today in Brussels"
    assert clean_subject("\u202eevil\u202c \x1bsubject\u200f") == "evil subject"
    for bad in ("a\r\nBcc: x@example.org", "a\nb", "a\0"):
        with pytest.raises(HeaderError, match="refused"):
            clean_subject(bad)


@pytest.mark.parametrize("literal", ["=?utf-8?b?SGk=?=", "=?utf-8?q?Hi?= there", "a =? b ?= c"])
def test_typed_encoded_words_stay_literal(literal: str) -> None:
    to = one_header("To", address_header("To", literal, "r@example.org", "recipient"))
    assert to["To"].addresses[0].display_name == literal
    subject = build_message(
        sender=f"{literal} <desk@example.org>",
        to="r@example.org",
        subject=literal,
        text="x\n",
        html="<p>x</p>",
        date=DATE,
        id_seed="s",
    )
    parsed = parse(subject.as_bytes())
    assert parsed["Subject"] == literal
    assert parsed["From"].addresses[0].display_name == literal


def test_plain_ascii_is_written_as_before() -> None:
    assert (
        mailbox("Greenwatch Daily", "d@example.org", "From") == "Greenwatch Daily <d@example.org>"
    )
    assert mailbox("Desk, Inc.", "d@example.org", "From") == '"Desk, Inc." <d@example.org>'
    assert mailbox('Say "hi"', "d@example.org", "From") == '"Say \\"hi\\"" <d@example.org>'
    assert mailbox("", "d@example.org", "From") == "d@example.org"
    with pytest.raises(HeaderError, match="plain ASCII"):
        mailbox("x", "d@exa mple.org", "From")


@settings(max_examples=300, deadline=None)
@given(name=header_text)
def test_any_display_name_is_refused_or_reads_back_exactly(name: str) -> None:
    try:
        header = address_header("To", name, "reader@example.org", "recipient")
    except HeaderError as error:
        assert error.exit_code == ExitCode.CONFIG
        assert name_problem(name) is not None  # the list check refuses the same names
        return
    assert name_problem(name) is None
    data = header_bytes("To", header)
    assert parse(data)["To"].addresses[0].addr_spec == "reader@example.org"
    if name.strip():
        assert display_name(data) == " ".join(name.split())


@settings(max_examples=300, deadline=None)
@given(subject=header_text)
def test_any_subject_is_refused_or_parses_strictly(subject: str) -> None:
    try:
        message = build_message(
            sender="Desk <desk@example.org>",
            to="r@example.org",
            subject=subject,
            text="x\n",
            html="<p>x</p>",
            date=DATE,
            id_seed="s",
        )
    except DigestError as error:
        assert error.exit_code == ExitCode.CONFIG
        return
    assert parse(message.as_bytes())["Subject"] == clean_subject(subject)


@settings(max_examples=200, deadline=None)
@given(label=header_text)
def test_any_list_label_is_refused_or_reads_back(label: str) -> None:
    try:
        header = list_id_header(f"{label} <daily.example.org>")
    except HeaderError as error:
        assert error.exit_code == ExitCode.CONFIG
        return
    value = str(one_header("List-Id", header)["List-Id"])
    assert value.endswith("<daily.example.org>")


def _publication(name: str, from_name: str) -> Publication:
    return Publication.model_validate(
        {
            "name": name,
            "from": f"{from_name} <desk@news.example.org>",
            "list_id": "daily.news.example.org",
            "unsubscribe": {"url": "https://news.example.org/u/{token}"},
        }
    )


@settings(max_examples=150, deadline=None)
@given(subject=header_text, reader=header_text, publication=header_text, sender=header_text)
def test_every_personalized_message_parses_or_fails_with_a_clear_code(
    subject: str, reader: str, publication: str, sender: str
) -> None:
    """Subject, publication name, From name and the reader's name, all at once."""
    try:
        personalizer = prepare(
            _publication(publication or "Daily", sender),
            edition_key="2024-11-22",
            subject=subject,
            text=TEXT,
            html=HTML,
            date=DATE,
            secret=SECRET,
            available_fields={"email", "name"},
        )
    except DigestError as error:
        assert error.exit_code == ExitCode.CONFIG
        return
    except ValueError:  # pydantic refused the publication (the config loader reports it)
        return
    recipient = Recipient("reader@example.org", reader.strip() or None)
    try:
        data = personalizer.render(recipient)
    except HeaderError as error:
        assert error.exit_code == ExitCode.CONFIG
        assert name_problem(reader) is not None  # the list check would have refused the row
        return
    personalizer.verify(data, recipient)
    message = parse(data)
    assert message["Subject"] == clean_subject(subject)
