"""Where something in the email came from, in words an editor can find: file, then key.

"editions/2024-11-22.toml: articles[3].section" points at one line of one file; findings of
the preflight checks start with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from digest.config import ArticleEntry, LoadedEdition
from digest.config.publication import PUBLICATION_FILE
from digest.models import Article, ArticleOverrides, Story

THEME = "the theme's templates"


class SourcedEntry(Protocol):
    """An article as read, with the editor's overrides and its key (`sources.read`)."""

    @property
    def article(self) -> Article: ...

    @property
    def overrides(self) -> ArticleOverrides: ...

    @property
    def key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Where:
    """Names for the places of one edition: its file, its entries, digest.toml."""

    loaded: LoadedEdition
    articles: tuple[SourcedEntry, ...]

    @property
    def edition_file(self) -> str:
        """The edition file as the editor knows it: relative to the publication's folder."""
        path = self.loaded.edition_path
        try:
            return str(path.relative_to(self.loaded.root))
        except ValueError:
            return path.name

    def edition(self, key: str = "") -> str:
        """'editions/2024-11-22.toml: articles[3].section'."""
        return f"{self.edition_file}: {key}" if key else self.edition_file

    def publication(self, key: str) -> str:
        """'digest.toml: unsubscribe.url'."""
        return f"{PUBLICATION_FILE}: {key}"

    def entry_key(self, story: Story) -> str | None:
        """'articles[3]' for the entry a story came from, or None (not from this edition)."""
        for item in self.articles:
            if item.article.source == story.source:
                return item.key
        # Without the articles as read: the entry whose file or URL the story came from.
        for number, entry in enumerate(self.loaded.edition.articles, 1):
            if (entry.url and entry.url == story.url) or (
                entry.source and str(self.loaded.resolve(entry.source)) == story.source
            ):
                return f"articles[{number}]"
        return None

    def entry(self, key: str) -> ArticleEntry | None:
        """The `[[articles]]` entry named by 'articles[3]'."""
        number = int(key.removeprefix("articles[").rstrip("]"))
        entries = self.loaded.edition.articles
        return entries[number - 1] if 0 < number <= len(entries) else None

    def story(self, story: Story, field: str) -> str:
        """Where a story's field comes from: the entry's key when the editor typed it there,
        else the entry with "(from its source)"."""
        key = self.entry_key(story)
        if key is None:
            return f"{self.edition_file}: {story.title!r}"
        entry = self.entry(key)
        typed = entry is not None and getattr(entry, field, None) is not None
        return self.edition(f"{key}.{field}" if typed else f"{key} (`{field}` from its source)")

    def link(self, url: str, stories: Sequence[Story]) -> str:
        """Where a URL in the email was set: an entry, digest.toml, or the theme."""
        for story in stories:
            if url in (story.url, story.image):
                return self.story(story, "url" if url == story.url else "image")
        edition = self.loaded.edition
        for number, ticker in enumerate(edition.ticker, 1):
            if ticker.url == url:
                return self.edition(f"ticker[{number}].url")
        for number, sponsor in enumerate(edition.sponsors, 1):
            if url in (sponsor.url, sponsor.image):
                field = "url" if url == sponsor.url else "image"
                return self.edition(f"sponsor[{number}].{field}")
        if edition.intro and url in edition.intro:
            return self.edition("intro")
        publication = self.loaded.publication
        if url == publication.brand.logo_url:
            return self.publication("brand.logo_url")
        archive = publication.archive_url
        if archive and url == archive.replace("{date}", self.loaded.date.isoformat()):
            return self.publication("archive_url")
        return THEME
