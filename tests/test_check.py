"""`digest check`: the sample is clean, and each problem is caught on a crafted edition."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import Publication
from digest.errors import ExitCode
from digest.mail.check import contrast_ratio, run_checks
from digest.models import Edition

from .conftest import MINIMAL_PUBLICATION, SAMPLE_EDITION, PublicationFactory

runner = CliRunner()
ARTICLE = {
    "articles/a.md": "---\ntitle: First story\nurl: https://example.org/a\n"
    "date: 2024-11-22T06:00:00Z\n---\n"
    "The first story of the day is long enough to make a summary that tells the reader what "
    "happened.\n"
}
ONE_ARTICLE = '[[articles]]\nsource = "../articles/a.md"\n'


def check(edition: Path, *options: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["check", str(edition), "--json", *options])
    return result.exit_code, json.loads(result.output)


def codes(payload: dict[str, object]) -> set[str]:
    findings = payload["findings"]
    assert isinstance(findings, list)
    return {finding["code"] for finding in findings}


def test_sample_is_clean() -> None:
    result = runner.invoke(app, ["check", str(SAMPLE_EDITION)])
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output
    strict = runner.invoke(app, ["check", str(SAMPLE_EDITION), "--strict"])
    assert strict.exit_code == 0


def test_clean_minimal_edition(make_publication: PublicationFactory) -> None:
    code, payload = check(make_publication(ONE_ARTICLE, files=ARTICLE))
    assert (code, codes(payload)) == (0, set())


def test_html_over_gmail_clip_says_where(make_publication: PublicationFactory) -> None:
    long = "A sentence that fills the summary of this story. " * 40
    entries = "".join(
        f'[[articles]]\nsource = "../articles/a.md"\ntitle = "Story {n}"\n'
        f'url = "https://example.org/{n}"\nsummary = "{long}"\n\n'
        for n in range(50)
    )
    code, payload = check(make_publication(entries, files=ARTICLE))
    assert code == ExitCode.CHECK
    assert "html-clipped" in codes(payload)
    message = next(f["message"] for f in payload["findings"] if f["code"] == "html-clipped")
    assert "102,400" in message and "story" in message


def test_style_block_over_16kb(make_publication: PublicationFactory) -> None:
    rules = "".join(f".c{n} {{ color: #123456; margin: 0 0 {n}px; }}\n" for n in range(600))
    template = (
        '{% extends "default/digest.mjml.j2" %}'
        "{% block head_extra %}<mj-style>" + rules + "</mj-style>{% endblock %}"
    )
    files = {**ARTICLE, "templates/digest.mjml.j2": template}
    code, payload = check(make_publication(ONE_ARTICLE, files=files))
    assert code == ExitCode.CHECK and "style-too-large" in codes(payload)


def test_images_without_alt_https_or_width(make_publication: PublicationFactory) -> None:
    story = (
        "{% macro lead(story) %}<mj-text><h2>{{ story.title }}</h2>"
        '<img src="http://example.org/a.png"><p>{{ story.summary }}</p></mj-text>{% endmacro %}'
        "{% macro story(story) %}{{ lead(story) }}{% endmacro %}"
    )
    files = {**ARTICLE, "templates/partials/story.mjml.j2": story}
    code, payload = check(make_publication(ONE_ARTICLE, files=files))
    assert code == ExitCode.CHECK
    assert {"image-no-alt", "image-not-https", "image-no-width"} <= codes(payload)


def test_relative_article_image_is_reported(make_publication: PublicationFactory) -> None:
    edition = ONE_ARTICLE + 'image = "photo.jpg"\n'
    code, payload = check(make_publication(edition, files=ARTICLE))
    assert code == ExitCode.CHECK and "image-not-https" in codes(payload)


def test_unsafe_and_relative_links(make_publication: PublicationFactory) -> None:
    footer = (
        '{% extends "default/digest.mjml.j2" %}{% block footer %}<mj-section><mj-column>'
        '<mj-text><a href="javascript:alert(1)">x</a> <a href="/about">about</a> '
        '<a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>'
        "</mj-column></mj-section>{% endblock %}"
    )
    files = {**ARTICLE, "templates/digest.mjml.j2": footer}
    code, payload = check(make_publication(ONE_ARTICLE, files=files))
    assert code == ExitCode.CHECK
    assert {"link-scheme", "link-relative"} <= codes(payload)


def test_missing_unsubscribe_and_postal_address(make_publication: PublicationFactory) -> None:
    publication = MINIMAL_PUBLICATION.split("[brand]")[0]
    code, payload = check(make_publication(ONE_ARTICLE, files=ARTICLE, publication=publication))
    assert code == ExitCode.CHECK
    assert {"no-unsubscribe", "no-postal-address"} <= codes(payload)


def test_an_unsubscribe_url_needs_no_particular_words(
    make_publication: PublicationFactory,
) -> None:
    """The link is found as the publication's own URL, not by the word "unsubscribe"."""
    publication = MINIMAL_PUBLICATION.replace(
        "https://example.org/unsubscribe?token={token}", "https://example.org/u?t={token}"
    )
    code, payload = check(make_publication(ONE_ARTICLE, files=ARTICLE, publication=publication))
    assert (code, codes(payload)) == (0, set())


def test_a_theme_that_drops_the_unsubscribe_link_is_an_error(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(ONE_ARTICLE, files=ARTICLE)
    override = edition.parent.parent / "templates" / "digest.mjml.j2"
    override.parent.mkdir(exist_ok=True)
    override.write_text(
        '{% extends "default/digest.mjml.j2" %}{% block footer %}<mj-section><mj-column>'
        "<mj-text>No way out</mj-text></mj-column></mj-section>{% endblock %}",
        encoding="utf-8",
    )
    code, payload = check(edition)
    assert code == ExitCode.CHECK and "no-unsubscribe" in codes(payload)


def test_long_subject_is_a_warning_and_strict_exits_1(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(f'subject = "{"Long subject " * 8}"\n' + ONE_ARTICLE, files=ARTICLE)
    code, payload = check(edition)
    assert (code, codes(payload)) == (0, {"subject-long"})
    assert check(edition, "--strict")[0] == ExitCode.WARNINGS


def test_link_missing_from_text_part(make_publication: PublicationFactory) -> None:
    files = {**ARTICLE, "templates/digest.txt.j2": "{{ edition.lead.title }}\n"}
    code, payload = check(make_publication(ONE_ARTICLE, files=files))
    assert code == 0 and "link-not-in-text" in codes(payload)


def test_preheader_leaking_into_text(make_publication: PublicationFactory) -> None:
    files = {
        **ARTICLE,
        "templates/digest.txt.j2": "{{ edition.preheader }}\n{{ edition.lead.url }}\n",
    }
    edition = make_publication('preheader = "Read this first"\n' + ONE_ARTICLE, files=files)
    assert "preheader-in-text" in codes(check(edition)[1])


def test_duplicate_articles(make_publication: PublicationFactory) -> None:
    code, payload = check(make_publication(ONE_ARTICLE + "\n" + ONE_ARTICLE, files=ARTICLE))
    assert code == ExitCode.CHECK and "duplicate-article" in codes(payload)


def test_low_contrast_brand_colour(make_publication: PublicationFactory) -> None:
    publication = MINIMAL_PUBLICATION.replace("[brand]", '[brand]\ncolor = "#f5d90a"')
    payload = check(make_publication(ONE_ARTICLE, files=ARTICLE, publication=publication))[1]
    assert "low-contrast" in codes(payload)


def test_empty_subject_and_missing_preheader() -> None:
    publication = Publication.model_validate({"name": "P", "from": "P <p@example.org>"})
    edition = Edition(
        date=date(2024, 11, 22), subject=" ", preheader="", lead=None, sections=(), ticker=()
    )
    found = {
        f.code
        for f in run_checks(html="<p></p>", text="", edition=edition, publication=publication)
    }
    assert {"subject-empty", "preheader-missing"} <= found


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#767676", "#fff", 4.54)],
)
def test_contrast_ratio(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
