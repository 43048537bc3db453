"""Edition files as validated models: one day's articles and ticker, and the loaded edition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from digest.config.dates import iso_date_value
from digest.config.oneline import check_one_line
from digest.config.publication import Publication, StrictModel, check_link, check_web_url


class ArticleEntry(StrictModel):
    """One `[[articles]]` entry in an edition: where to read it, and the editor's overrides."""

    source: str | None = None
    url: str | None = None
    title: str | None = None
    summary: str | None = None
    section: str | None = None
    image: str | None = None
    lead: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_web_url(value)

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


class TickerEntry(StrictModel):
    """One `[[ticker]]` entry: inline text (optional url), or a page whose ticker block is taken."""

    text: str | None = None
    url: str | None = None
    source: str | None = None

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

    date: dt.date | None = None
    subject: str | None = None
    preheader: str | None = None
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

    def resolve(self, relative: str) -> Path:
        """A path named in the edition file, relative to that file."""
        return (self.edition_path.parent / relative).resolve()
