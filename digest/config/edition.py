"""Edition files as validated models: one day's articles and ticker, and the loaded edition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from digest.config.dates import iso_date_value, moment_value
from digest.config.oneline import check_one_line
from digest.config.publication import Publication, StrictModel, check_link, check_web_url

# Wider or taller than this is not an image for an email (the column is 600 px).
MAX_IMAGE_SIDE = 10_000
# An edition's identity names files and keys (out/<id>/, the journal, Message-IDs, the archive),
# so it is a plain file-name part: letters, digits, '.', '_' and '-', not starting with a dot.
EDITION_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$"


class ArticleEntry(StrictModel):
    """One `[[articles]]` entry in an edition: where to read it, and the editor's overrides."""

    source: str | None = None
    url: str | None = None
    title: str | None = None
    summary: str | None = None
    # What `digest new` drafted (from the page or the feed): used when `summary` is not set.
    drafted_summary: str | None = None
    section: str | None = None
    image: str | None = None
    image_alt: str | None = None
    image_width: Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)] | None = None
    image_height: Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)] | None = None
    lead: bool = False
    keep: bool = False  # never drop this article as a near-duplicate of another
    update: bool = False  # a follow-up of a story that ran before: labelled "Update", not flagged
    # An embargo: `digest check` and `digest send` refuse the edition before this moment.
    not_before: dt.datetime | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_web_url(value)

    @field_validator("not_before", mode="before")
    @classmethod
    def _moment(cls, value: object) -> dt.datetime | None:
        return moment_value(value)

    @field_validator("title", "section")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return check_one_line(value)

    @model_validator(mode="after")
    def _one_origin(self) -> ArticleEntry:
        if self.source is None and self.url is None:
            raise ValueError("needs a `source` (a file) or a `url`")
        if self.source is None and self.title is None and self.url is None:
            raise ValueError("needs a title")
        return self


class SponsorEntry(StrictModel):
    """One `[[sponsor]]` block: marked as sponsored, after the lead or after a section."""

    label: str | None = None  # default: the theme's "Sponsored", in the edition's language
    text: str
    url: str
    image: str | None = None
    image_alt: str = ""
    image_width: Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)] | None = None
    image_height: Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)] | None = None
    after: str = "lead"  # "lead" or a section's name

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        checked = check_link(value)
        assert checked is not None
        return checked

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        return check_web_url(value)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("`text` is empty")
        return value


class TickerEntry(StrictModel):
    """One `[[ticker]]` entry: inline text (optional url), or a page whose ticker block is taken."""

    text: str | None = None
    url: str | None = None
    source: str | None = None
    keep: bool = False  # never drop this item as a repeat of an article
    update: bool = False  # a follow-up of an item that ran before: labelled "Update"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_link(value)

    @field_validator("text")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return check_one_line(value)

    @model_validator(mode="after")
    def _text_or_source(self) -> TickerEntry:
        if (self.text is None) == (self.source is None):
            raise ValueError("needs exactly one of `text` or `source`")
        if self.text is not None and not self.text.strip():
            raise ValueError("`text` is empty")
        return self


class EditionFile(StrictModel):
    """An edition file: one day's selection."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=True
    )

    # The edition's identity when its file name should not be (default: the file's stem).
    id: Annotated[str, Field(pattern=EDITION_ID_PATTERN)] | None = None
    date: dt.date | None = None
    subject: str | None = None
    preheader: str | None = None
    issue: Annotated[int, Field(ge=0)] | None = None  # the edition's number ("No. 123")
    intro: str | None = None  # an editor's note in Markdown, under the masthead
    sponsors: list[SponsorEntry] = Field(default_factory=list, alias="sponsor")
    articles: list[ArticleEntry] = Field(default_factory=list)
    ticker: list[TickerEntry] = Field(default_factory=list)

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> dt.date | None:
        return iso_date_value(value)

    @field_validator("subject", "preheader")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return check_one_line(value)


class LoadedEdition(BaseModel):
    """An edition with its publication, resolved paths and date."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    publication: Publication
    edition: EditionFile
    date: dt.date
    edition_path: Path
    root: Path  # the publication's folder (where digest.toml is)

    @property
    def identity(self) -> str:
        """What names this edition everywhere: its `id =`, else its file's stem. Not its date:
        two editions can share a date (a morning and an evening edition)."""
        return self.edition.id or self.edition_path.stem

    def resolve(self, relative: str) -> Path:
        """A path named in the edition file, relative to that file."""
        return (self.edition_path.parent / relative).resolve()
