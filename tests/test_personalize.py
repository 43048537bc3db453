"""Build once, substitute per recipient: links, merge fields, headers, strict parsing."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.policy import strict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Publication
from digest.delivery.personalize import (
    UNSUBSCRIBE_URL_MARKER,
    PersonalizeError,
    Personalizer,
    merge_marker,
    prepare,
    read_secret,
)
from digest.delivery.recipients import Recipient
from digest.delivery.tokens import make_token, read_token
from digest.mail.message import HeaderError, format_to

SECRET = b"0123456789abcdef-test-secret"
DATE = datetime(2024, 11, 22, 6, 0, tzinfo=UTC)


def publication(**unsubscribe: str) -> Publication:
    return Publication.model_validate(
        {
            "name": "Grünwatch Daily",
            "from": "Greenwatch Desk <desk@news.example.org>",
            "reply_to": "editors@news.example.org",
            "list_id": "daily.news.example.org",
            "unsubscribe": unsubscribe
            or {
                "url": "https://news.example.org/unsubscribe?t={token}&list=daily",
                "mailto": "leave@news.example.org?subject=unsubscribe-{token}",
            },
        }
    )


TEXT = (
    f"Hello {merge_marker('name')},\n\n"
    + "A long paragraph of news that wraps — with ümlauts and = signs. " * 30
    + f"\n\nUnsubscribe: {UNSUBSCRIBE_URL_MARKER}\n"
)
HTML = (
    f"<html><body><p>Hi {merge_marker('name')} from {merge_marker('city')}</p>"
    + '<td style="color:#333">Ünïcode cell &amp; more</td>' * 200
    + f'<a href="{UNSUBSCRIBE_URL_MARKER}">Unsubscribe</a></body></html>'
)


def personalizer(subject: str = "Today: NATO & Ukraine — brief") -> Personalizer:
    return prepare(
        publication(),
        edition_key="2024-11-22",
        subject=subject,
        text=TEXT,
        html=HTML,
        date=DATE,
        secret=SECRET,
        available_fields={"email", "name", "city"},
    )


def test_the_token_is_the_readers_opaque_token_issued_at_the_messages_date() -> None:
    url = personalizer().unsubscribe_url(Recipient("Zoe@Example.org"))
    token = url.split("t=")[1].split("&")[0]
    assert token == make_token(
        SECRET, "daily.news.example.org", "zoe@example.org", issued=DATE.timestamp()
    )
    check = read_token(SECRET, "daily.news.example.org", token, now=DATE.timestamp())
    assert check.address == "zoe@example.org" and "zoe" not in url.lower()


def test_an_email_placeholder_is_refused_in_links() -> None:
    for key in ("url", "mailto"):
        with pytest.raises(ValueError, match="reader's address"):
            publication(**{key: "https://news.example.org/u?t={token}&e={email}"})


def test_personal_message_parses_strictly_with_every_header() -> None:
    p = personalizer()
    recipient = Recipient("zoe@example.org", "Zoë Ünal", (("city", "Kraków <Centre>"),))
    data = p.render(recipient)
    p.verify(data, recipient)
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    message = email.message_from_bytes(data, policy=strict)
    url = p.unsubscribe_url(recipient)
    assert url.startswith("https://news.example.org/unsubscribe?t=") and "zoe" not in url
    token = url.split("t=")[1].split("&")[0]
    mailto = f"mailto:leave@news.example.org?subject=unsubscribe-{token}"
    assert str(message["List-Unsubscribe"]) == f"<{url}>, <{mailto}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "Grünwatch Daily <daily.news.example.org>"
    assert message["Subject"] == "Today: NATO & Ukraine — brief"
    assert message["To"].addresses[0].display_name == "Zoë Ünal"
    assert message["Reply-To"] == "editors@news.example.org"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    text, html = text_part.get_content(), html_part.get_content()
    assert "Hello Zoë Ünal," in text and url in text and UNSUBSCRIBE_URL_MARKER not in text
    assert "Kraków &lt;Centre&gt;" in html and url.replace("&", "&amp;") in html
    assert "ümlauts and = signs" in text  # the body around the slots decodes unchanged
    for line in data.split(b"\r\n"):
        assert len(line) <= 998


def test_message_id_is_stable_per_edition_and_recipient() -> None:
    p = personalizer()
    a, b = Recipient("a@example.org"), Recipient("b@example.org")
    assert p.message_id(a) == personalizer().message_id(a) != p.message_id(b)
    assert p.message_id(a).endswith("@news.example.org>")
    assert p.render(a) == personalizer().render(a)  # deterministic bytes


@pytest.mark.parametrize(
    "bad", ["Evil\r\nBcc: victim@example.org", "Evil\nX: y", "Nul\0name", "Esc\x1bname"]
)
def test_header_injection_in_name_is_refused(bad: str) -> None:
    with pytest.raises(HeaderError):
        personalizer().render(Recipient("a@example.org", bad))
    with pytest.raises(HeaderError):
        format_to("a@example.org", bad)


@pytest.mark.parametrize("bad", ["Hello\r\nBcc: victim@example.org", "Hi\nthere", "x\0"])
def test_header_injection_in_subject_is_refused(bad: str) -> None:
    with pytest.raises(HeaderError):
        personalizer(subject=bad)


def test_missing_link_unknown_field_and_secret_are_refused() -> None:
    with pytest.raises(PersonalizeError, match="no unsubscribe link"):
        prepare(
            publication(),
            edition_key="e",
            subject="s",
            text="no link",
            html=HTML,
            date=DATE,
            secret=SECRET,
            available_fields={"name", "city"},
        )
    with pytest.raises(PersonalizeError, match="city"):
        prepare(
            publication(),
            edition_key="e",
            subject="s",
            text=TEXT,
            html=HTML,
            date=DATE,
            secret=SECRET,
            available_fields={"name"},
        )
    with pytest.raises(PersonalizeError, match=r"\{token\}"):
        prepare(
            publication(url="https://x.example.org/u"),
            edition_key="e",
            subject="s",
            text=TEXT,
            html=HTML,
            date=DATE,
            secret=SECRET,
            available_fields={"name", "city"},
        )
    with pytest.raises(PersonalizeError, match="DIGEST_UNSUBSCRIBE_SECRET is not set"):
        read_secret("DIGEST_UNSUBSCRIBE_SECRET", {})
    with pytest.raises(PersonalizeError) as caught:
        read_secret("S", {"S": "short-one"})
    assert "short-one" not in str(caught.value)


names = st.text(  # what a list check lets through (digest.mail.headers.name_problem)
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
        blacklist_characters="\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
    ),
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(name=names, city=names)
def test_any_name_and_merge_value_survive_encoding(name: str, city: str) -> None:
    p = personalizer()
    recipient = Recipient("reader@example.org", name.strip() or None, (("city", city.strip()),))
    p.verify(p.render(recipient), recipient)
