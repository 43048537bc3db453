"""Near-duplicate stories across the edition: what goes, what stays, and `keep = true`."""

from __future__ import annotations

from datetime import date

from digest.edition.arrange import Selected, arrange
from digest.edition.duplicates import profile, same_news
from digest.models import Article, ArticleOverrides, TickerItem


def _same(first: str, second: str) -> bool:
    return same_news(profile(first), profile(second))


def test_paraphrased_headline_is_the_same_news() -> None:
    assert _same(
        "Sudan war becomes more deadly: Ethnically motivated attacks up",
        "UN: Ethnically motivated attacks rising as Sudan war becomes deadlier",
    )


def test_same_numbers_and_an_acronym_are_the_same_news() -> None:
    assert _same(
        "Bangladesh’s GDP Growth to Decline to 4.1% in FY25: WB",
        "World Bank cuts Bangladesh growth forecast to 4.1% for FY25",
    )
    assert _same("Exports hit $38.48 bn in 2024", "RMG exports reach $38.48 bn in 2024")


def test_different_stories_sharing_one_word_both_stay() -> None:
    assert not _same("Hilsa prices fall as the fishing ban ends", "Onion prices rise in Dhaka")
    assert not _same("Storm hits Florida coast", "Florida passes its budget for 2025")
    assert not _same(
        "World Bank cuts Bangladesh growth forecast to 4.1% for FY25",
        "EU envoys pledge support for Bangladesh's delta plan",
    )


def test_different_numbers_keep_similar_stories_apart() -> None:
    assert not _same(
        "Metro rail to run until 11pm from December 1",
        "Metro rail fares rise 10% from January 5",
    )


def _selected(title: str, summary: str, *, keep: bool = False) -> Selected:
    return Selected(Article(title=title, source=title), ArticleOverrides(keep=keep), summary)


ARTICLES = [
    _selected("World Bank cuts Bangladesh growth forecast to 4.1% for FY25", "Growth slows."),
    _selected("WB lowers Bangladesh FY25 growth forecast to 4.1%", "The bank cut it."),
    _selected("Dhaka's air ranked the world's worst", "Smog again."),
]


def _arrange(selected: list[Selected], ticker: list[TickerItem]):  # type: ignore[no-untyped-def]
    return arrange(
        selected,
        ticker,
        edition_date=date(2024, 11, 22),
        subject="",
        preheader="",
        sections=[],
        default_section="News",
    )


def test_the_later_article_goes_and_says_in_favour_of_which() -> None:
    edition = _arrange(ARTICLES, [])
    assert [story.title for story in edition.stories] == [
        ARTICLES[0].article.title,
        ARTICLES[2].article.title,
    ]
    (dropped,) = edition.dropped
    assert dropped.kind == "article"
    assert dropped.duplicate_of == ARTICLES[0].article.title


def test_keep_true_overrides_for_articles_and_ticker_items() -> None:
    kept = [ARTICLES[0], _selected(ARTICLES[1].article.title, "The bank cut it.", keep=True)]
    ticker = [TickerItem("Bangladesh growth forecast cut to 4.1% in FY25", keep=True)]
    edition = _arrange(kept, ticker)
    assert len(edition.stories) == 2
    assert [item.text for item in edition.ticker] == [ticker[0].text]
    assert edition.dropped == ()


def test_ticker_item_telling_an_articles_news_goes() -> None:
    ticker = [TickerItem("Bangladesh growth forecast cut to 4.1% in FY25"), TickerItem("Rain")]
    edition = _arrange(ARTICLES[:1], ticker)
    assert [item.text for item in edition.ticker] == ["Rain"]
    assert edition.dropped[0].duplicate_of == ARTICLES[0].article.title
