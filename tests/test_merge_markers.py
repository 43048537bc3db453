"""Merge markers are placed only by the templates: content that types one gets it printed."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import strict
from pathlib import Path

from digest.build import build, build_in_memory
from digest.config import load_edition
from digest.delivery.run import SendRequest, send_edition_file
from digest.mail.personal import DEFAULT_MARKERS, UNSUBSCRIBE_URL_MARKER, Markers

from .conftest import MINIMAL_PUBLICATION, PublicationFactory

SECRET_ENV = {"DIGEST_UNSUBSCRIBE_SECRET": "a-test-secret-of-32-characters!!"}
READERS = "email,name,city\nann@example.org,Ann Reader,Kraków\nbob@example.org,Bob,Dhaka\n"


def marker_forms(previous: Markers) -> list[str]:
    """Every marker shape a writer could type: old, default, and a previous build's own."""
    return [
        "[[digest:email]]",
        "[[digest:name]]",
        "[[digest:no_such_field]]",
        DEFAULT_MARKERS.merge("email"),
        DEFAULT_MARKERS.merge("city"),
        UNSUBSCRIBE_URL_MARKER,
        previous.merge("email"),
        previous.merge("name"),
        previous.unsubscribe_url,
    ]


def edition_with(make_publication: PublicationFactory, forms: list[str]) -> Path:
    joined = " ".join(forms)
    return make_publication(
        f"""
        [[articles]]
        source = "../a.md"
        title = "Title {joined}"
        summary = "Summary {joined}"
        url = "https://example.org/a?who={forms[0]}&n={forms[-1]}"
        [[articles]]
        source = "../b.md"
        """,
        files={
            "a.md": "---\ntitle: A\n---\nBody of a.\n",
            "b.md": f"---\ntitle: B\nurl: https://example.org/b\n---\nBody text {joined}.\n",
        },
        publication=MINIMAL_PUBLICATION,
    )


def test_markers_in_title_summary_link_and_body_print_literally(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    # A first build shows its markers in digest.mjml; a writer could copy them into content.
    first = build_in_memory(load_edition(edition_with(make_publication, ["x"])))
    assert first.personal is not None
    forms = marker_forms(first.personal.markers)
    edition = edition_with(make_publication, forms)
    result, _ = build(edition)
    assert result.personal is not None
    assert result.personal.markers != first.personal.markers  # content changed, so the nonce
    readers = tmp_path / "readers.csv"
    readers.write_text(READERS, encoding="utf-8")
    summary = send_edition_file(
        SendRequest(
            edition_path=edition,
            recipients_csv=readers,
            transport="files",
            delivery_overrides={"output": str(tmp_path / "outbox")},
        ),
        confirm=lambda _question: True,
        environ=SECRET_ENV,
    )
    assert summary.sent == 2  # an unknown marker in content never blocks a send
    for path in sorted((tmp_path / "outbox").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=strict)
        assert isinstance(message, EmailMessage)
        text, html = (str(part.get_content()) for part in message.iter_parts())
        for form in forms:
            assert form in text, form
            assert form in html or form.replace("&", "&amp;") in html, form
        for value in ("ann@example.org", "Ann Reader", "Kraków", "bob@example.org", "Dhaka"):
            # The readers' values appear nowhere in the bodies: no marker placed them there.
            assert value not in text and value not in html, value


def test_template_markers_are_filled_per_reader(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    edition = make_publication(
        '[[articles]]\nsource = "../a.md"\n',
        files={
            "a.md": "---\ntitle: A\nurl: https://example.org/a\n---\nBody.\n",
            "templates/digest.mjml.j2": (
                '{% extends "default/digest.mjml.j2" %}{% block intro %}'
                '<mj-text><p>Hello {{ merge("name") }} in {{ merge("city") }}</p></mj-text>'
                "{% endblock %}"
            ),
        },
    )
    readers = tmp_path / "readers.csv"
    readers.write_text(READERS, encoding="utf-8")
    summary = send_edition_file(
        SendRequest(
            edition_path=edition,
            recipients_csv=readers,
            transport="files",
            delivery_overrides={"output": str(tmp_path / "outbox")},
        ),
        confirm=lambda _question: True,
        environ=SECRET_ENV,
    )
    assert summary.sent == 2
    htmls = []
    for path in sorted((tmp_path / "outbox").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=strict)
        assert isinstance(message, EmailMessage)
        htmls.append(str(list(message.iter_parts())[1].get_content()))
    assert any("Hello Ann Reader in Kraków" in html for html in htmls)
    assert any("Hello Bob in Dhaka" in html for html in htmls)
    # The built copy (a sample reader with no fields) leaves them empty, never a marker.
    result, _ = build(edition)
    assert "Hello  in " in result.digest.html and "digest.invalid" not in result.digest.html
