"""digest.toml as validated models: the publication, its brand, unsubscribe and delivery."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from digest.config.access import FetchConfig, SourcesConfig
from digest.config.oneline import check_one_line
from digest.config.readers import Clicks, Readers
from digest.summarize import DEFAULT_METHOD, available_methods

PUBLICATION_FILE = "digest.toml"
DEFAULT_SUMMARY_CHARS = 350
# Below this a summary cannot hold even a short sentence; above it the digest stops being one.
MIN_SUMMARY_CHARS = 60
MAX_SUMMARY_CHARS = 2000
SAFE_URL_SCHEMES = ("http://", "https://")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
FONT_LIST = re.compile(r"[A-Za-z0-9 ,'\"-]{1,200}")
# Gmail and Yahoo treat an address that keeps failing as a sign of a neglected list; three
# editions in a row is the usual point at which newsletter tools stop trying.
DEFAULT_SOFT_BOUNCE_LIMIT = 3
# `digest check` warns about a story published more than this many days before the edition.
DEFAULT_STALE_AFTER_DAYS = 3
MAX_STALE_AFTER_DAYS = 3650
# `digest check` warns about a story that ran within this many days (story memory).
DEFAULT_MEMORY_DAYS = 7
MAX_MEMORY_DAYS = 366
# An Atom reader shows the latest entries; older editions stay on the index page.
DEFAULT_FEED_ENTRIES = 30
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a config file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def check_web_url(value: str | None) -> str | None:
    """An absolute http(s) URL, or None; anything else is refused."""
    if value is None:
        return None
    if not value.lower().startswith(SAFE_URL_SCHEMES):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def check_link(value: str | None) -> str | None:
    """Links in the email may be web pages or mailto: addresses, nothing else."""
    if value is None or value.lower().startswith("mailto:"):
        return value
    return check_web_url(value)


class Brand(StrictModel):
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
        return check_web_url(value)


# Links name nobody: a placeholder that would put the reader's address in them is refused.
ADDRESS_PLACEHOLDER = "{email}"


def no_address(value: str | None) -> str | None:
    """Refuse `{email}`: every link and header would carry the reader's address in clear."""
    if value is not None and ADDRESS_PLACEHOLDER in value:
        raise ValueError(
            "must not hold {email}: it would put the reader's address in every link; "
            "{token} alone identifies the reader (it is opaque)"
        )
    return value


class Unsubscribe(StrictModel):
    """Where readers leave the list; `{token}` (opaque, names nobody) is filled per recipient."""

    url: str | None = None
    mailto: str | None = None
    secret_env: str = "DIGEST_UNSUBSCRIBE_SECRET"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return no_address(check_web_url(value))

    @field_validator("mailto")
    @classmethod
    def _mailto(cls, value: str | None) -> str | None:
        return no_address(value)


class Delivery(StrictModel):
    """How `digest send` delivers; secrets come from environment variables named here."""

    transport: str = "smtp"  # smtp, command, files, or a plugin's name (digest.delivery.transports)
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
    # Parallel SMTP connections (`digest send --connections`); see README "Sending".
    connections: Annotated[int, Field(ge=1, le=64)] = 4
    # Environment variables the command transport may see besides PATH and LANG.
    command_env: list[str] = []
    # Put before the subject of a `digest send --test` message, with a space ("" for none).
    test_subject_prefix: str = "[TEST]"
    # `list = ...`: what `digest send EDITION` mails without --to: "subscribers" (the store)
    # or a list file (relative to digest.toml).
    recipients: str | None = Field(default=None, alias="list")
    # A list send needs `digest approve` of exactly what goes out (subject, HTML, text, list).
    require_approval: bool = False
    # ... by someone other than the sender (implies require_approval).
    require_second_person: bool = False

    @property
    def needs_approval(self) -> bool:
        """Whether a list send must match an approval."""
        return self.require_approval or self.require_second_person

    @field_validator("command_env")
    @classmethod
    def _env_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not ENV_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value


StoryImages = Literal["none", "thumbnail", "full"]
ThemeName = Literal["briefing", "classic"]
# An override must keep the placeholders of the string it replaces, e.g. %(outlet)s.
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Theme(StrictModel):
    """Which theme renders the email, and what it shows besides the stories themselves.

    `read_more` and `contents` left unset take the theme's own default (briefing: off,
    classic: on), so choosing a theme gives its intended look.
    """

    # "briefing" (the default: a strong lead, compact stories, bands) or "classic".
    name: ThemeName = "briefing"
    # Images of the stories after the lead: none, a thumbnail beside the text, or full width.
    story_images: StoryImages = "thumbnail"
    # A "Read more at <outlet>" line under each story (the headline always links).
    read_more: bool | None = None
    # "In this edition": the lead's headline and the sections, each linking to its place.
    contents: bool | None = None


class Archive(StrictModel):
    """The static web archive: where `digest archive` writes it, and how long its feed is."""

    folder: str = "archive"  # relative to digest.toml; upload it to where archive_url points
    feed_entries: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_FEED_ENTRIES

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        if not value or any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be a folder name such as archive")
        return value


# `[bounces] return_path` once its {tag} is filled (digest.mail.tags: 8 + 1 + 24 characters):
# a plain ASCII address whose local part fits RFC 5321's 64 octets.
SAMPLE_TAG = "0" * 8 + "-" + "0" * 24
RETURN_PATH = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`|~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`|~-]+)*"
    r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
)
MAX_LOCAL_PART = 64


class Bounces(StrictModel):
    """Where bounces go and how `digest bounces import` treats temporary failures."""

    # Temporary failures (4.x.x) in this many editions in a row suppress the address.
    soft_limit: Annotated[int, Field(ge=1, le=100)] = DEFAULT_SOFT_BOUNCE_LIMIT
    # The envelope sender (MAIL FROM); "{tag}" in it becomes each message's bounce tag (VERP).
    return_path: str | None = None

    @field_validator("return_path")
    @classmethod
    def _return_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        filled = value.replace("{tag}", SAMPLE_TAG, 1)
        local = filled.rpartition("@")[0]
        if "{" in filled or "}" in filled or not RETURN_PATH.fullmatch(filled):
            raise ValueError(
                "must be one address, with {tag} at most once in the part before the @, "
                "e.g. bounces+{tag}@example.org"
            )
        if len(local) > MAX_LOCAL_PART:
            raise ValueError(
                f"the part before the @ is longer than {MAX_LOCAL_PART} characters once "
                f"{{tag}} ({len(SAMPLE_TAG)} characters) is filled in"
            )
        if "{tag}" in value.rpartition("@")[2]:
            raise ValueError("{tag} belongs before the @")
        return value


class Publication(StrictModel):
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
    # Where a reader of a forwarded copy signs up ("Subscribe" in the footer).
    subscribe_url: str | None = None
    list_id: str | None = None
    sections: list[str] = []
    default_section: str = "News"
    summary_chars: Annotated[int, Field(ge=MIN_SUMMARY_CHARS, le=MAX_SUMMARY_CHARS)] = (
        DEFAULT_SUMMARY_CHARS
    )
    summary_method: str = DEFAULT_METHOD
    stale_after_days: Annotated[int, Field(ge=0, le=MAX_STALE_AFTER_DAYS)] = (
        DEFAULT_STALE_AFTER_DAYS
    )
    # Stories that ran within this many days before are flagged by `digest check` (0: never).
    memory_days: Annotated[int, Field(ge=0, le=MAX_MEMORY_DAYS)] = DEFAULT_MEMORY_DAYS
    # Default subject; {publication}, {lead}, {date} and {issue} are filled in.
    subject_template: str = "{publication}: {lead}"
    # Number editions by counting the files in editions/ (an edition's `issue` always wins).
    issue_numbers: bool = False
    first_issue: Annotated[int, Field(ge=0)] = 1
    brand: Brand = Brand()
    theme: Theme = Theme()
    # Any fixed string of the theme, by its English text: "In brief" = "Briefly".
    strings: dict[str, str] = {}
    unsubscribe: Unsubscribe = Unsubscribe()
    delivery: Delivery = Delivery()
    archive: Archive = Archive()
    bounces: Bounces = Bounces()
    readers: Readers = Readers()
    clicks: Clicks = Clicks()
    fetch: FetchConfig = FetchConfig()
    sources: SourcesConfig = SourcesConfig()

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

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(value, sep="-" if "-" in value else "_")
        except (UnknownLocaleError, ValueError):
            raise ValueError(
                f"unknown language {value!r}; use a code such as en, de, pt-BR or ar"
            ) from None
        return value

    @field_validator("summary_method")
    @classmethod
    def _method(cls, value: str) -> str:
        methods = available_methods()
        if value not in methods:
            raise ValueError(
                f"unknown summary method {value!r}; choose one of: {', '.join(methods)}"
            )
        return value

    @field_validator("base_url", "archive_url", "subscribe_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return check_web_url(value)

    @field_validator("name", "from_address")
    @classmethod
    def _single_line(cls, value: str) -> str:
        check_one_line(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("subject_template")
    @classmethod
    def _subject_template(cls, value: str) -> str:
        try:
            value.format(publication="", lead="", date="", issue="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"unknown or broken placeholder ({error}); use {{publication}}, {{lead}}, "
                "{date} and {issue}"
            ) from None
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be a single line")
        return value

    @field_validator("strings")
    @classmethod
    def _strings(cls, value: dict[str, str]) -> dict[str, str]:
        for english, text in value.items():
            wanted, given = set(PLACEHOLDER.findall(english)), set(PLACEHOLDER.findall(text))
            if wanted != given:
                raise ValueError(
                    f"the text for {english!r} must keep its placeholders "
                    f"{sorted(wanted) or 'none'} (it has {sorted(given) or 'none'})"
                )
        return value

    @model_validator(mode="after")
    def _clicks_need_readers(self) -> Publication:
        if self.clicks.enabled and not self.readers.url:
            raise ValueError(
                "[clicks] enabled = true needs [readers] url: the public address of "
                "`digest serve`, where click links lead"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The publication's time zone."""
        return ZoneInfo(self.timezone)
