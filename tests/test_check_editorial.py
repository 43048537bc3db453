"""`digest check` on what the editor typed: placeholders, sponsor labels, unsourced figures,
long headlines, images without alt text."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import ExitCode
from digest.mail.editorial_checks import MAX_HEADLINE_CHARS, placeholders_in

from .conftest import PublicationFactory
from .test_check import ARTICLE, ONE_ARTICLE, check

SPONSOR = (
    '\n[[sponsor]]\ntext = "Solar Week in Dhaka, 5 to 7 December"\nurl = "https://solar.example/"\n'
)


def found(edition: Path) -> list[tuple[str, str, str]]:
    _code, payload = check(edition)
    return [(f["code"], f["severity"], f["message"]) for f in payload["findings"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The deal is worth TK million.", [("TK", False)]),
        ("TKTK", [("TKTK", True)]),
        ("Read the report [LINK] today", [("[LINK]", True)]),
        ("[insert quote here]", [("[insert quote here]", True)]),
        ("Lorem  ipsum dolor sit amet", [("Lorem  ipsum", True)]),
        ("Turnout rose to XX% in the north", [("XX", False)]),
        ("Prices will fall by 20XX", [("20XX", False)]),
    ],
)
def test_placeholders_are_found(text: str, expected: list[tuple[str, bool]]) -> None:
    assert placeholders_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "TK Maxx opens a store in Leeds",
        "TK Elevator cuts 2,000 jobs",
        "Atkins and Tkachenko met in Kyiv",
        "Super Bowl XX was played in New Orleans",
        "Pope Pius XX is a fiction",
        "Women have XX chromosomes",
        "XXL and XL sizes sold out",
        "The XX play Dhaka tonight",
        "tk is not a placeholder in lower case",
    ],
)
def test_real_words_and_names_are_not_placeholders(text: str) -> None:
    assert placeholders_in(text) == []


def test_tk_in_a_summary_is_a_warning_naming_the_key(make_publication: PublicationFactory) -> None:
    summary = "The first story of the day is worth TK million, and it tells the reader so."
    edition = make_publication(ONE_ARTICLE + f'summary = "{summary}"\n', files=ARTICLE)
    ((code, severity, message),) = found(edition)
    assert (code, severity) == ("placeholder-text", "warning")
    assert message.startswith("editions/2024-11-22.toml: articles[1].summary: 'TK' left")


@pytest.mark.parametrize(
    ("edition_text", "key"),
    [
        (ONE_ARTICLE + 'title = "Council TKTK budget"\n', "articles[1].title"),
        ('intro = "Good morning. Our tracker is [LINK]."\n' + ONE_ARTICLE, "intro"),
        (ONE_ARTICLE + SPONSOR.replace("Solar Week", "Lorem ipsum"), "sponsor[1].text"),
        (ONE_ARTICLE + '\n[[ticker]]\ntext = "Metro runs late TKTK"\n', "ticker[1].text"),
        ('subject = "Daily: TKTK"\n' + ONE_ARTICLE, "subject"),
    ],
)
def test_sure_placeholders_anywhere_are_errors(
    make_publication: PublicationFactory, edition_text: str, key: str
) -> None:
    code, payload = check(make_publication(edition_text, files=ARTICLE))
    assert code == ExitCode.CHECK
    assert [f["code"] for f in payload["findings"]] == ["placeholder-text"]
    assert f"editions/2024-11-22.toml: {key}: " in payload["findings"][0]["message"]


def test_a_labelled_sponsor_is_fine(make_publication: PublicationFactory) -> None:
    assert found(make_publication(ONE_ARTICLE + SPONSOR, files=ARTICLE)) == []


def test_a_theme_that_drops_the_sponsor_label_is_an_error(
    make_publication: PublicationFactory,
) -> None:
    # The briefing theme's sponsor partial, overridden by one that forgets the label.
    partial = (
        "{% macro sponsor(item) %}<mj-section><mj-column><mj-text><p>{{ item.text }}</p>"
        '<a href="{{ item.url }}">More</a></mj-text></mj-column></mj-section>{% endmacro %}'
    )
    files = {**ARTICLE, "templates/partials/sponsor.mjml.j2": partial}
    code, payload = check(make_publication(ONE_ARTICLE + SPONSOR, files=files))
    assert [f["code"] for f in payload["findings"]] == ["sponsor-no-label"]
    assert code == ExitCode.CHECK
    assert "sponsor[1]: the sponsored block 'Solar Week" in payload["findings"][0]["message"]


def test_a_label_that_hides_the_payment_is_a_warning(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(
        ONE_ARTICLE + SPONSOR + 'label = "From our friends"\n', files=ARTICLE
    )
    ((code, severity, message),) = found(edition)
    assert (code, severity) == ("sponsor-no-label", "warning")
    assert "sponsor[1].label: 'From our friends' does not say" in message
    for label in ("Advertisement", "Paid partnership", "Anzeige", "Ad"):
        ok = make_publication(ONE_ARTICLE + SPONSOR + f'label = "{label}"\n', files=ARTICLE)
        assert found(ok) == [], label


PAGE = {
    "articles/a.md": "---\ntitle: Budget passes\nurl: https://example.org/a\n"
    "date: 2024-11-22T06:00:00Z\n---\n"
    "The Leeds city council approved a budget of 1,200 million pounds on Tuesday. "
    "Mayor Hannah Clarke said Bangladesh-born councillors led the vote.\n"
}


def test_a_typed_summary_with_figures_and_names_the_page_lacks_warns(
    make_publication: PublicationFactory,
) -> None:
    summary = "Leeds approved a 1,500 million pound budget on Tuesday, said Mayor John Smith."
    edition = make_publication(ONE_ARTICLE + f'summary = "{summary}"\n', files=PAGE)
    ((code, severity, message),) = found(edition)
    assert (code, severity) == ("summary-unsourced", "warning")
    assert "articles[1].summary: '1,500', 'John', 'Smith' not found on the source page" in message


def test_a_typed_summary_true_to_the_page_is_fine(make_publication: PublicationFactory) -> None:
    summary = (
        "Leeds' council passed a 1200 million pound budget on Tuesday; Mayor Hannah Clarke "
        "credited Bangladeshi councillors. The NHS was not part of it."
    ).replace("The NHS was not part of it.", "It took all day.")
    edition = make_publication(ONE_ARTICLE + f'summary = "{summary}"\n', files=PAGE)
    assert found(edition) == []


def test_a_headline_longer_than_a_phone_shows_warns(make_publication: PublicationFactory) -> None:
    title = "Council " + "approves the long-awaited budget after a very long debate " * 2
    assert len(title.strip()) > MAX_HEADLINE_CHARS
    edition = make_publication(
        'subject = "Today"\n' + ONE_ARTICLE + f'title = "{title.strip()}"\n', files=ARTICLE
    )
    ((code, _severity, message),) = found(edition)
    assert code == "headline-long"
    assert f"articles[1].title: the headline has {len(title.strip())} characters" in message


IMAGE = 'image = "https://example.org/photo.jpg"\nimage_width = 1200\nimage_height = 675\n'


def test_a_photo_nobody_described_warns(make_publication: PublicationFactory) -> None:
    edition = make_publication(ONE_ARTICLE + IMAGE, files=ARTICLE)
    ((code, _severity, message),) = found(edition)
    assert code == "image-empty-alt"
    assert message.startswith("editions/2024-11-22.toml: articles[1].image_alt: the image of")


def test_alt_text_emptied_because_it_repeats_the_headline_is_fine(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(ONE_ARTICLE + IMAGE + 'image_alt = "First story"\n', files=ARTICLE)
    assert found(edition) == []


def test_a_sponsor_image_without_alt_warns(make_publication: PublicationFactory) -> None:
    image = 'image = "https://solar.example/logo.png"\nimage_width = 200\nimage_height = 100\n'
    ((code, _severity, message),) = found(
        make_publication(ONE_ARTICLE + SPONSOR + image, files=ARTICLE)
    )
    assert code == "image-empty-alt" and "sponsor[1].image_alt" in message
