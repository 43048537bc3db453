"""Arrange: stories into sections (lead first), and the ticker normalized and deduplicated."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from digest.edition.duplicates import (
    NewsIndex,
    Profile,
    first_match,
    news_of,
    next_edition,
    profile,
    same_story,
    same_story_texts,
    story_pairs,
)
from digest.models import Article, ArticleOverrides, Dropped, Edition, Section, Story, TickerItem
from digest.summarize import normalize_headline

# Ticker texts compare equal when they differ only in case, spacing, quotes and punctuation.
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Selected:
    """One selected article with the editor's overrides and its summary."""

    article: Article
    overrides: ArticleOverrides
    summary: str


def comparison_key(text: str) -> str:
    """Case-, spacing- and punctuation-insensitive form of a headline, for dedupe."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub(" ", folded).strip()


def make_story(selected: Selected, default_section: str) -> Story:
    """Merge an article with the editor's overrides; the editor always wins."""
    article, overrides = selected.article, selected.overrides
    title = overrides.title or article.title
    # The page's image size belongs to the page's image, not to one the editor put instead.
    own_image = overrides.image is None or overrides.image == article.image
    width = overrides.image_width or (article.image_width if own_image else None)
    height = overrides.image_height or (article.image_height if own_image else None)
    return Story(
        title=title,
        summary=selected.summary,
        url=overrides.url or article.url,
        section=overrides.section or article.section or default_section,
        published=article.published,
        author=article.author,
        image=overrides.image or article.image,
        image_alt=useful_alt(overrides.image_alt or article.image_alt or "", title),
        image_width=width,
        image_height=height,
        site_name=article.site_name,
        source=article.source,
        lead=overrides.lead,
        date_only=article.date_only,
        update=overrides.update,
    )


def useful_alt(alt: str, title: str) -> str:
    """Alt text that describes the image; empty when it only repeats the headline beside it."""
    alt = " ".join(alt.split())
    return "" if comparison_key(alt) == comparison_key(title) else alt


def order_sections(names: Sequence[str], configured: Sequence[str]) -> list[str]:
    """Configured order first, the rest alphabetically (case-insensitive)."""
    by_key = {name.casefold(): name for name in names}
    ordered = [by_key.pop(name.casefold()) for name in configured if name.casefold() in by_key]
    return ordered + sorted(by_key.values(), key=str.casefold)


def group_sections(
    stories: Sequence[Story], configured: Sequence[str]
) -> tuple[Story | None, tuple[Section, ...]]:
    """The lead (marked `lead`, else the first) and the rest grouped by section."""
    if not stories:
        return None, ()
    lead = next((story for story in stories if story.lead), stories[0])
    rest = [story for story in stories if story is not lead]
    # Section names match case-insensitively; the configured spelling wins.
    spelling = {name.casefold(): name for name in configured}
    groups: dict[str, list[Story]] = {}
    for story in rest:
        name = spelling.get(story.section.casefold(), story.section)
        groups.setdefault(name, []).append(story)
    sections = tuple(
        Section(name=name, stories=tuple(groups[name]))
        for name in order_sections(list(groups), configured)
    )
    return lead, sections


def story_profile(story: Story) -> Profile:
    """What a story says: its headline and its summary."""
    return profile(f"{story.title} {story.summary}")


def tell_same_news(earlier: Story, later: Story) -> bool:
    """True when either headline is told within the other story (its headline and summary)."""
    return same_story_texts(earlier.title, earlier.summary, later.title, later.summary)


def same_news_pairs(stories: Sequence[Story]) -> list[tuple[int, int]]:
    """(earlier, later) positions of every two stories that tell the same news, ordered by
    the later one, then the earlier (only the pairs an index finds possible are compared)."""
    news = [news_of(story.title, story.summary) for story in stories]
    return [pair for pair in story_pairs(news) if same_story(news[pair[0]], news[pair[1]])]


def drop_repeated_stories(
    stories: Sequence[Story], keep: Sequence[bool]
) -> tuple[list[Story], list[Dropped]]:
    """Drop a story telling the same news as an earlier one (never the lead or a kept one)."""
    news = [news_of(story.title, story.summary) for story in stories]
    earlier: dict[int, list[int]] = {}
    for first, second in story_pairs(news):  # the earlier ones in order, for each later one
        earlier.setdefault(second, []).append(first)
    kept: list[Story] = []
    kept_at: set[int] = set()
    dropped: list[Dropped] = []
    for position, (story, editor_keeps) in enumerate(zip(stories, keep, strict=True)):
        match = None
        if not (editor_keeps or story.lead):
            match = next(
                (
                    stories[other].title
                    for other in earlier.get(position, ())
                    if other in kept_at and same_story(news[other], news[position])
                ),
                None,
            )
        if match is not None:
            reason = f"same news as the article {match!r}"
            dropped.append(Dropped("article", story.title, reason, story.source, match))
            continue
        kept.append(story)
        kept_at.add(position)
    return kept, dropped


def clean_ticker(
    items: Sequence[TickerItem], headlines: Sequence[str], stories: Sequence[Story] = ()
) -> tuple[tuple[TickerItem, ...], tuple[Dropped, ...]]:
    """Normalize ticker items; drop duplicates, repeated headlines and the stories' news."""
    headline_keys = {comparison_key(headline) for headline in headlines}
    profiles = [(story.title, story_profile(story)) for story in stories]
    index = NewsIndex([whole for _, whole in profiles])
    seen: set[str] = set()
    kept: list[TickerItem] = []
    dropped: list[Dropped] = []
    for item in items:
        text = normalize_headline(item.text)
        key = comparison_key(text)
        match = None
        if not item.keep:
            said = profile(text)
            match = first_match(said, [profiles[i] for i in index.candidates(said)])
        if not key:
            dropped.append(Dropped("ticker", item.text, "empty after cleaning", item.origin))
        elif key in headline_keys and not item.keep:
            dropped.append(Dropped("ticker", text, "repeats an article headline", item.origin))
        elif key in seen:
            dropped.append(Dropped("ticker", text, "duplicate ticker item", item.origin))
        elif match is not None:
            reason = f"same news as the article {match!r}"
            dropped.append(Dropped("ticker", text, reason, item.origin, match))
        else:
            seen.add(key)
            kept.append(replace(item, text=text))
    return tuple(kept), tuple(dropped)


def arrange(
    selected: Sequence[Selected],
    ticker: Sequence[TickerItem],
    *,
    edition_date: date,
    subject: str,
    preheader: str,
    sections: Sequence[str],
    default_section: str,
) -> Edition:
    """The whole edition: lead, sections in order, ticker cleaned, and what was dropped."""
    next_edition()
    stories, dropped_stories = drop_repeated_stories(
        [make_story(item, default_section) for item in selected],
        [item.overrides.keep for item in selected],
    )
    lead, grouped = group_sections(stories, sections)
    kept, dropped_ticker = clean_ticker(ticker, [story.title for story in stories], stories)
    return Edition(
        date=edition_date,
        subject=subject,
        preheader=preheader,
        lead=lead,
        sections=grouped,
        ticker=kept,
        dropped=(*dropped_stories, *dropped_ticker),
    )
