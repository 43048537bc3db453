"""Plain typed values passed between pipeline stages (no dicts between stages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class ImageSize:
    """Pixel width and height of an image file."""

    width: int
    height: int


@dataclass(frozen=True, slots=True)
class TickerItem:
    """One short headline for the "In brief" block."""

    text: str
    url: str | None = None
    origin: str = ""  # where it came from: the edition file or a page path, for reports
    keep: bool = False  # the editor's `keep = true`: never dropped as a near-duplicate
    update: bool = False  # the editor's `update = true`: a follow-up, labelled "Update"


@dataclass(frozen=True, slots=True)
class Byline:
    """What a page's byline line says: who, which section, when."""

    author: str | None = None  # a person or a desk ("Greenwatch Desk")
    section: str | None = None
    published: datetime | None = None  # always timezone-aware
    date_only: bool = False  # the line gave a day but no time of day


@dataclass(frozen=True, slots=True)
class Article:
    """An article as a reader found it; body paragraphs are plain text, never HTML."""

    title: str
    body: tuple[str, ...] = ()
    url: str | None = None
    section: str | None = None
    published: datetime | None = None
    date_only: bool = False  # the source gave a day but no time: never show a made-up time
    author: str | None = None
    image: str | None = None
    image_alt: str | None = None
    image_width: int | None = None  # pixels, when the page says (og:image:width)
    image_height: int | None = None
    site_name: str | None = None
    language: str | None = None
    summary: str | None = None  # the writer's own summary (Markdown front matter)
    teaser: str | None = None  # a feed entry's description: material, never the editor's words
    source: str = ""  # the path or URL it was read from
    ticker: tuple[TickerItem, ...] = ()  # a ticker block found on the same page


@dataclass(frozen=True, slots=True)
class ArticleOverrides:
    """What the editor set for one article in the edition file; these always win."""

    title: str | None = None
    summary: str | None = None
    drafted_summary: str | None = None  # `digest new`'s text, marked as drafted; summary wins
    section: str | None = None
    image: str | None = None
    url: str | None = None
    lead: bool = False
    image_alt: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    keep: bool = False  # never dropped as a near-duplicate of another story
    update: bool = False  # a follow-up of a story that ran before


@dataclass(frozen=True, slots=True)
class Story:
    """An article as it appears in the digest: summarized, with the editor's overrides."""

    title: str
    summary: str
    url: str | None
    section: str
    published: datetime | None
    author: str | None
    image: str | None
    image_alt: str
    site_name: str | None
    source: str
    lead: bool = False
    image_width: int | None = None  # pixels of the image file; None when unknown
    image_height: int | None = None
    date_only: bool = False  # `published` holds a day without a known time of day
    update: bool = False  # a follow-up of a story that ran before: labelled "Update"


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction to a story of an edition that went out (`digest correct`)."""

    edition: str  # the corrected edition's identity
    edition_date: date
    number: int  # 1, 2, ... within that edition
    story_title: str
    story_url: str | None
    note: str
    day: date  # when it was made, in the publication's time zone


@dataclass(frozen=True, slots=True)
class Sponsor:
    """A sponsored block, shown marked as such after the lead or after a section."""

    text: str
    url: str
    label: str | None = None  # None: the theme's "Sponsored" in the edition's language
    image: str | None = None
    image_alt: str = ""
    image_width: int | None = None
    image_height: int | None = None
    after: str = "lead"  # "lead" or a section's name


@dataclass(frozen=True, slots=True)
class Section:
    """A named group of stories, in the order they appear."""

    name: str
    stories: tuple[Story, ...]


@dataclass(frozen=True, slots=True)
class Dropped:
    """Something the pipeline left out, and why, for the build report."""

    kind: str  # "ticker" or "article"
    text: str
    reason: str
    origin: str = ""
    duplicate_of: str = ""  # the headline of the story kept in its place, for near-duplicates


@dataclass(frozen=True, slots=True)
class Edition:
    """The arranged digest, ready to render."""

    date: date
    subject: str
    preheader: str
    lead: Story | None
    sections: tuple[Section, ...]
    ticker: tuple[TickerItem, ...]
    dropped: tuple[Dropped, ...] = ()
    number: int | None = None  # the issue number, when the publication numbers editions
    intro: str | None = None  # the editor's note, Markdown as written
    sponsors: tuple[Sponsor, ...] = ()
    # Corrections to earlier editions this one carries (its "Corrections" block).
    corrections: tuple[Correction, ...] = ()
    # Corrections to this edition's own stories: shown by its web version, beside each story.
    own_corrections: tuple[Correction, ...] = ()

    @property
    def stories(self) -> tuple[Story, ...]:
        """Every story in reading order, lead first."""
        rest = tuple(story for section in self.sections for story in section.stories)
        return ((self.lead,) if self.lead else ()) + rest


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """The email bodies at every stage, with their sizes."""

    mjml: str
    text: str
    html: str  # final, CSS inlined
    html_bytes: int
    style_bytes: int
    warnings: tuple[str, ...] = field(default=())
