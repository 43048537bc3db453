"""Canonical URLs and near-duplicate headlines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.models import Article
from digest.sources.dedupe import (
    canonical_url,
    dedupe_articles,
    headline_similarity,
    similar_headlines,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a?utm_source=rss&utm_medium=feed", "https://news.example/a"),
        ("https://news.example/a?id=3&fbclid=XYZ&gclid=1", "https://news.example/a?id=3"),
        ("https://news.example/a?mc_cid=1&mc_eid=2&UTM_Campaign=x", "https://news.example/a"),
        ("https://news.example/a#comments", "https://news.example/a"),
        ("https://news.example/a/", "https://news.example/a"),
        ("https://news.example", "https://news.example/"),
        ("https://news.example/", "https://news.example/"),
        ("HTTPS://News.EXAMPLE/Path", "https://news.example/Path"),
        ("https://news.example:443/a", "https://news.example/a"),
        ("http://news.example:80/a", "http://news.example/a"),
        ("http://news.example:8080/a", "http://news.example:8080/a"),
        ("https://news.example/a?b=2&a=1", "https://news.example/a?b=2&a=1"),
        ("https://news.example/a?q=", "https://news.example/a?q="),
        ("https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@given(
    st.from_regex(
        r"https?://[a-z]{1,8}\.example(/[a-z0-9]{0,5}){0,3}/?(\?[a-z]=[0-9])?", fullmatch=True
    )
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tram line approved after long debate", "Tram line approved after a long debate"),
        ("Council approves new tram line", "New tram line approved by council"),
        ("Fire destroys town hall in Leeds", "Town hall in Leeds destroyed by fire"),
        ("Breaking: Fire destroys town hall in Leeds", "Fire destroys Leeds town hall"),
        ("Storm hits coast", "STORM HITS COAST!"),
    ],
)
def test_same_story(a: str, b: str) -> None:
    assert similar_headlines(a, b)
    assert similar_headlines(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Trump impeachment hearing begins", "Trump impeachment hearing ends"),
        ("UK inflation falls to 2.3%", "UK inflation rises to 2.3%"),
        ("Apple unveils new iPhone", "Apple unveils new iPad"),
        ("Nadal keeps Spain alive in Davis Cup", "Spain knocked out of Davis Cup by Canada"),
        ("Fire", "Fire destroys town hall"),
        ("Storm update", "Storm warning"),
    ],
)
def test_different_stories(a: str, b: str) -> None:
    assert not similar_headlines(a, b)


def test_similarity_bounds() -> None:
    assert headline_similarity("a b c d", "a b c d") == 1.0
    assert headline_similarity("", "") == 1.0
    assert headline_similarity("tram", "") == 0.0


def test_dedupe_articles_by_url_and_headline() -> None:
    articles = [
        Article(title="Tram line approved", url="https://news.example/tram?utm_source=x"),
        Article(title="Something else entirely", url="https://news.example/tram/"),
        Article(title="Tram line approved!", url="https://other.example/tram"),
        Article(title="Library opens on Sundays", url=None),
    ]
    kept, dropped = dedupe_articles(articles)
    assert [a.title for a in kept] == ["Tram line approved", "Library opens on Sundays"]
    assert len(dropped) == 2


REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
CNN_DEV = REALWORLD / "summaries" / "cnn-dev.jsonl"


@pytest.mark.skipif(not CNN_DEV.is_file(), reason="../shared/realworld is not available")
def test_dedupe_drops_what_a_comparison_with_every_kept_headline_drops() -> None:
    lines = CNN_DEV.read_text(encoding="utf-8").splitlines()[:100]
    titles = [highlight for line in lines for highlight in json.loads(line)["highlights"][:2]]
    rewritten = [" ".join(title.split()[1:]) for title in titles[::4]]  # one word less
    rewritten += [title.upper() + "!" for title in titles[1::9]]
    articles = [Article(title=title, url=None) for title in [*titles, *rewritten]]
    every: list[Article] = []
    for article in articles:
        if not any(similar_headlines(article.title, other.title) for other in every):
            every.append(article)
    kept, dropped = dedupe_articles(articles)
    assert kept == every
    assert len(dropped) >= 30
