"""Rendering: escaping of untrusted content, safe links, and theme overrides."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from digest.build import build
from digest.config import Publication
from digest.mail.render import CONTROL_CHARACTERS, format_long_date, render, safe_url
from digest.models import Edition, Section, Story

from .conftest import PublicationFactory

PUBLICATION = Publication.model_validate(
    {"name": "Test <Daily>", "from": "Test <t@example.org>", "sections": ["World"]}
)


def story(**changes: object) -> Story:
    values: dict[str, object] = {
        "title": "Title",
        "summary": "Summary.",
        "url": "https://example.org/a",
        "section": "World",
        "published": None,
        "author": None,
        "image": None,
        "image_alt": "Title",
        "site_name": None,
        "source": "a",
    }
    values.update(changes)
    return Story(**values)  # type: ignore[arg-type]


def render_one(item: Story) -> tuple[str, str]:
    edition = Edition(
        date=date(2024, 11, 22),
        subject="S",
        preheader="P",
        lead=None,
        sections=(Section("World", (item,)),),
        ticker=(),
    )
    source = render(
        edition, PUBLICATION, publication_root=None, unsubscribe_url=None, archive_url=None
    )
    return source.mjml, source.text


def test_untrusted_text_is_escaped_in_mjml_but_not_in_text() -> None:
    mjml, text = render_one(
        story(title="<script>alert(1)</script> & co", summary='"Quote" <b>x</b>')
    )
    assert "<script>" not in mjml
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in mjml
    assert "&lt;b&gt;x&lt;/b&gt;" in mjml
    assert "<script>alert(1)</script> & co" in text
    assert "Test &lt;Daily&gt;" in mjml


def test_control_characters_from_pages_never_reach_the_email(sample_copy: Path) -> None:
    """A stray BEL, ESC or NEL in a page's title and body builds, and none is printed."""
    article = sample_copy / "articles" / "sudan-attacks.md"
    text = article.read_text(encoding="utf-8")
    title = text.split("title: ", 1)[1].split("\n", 1)[0]
    text = text.replace(title, '"Sudan \\a war \\x1b attacks \\x85 rising"', 1)
    article.write_text(text.replace("Attacks targeting", "Attacks\x07 targeting", 1), "utf-8")
    _result, files = build(sample_copy / "editions" / "2024-11-22.toml")
    for name in ("html", "text", "mjml"):
        written = files[name].read_text(encoding="utf-8")
        assert not CONTROL_CHARACTERS.search(written), name
    assert re.search(r"Sudan\s+war\s+attacks\s+rising", files["text"].read_text(encoding="utf-8"))


def test_unsafe_links_never_reach_the_email() -> None:
    mjml, _ = render_one(story(url="javascript:alert(1)"))
    assert "javascript:" not in mjml
    assert safe_url("data:text/html,x") == "#"
    assert safe_url("mailto:a@example.org") == "mailto:a@example.org"


def test_long_date_follows_the_language() -> None:
    day = date(2024, 11, 22)
    assert format_long_date(day) == "Friday, November 22, 2024"
    assert format_long_date(day, "en-GB") == "Friday, 22 November 2024"
    assert format_long_date(day, "de") == "Freitag, 22. November 2024"
    assert format_long_date(day, "ar") == "الجمعة، 22 نوفمبر 2024"


def test_publication_template_overrides_and_extends_the_default(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(
        '[[articles]]\nsource = "../articles/a.md"\n',
        files={
            "articles/a.md": "---\ntitle: Hello\n---\nBody text here.\n",
            "templates/digest.mjml.j2": (
                '{% extends "default/digest.mjml.j2" %}'
                "{% block footer %}<mj-section><mj-column><mj-text>Custom footer"
                "</mj-text></mj-column></mj-section>{% endblock %}"
            ),
            "templates/digest.txt.j2": "Plain: {{ edition.lead.title }}\n",
        },
    )
    _, files = build(edition)
    html = Path(files["html"]).read_text(encoding="utf-8")
    assert "Custom footer" in html and "Hello" in html
    assert Path(files["text"]).read_text(encoding="utf-8") == "Plain: Hello\n"


def test_a_publication_extends_its_theme_by_name(make_publication: PublicationFactory) -> None:
    footer = (
        "{% block footer %}<mj-section><mj-column><mj-text>Own footer</mj-text></mj-column>"
        "</mj-section>{% endblock %}"
    )
    for theme in ("briefing", "classic"):
        edition = make_publication(
            '[[articles]]\nsource = "../articles/a.md"\n',
            files={
                "articles/a.md": "---\ntitle: Hello\n---\nBody text here.\n",
                "templates/digest.mjml.j2": f'{{% extends "{theme}/digest.mjml.j2" %}}' + footer,
            },
            publication=(f'name = "T"\nfrom = "T <t@example.org>"\n[theme]\nname = "{theme}"\n'),
        )
        _, files = build(edition)
        html = Path(files["html"]).read_text(encoding="utf-8")
        assert "Own footer" in html and "Hello" in html
        assert ('class="wm"' in html) == (theme == "briefing"), theme
