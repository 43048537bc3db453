"""Near-duplicate stories across the edition: what goes, what stays, and `keep = true`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from digest.edition.arrange import Selected, arrange, same_news_pairs
from digest.edition.duplicates import NewsIndex, news_of, profile, same_news, same_story
from digest.models import Article, ArticleOverrides, Story, TickerItem


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


REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
CNN_DEV = REALWORLD / "summaries" / "cnn-dev.jsonl"


def _real_stories() -> list[Story]:
    """Two stories per CNN story (two highlights as headlines, two paragraphs as summaries):
    about 400 real stories, with a few dozen pairs that tell the same news."""
    stories = []
    for line in CNN_DEV.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        for title, summary in list(zip(story["highlights"], story["paragraphs"], strict=False))[:2]:
            fields = {"url": None, "published": None, "author": None, "image": None}
            extra = {"image_alt": "", "site_name": None, "source": ""}
            stories.append(Story(title, summary, section="News", **fields, **extra))
    return stories


@pytest.mark.skipif(not CNN_DEV.is_file(), reason="../shared/realworld is not available")
def test_the_index_finds_every_pair_a_comparison_of_all_pairs_finds() -> None:
    stories = _real_stories()
    news = [news_of(story.title, story.summary) for story in stories]
    every_pair = [
        (earlier, later)
        for later in range(len(news))
        for earlier in range(later)
        if same_story(news[earlier], news[later])
    ]
    assert len(every_pair) >= 20  # the data holds the same news told twice
    assert same_news_pairs(stories) == every_pair
    # Ticker items: each CNN story's last highlight, against every story.
    wholes = [item.whole for item in news]
    index = NewsIndex(wholes)
    for line in CNN_DEV.read_text(encoding="utf-8").splitlines():
        item = profile(json.loads(line)["highlights"][-1])
        found = [i for i in index.candidates(item) if same_news(item, wholes[i])]
        assert found == [i for i, whole in enumerate(wholes) if same_news(item, whole)]


def test_only_the_later_of_each_repeat_goes_among_many_stories() -> None:
    others = [_selected(f"Mayor{n} opens bridge{n} in town{n}", f"Crowd{n}.") for n in range(50)]
    again = _selected("Dhaka air ranked world's worst again", "Smog.")
    repeated = [ARTICLES[0], *others, ARTICLES[1], ARTICLES[2], again]
    edition = _arrange(repeated, [])
    assert [item.duplicate_of for item in edition.dropped] == [
        ARTICLES[0].article.title,
        ARTICLES[2].article.title,
    ]
