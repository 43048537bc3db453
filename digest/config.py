"""digest.toml and edition files -> validated models, with every problem reported at once."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from digest.errors import ConfigError, Problem
from digest.summarize import DEFAULT_METHOD, METHODS

PUBLICATION_FILE = "digest.toml"
DEFAULT_SUMMARY_CHARS = 350
# Below this a summary cannot hold even a short sentence; above it the digest stops being one.
MIN_SUMMARY_CHARS = 60
MAX_SUMMARY_CHARS = 2000
EDITION_DATE_PATTERN = re.compile(r"(\d{4}-\d{2}-\d{2})")
SAFE_URL_SCHEMES = ("http://", "https://")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
FONT_LIST = re.compile(r"[A-Za-z0-9 ,'\"-]{1,200}")


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a config file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_web_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.lower().startswith(SAFE_URL_SCHEMES):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _check_link(value: str | None) -> str | None:
    """Links in the email may be web pages or mailto: addresses, nothing else."""
    if value is None or value.lower().startswith("mailto:"):
        return value
    return _check_web_url(value)


class Brand(_Strict):
    """How the email looks: colours, fonts, logo and footer."""

    color: str = "#1a5fb4"
    text_color: str = "#1f2328"
    background: str = "#f3f4f6"
    font_family: str = "Helvetica, Arial, sans-serif"
    heading_font_family: str = "Georgia, 'Times New Roman', serif"
    logo_url: str | None = None
    logo_width: Annotated[int, Field(ge=40, le=600)] = 160
    footer_text: str = ""
    postal_address: str = ""

    @field_validator("color", "text_color", "background")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError("must be a hex colour such as #1a5fb4")
        return value

    @field_validator("font_family", "heading_font_family")
    @classmethod
    def _fonts(cls, value: str) -> str:
        if not FONT_LIST.fullmatch(value):
            raise ValueError("must be a font list such as: Georgia, 'Times New Roman', serif")
        return value

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str | None) -> str | None:
        return _check_web_url(value)


class Unsubscribe(_Strict):
    """Where readers leave the list; `{token}` and `{email}` are filled per recipient."""

    url: str | None = None
    mailto: str | None = None
    secret_env: str = "DIGEST_UNSUBSCRIBE_SECRET"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_web_url(value)


class Delivery(_Strict):
    """How `digest send` delivers; secrets come from environment variables named here."""

    transport: str = "smtp"  # smtp, command, files, or a plugin's name (digest.transports)
    host: str = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str = "DIGEST_SMTP_PASSWORD"
    timeout: Annotated[float, Field(gt=0, le=600)] = 30.0
    reconnect_every: Annotated[int, Field(ge=1)] = 500
    command: list[str] = []
    command_timeout: Annotated[float, Field(gt=0, le=3600)] = 60.0
    output: str = "outbox"  # folder (or .mbox file) for the files transport
    rate: Annotated[float, Field(ge=0)] = 0.0  # messages per second; 0 = as fast as allowed


class Publication(_Strict):
    """digest.toml: the publication, stable from day to day."""

    name: str
    tagline: str = ""
    language: str = "en"
    direction: Literal["ltr", "rtl"] = "ltr"
    timezone: str = "UTC"
    from_address: str = Field(alias="from")
    reply_to: str | None = None
    base_url: str | None = None  # resolves relative image names such as "photo.jpg"
    archive_url: str | None = None  # may hold {date}
    list_id: str | None = None
    sections: list[str] = []
    default_section: str = "News"
    summary_chars: Annotated[int, Field(ge=MIN_SUMMARY_CHARS, le=MAX_SUMMARY_CHARS)] = (
        DEFAULT_SUMMARY_CHARS
    )
    summary_method: str = DEFAULT_METHOD
    brand: Brand = Brand()
    unsubscribe: Unsubscribe = Unsubscribe()
    delivery: Delivery = Delivery()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use a name such as Europe/London"
            ) from None
        return value

    @field_validator("summary_method")
    @classmethod
    def _method(cls, value: str) -> str:
        if value not in METHODS:
            raise ValueError(
                f"unknown summary method {value!r}; choose one of: {', '.join(METHODS)}"
            )
        return value

    @field_validator("base_url", "archive_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return _check_web_url(value)

    @field_validator("name", "from_address")
    @classmethod
    def _single_line(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be a single line")
        if not value:
            raise ValueError("must not be empty")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The publication's time zone."""
        return ZoneInfo(self.timezone)


class ArticleEntry(_Strict):
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
        return _check_web_url(value)

    @model_validator(mode="after")
    def _one_origin(self) -> ArticleEntry:
        if self.source is None and self.url is None:
            raise ValueError("needs a `source` (a file) or a `url`")
        if self.source is None and self.title is None and self.url is None:
            raise ValueError("needs a title")
        return self


class TickerEntry(_Strict):
    """One `[[ticker]]` entry: inline text (optional url), or a page whose ticker block is taken."""

    text: str | None = None
    url: str | None = None
    source: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_link(value)

    @model_validator(mode="after")
    def _text_or_source(self) -> TickerEntry:
        if (self.text is None) == (self.source is None):
            raise ValueError("needs exactly one of `text` or `source`")
        if self.text is not None and not self.text.strip():
            raise ValueError("`text` is empty")
        return self


class EditionFile(_Strict):
    """An edition file: one day's selection."""

    date: dt.date | None = None
    subject: str | None = None
    preheader: str | None = None
    articles: list[ArticleEntry] = []
    ticker: list[TickerEntry] = []

    @field_validator("subject", "preheader")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        if value is not None and any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be a single line (no line breaks)")
        return value


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


def _read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "file not found"))
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(str(path), "", f"not valid TOML: {error}"))
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path), "", f"cannot be read: {error}"))
    return None


def _key(location: tuple[int | str, ...]) -> str:
    """('articles', 2, 'url') -> 'articles[3].url' (1-based, as a person counts entries)."""
    key = ""
    for part in location:
        if isinstance(part, int):
            key += f"[{part + 1}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _problems_from(error: ValidationError, file: Path) -> list[Problem]:
    problems = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif item["type"] == "missing":
            message = "is required"
        location = tuple(part for part in item["loc"] if part not in {"function-after[...]"})
        problems.append(Problem(str(file), _key(location), message))
    return problems


def find_publication(start: Path) -> Path | None:
    """The nearest digest.toml in the edition's folder or one of its parents."""
    for folder in [start, *start.parents]:
        candidate = folder / PUBLICATION_FILE
        if candidate.is_file():
            return candidate
    return None


def load_publication(path: Path) -> Publication:
    """Read and validate digest.toml."""
    problems: list[Problem] = []
    data = _read_toml(path, problems)
    if data is None:
        raise ConfigError(problems)
    try:
        return Publication.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_problems_from(error, path)) from None


def _edition_date(path: Path, edition: EditionFile | None) -> dt.date | None:
    if edition is not None and edition.date is not None:
        return edition.date
    match = EDITION_DATE_PATTERN.search(path.stem)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            return None
    return None


def _missing_files(data: dict[str, Any], path: Path) -> list[Problem]:
    """Source files that don't exist, checked on the raw data so they are reported even
    when other keys of the same edition are invalid."""
    problems = []
    for table in ("articles", "ticker"):
        entries = data.get(table)
        if not isinstance(entries, list):
            continue
        for number, entry in enumerate(entries, 1):
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(source, str) and not (path.parent / source).is_file():
                problems.append(
                    Problem(str(path), f"{table}[{number}].source", f"file not found: {source}")
                )
    return problems


def load_edition(edition_path: Path, publication_path: Path | None = None) -> LoadedEdition:
    """Read an edition and its publication; raise ConfigError listing every problem."""
    edition_path = edition_path.resolve()
    problems: list[Problem] = []
    if publication_path is None:
        publication_path = find_publication(edition_path.parent)
    publication: Publication | None = None
    if publication_path is None:
        problems.append(
            Problem(
                str(edition_path),
                "",
                f"no {PUBLICATION_FILE} found in its folder or any parent "
                "(run `digest init DIR` to create a publication)",
            )
        )
    else:
        try:
            publication = load_publication(publication_path)
        except ConfigError as error:
            problems.extend(error.problems)

    edition: EditionFile | None = None
    data = _read_toml(edition_path, problems)
    if data is not None:
        try:
            edition = EditionFile.model_validate(data)
        except ValidationError as error:
            problems.extend(_problems_from(error, edition_path))
        problems.extend(_missing_files(data, edition_path))
    if edition is not None and not edition.articles and not edition.ticker:
        problems.append(
            Problem(str(edition_path), "articles", "the edition selects no articles or ticker")
        )
    edition_date = _edition_date(edition_path, edition)
    if data is not None and edition_date is None:
        problems.append(
            Problem(
                str(edition_path),
                "date",
                "no date: set `date = YYYY-MM-DD` or name the file YYYY-MM-DD.toml",
            )
        )
    if problems:
        raise ConfigError(problems)
    assert publication is not None and edition is not None and edition_date is not None
    assert publication_path is not None
    return LoadedEdition(
        publication=publication,
        edition=edition,
        date=edition_date,
        edition_path=edition_path,
        root=publication_path.parent.resolve(),
    )
