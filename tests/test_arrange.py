"""Arranging: ticker cleaning and dedupe, sections in order, the lead first."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from digest.edition.arrange import Selected, arrange, clean_ticker, comparison_key, order_sections
from digest.models import Article, ArticleOverrides, TickerItem
from digest.sources.readers import ReadContext
from digest.sources.readers.pagetext import read

from .conftest import SEED


def selected(title: str, section: str | None = None, lead: bool = False) -> Selected:
    return Selected(
        article=Article(title=title, section=section, source=title),
        overrides=ArticleOverrides(lead=lead),
        summary=f"Summary of {title}.",
    )


def test_seed_ticker_five_lines_become_four_items() -> None:
    article = read(SEED.read_bytes(), origin="seed", context=ReadContext(tz=ZoneInfo("UTC")))
    assert len(article.ticker) == 5
    kept, dropped = clean_ticker(article.ticker, headlines=[article.title])
    assert len(kept) == 4
    assert [item.reason for item in dropped] == ["duplicate ticker item"]


def test_dedupe_ignores_case_spacing_quotes_and_punctuation() -> None:
    items = [
        TickerItem("Markets rise: stocks up"),
        TickerItem("markets  RISE — stocks up!"),
        TickerItem("“Markets rise” stocks up"),
        TickerItem("Something else"),
    ]
    kept, dropped = clean_ticker(items, headlines=[])
    assert [item.text for item in kept] == ["Markets rise: stocks up", "Something else"]
    assert len(dropped) == 2


def test_items_repeating_a_headline_are_dropped_in_order() -> None:
    items = [TickerItem("B story"), TickerItem("The lead story."), TickerItem("A story")]
    kept, dropped = clean_ticker(items, headlines=["The Lead Story"])
    assert [item.text for item in kept] == ["B story", "A story"]
    assert dropped[0].reason == "repeats an article headline"


def test_bullets_and_whitespace_are_normalized() -> None:
    kept, _ = clean_ticker([TickerItem("  Rain   expected\ttoday  ")], headlines=[])
    assert kept[0].text == "Rain expected today"


def test_comparison_key() -> None:
    assert comparison_key("Dhaka’s GDP: 4.1%!") == comparison_key("dhaka s gdp 4 1")


def test_sections_follow_configuration_then_alphabetical() -> None:
    assert order_sections(["zeta", "Sport", "World", "alpha"], ["World", "sport"]) == [
        "World",
        "Sport",
        "alpha",
        "zeta",
    ]


def test_lead_flag_wins_else_first_article() -> None:
    items = [
        selected("One", "Sport"),
        selected("Two", "World", lead=True),
        selected("Three", "sport"),
    ]
    edition = arrange(
        items,
        [],
        edition_date=date(2024, 11, 22),
        subject="s",
        preheader="p",
        sections=["World", "Sport"],
        default_section="News",
    )
    assert edition.lead is not None and edition.lead.title == "Two"
    assert [section.name for section in edition.sections] == ["Sport"]
    assert [story.title for story in edition.sections[0].stories] == ["One", "Three"]

    no_flag = arrange(
        items[:1] + items[2:],
        [],
        edition_date=date(2024, 11, 22),
        subject="s",
        preheader="p",
        sections=[],
        default_section="News",
    )
    assert no_flag.lead is not None and no_flag.lead.title == "One"


def test_default_section_and_overrides() -> None:
    item = Selected(
        article=Article(title="Original", source="x", image_alt=None),
        overrides=ArticleOverrides(title="Edited", section="World", url="https://e.org/a"),
        summary="S.",
    )
    plain = selected("Plain")
    edition = arrange(
        [plain, item],
        [],
        edition_date=date(2024, 11, 22),
        subject="s",
        preheader="p",
        sections=[],
        default_section="News",
    )
    story = edition.sections[0].stories[0]
    assert (story.title, story.section, story.url, story.image_alt) == (
        "Edited",
        "World",
        "https://e.org/a",
        "",  # alt text that only repeated the headline is left empty
    )
    assert edition.lead is not None and edition.lead.section == "News"
