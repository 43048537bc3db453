"""Render: Jinja2 templates (autoescaped) -> MJML source and the plain-text part."""

from __future__ import annotations

import functools
import re
import textwrap
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
)
from markupsafe import Markup

from digest.config import Publication
from digest.errors import RenderError
from digest.mail.errors import describe_template_error
from digest.models import Edition, Story

MJML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
THEME = "default"
# Plain-text lines wrap here: readable in any client, and under RFC 5322's 78-character advice.
TEXT_WIDTH = 72
SAFE_LINK_PREFIXES = ("http://", "https://", "mailto:")
# Font lists and hex colours: enough for a brand, too little to close a rule or a tag.
CSS_VALUE = re.compile(r"[A-Za-z0-9 ,'\"#.%-]{1,200}")


@dataclass(frozen=True, slots=True)
class RenderedSource:
    """What the templates produced: MJML for the compiler and the finished text part."""

    mjml: str
    text: str


def theme_folder() -> Path:
    """The default theme shipped with the package (top-level templates/ in a checkout)."""
    with as_file(files("digest.templates") / THEME) as folder:
        return Path(folder)


def _autoescape(name: str | None) -> bool:
    # Everything is escaped except the plain-text part, where `&amp;` would be a bug.
    return not (name or "").endswith(".txt.j2")


def safe_url(value: object) -> str:
    """Last guard in templates: only http(s) and mailto links reach the email."""
    text = str(value or "").strip()
    return text if text.lower().startswith(SAFE_LINK_PREFIXES) else "#"


def css_value(value: object) -> Markup:
    """A brand value for a <style> block: font lists and colours only, never markup."""
    text = str(value)
    if not CSS_VALUE.fullmatch(text):
        raise RenderError(f"{text!r} is not a safe CSS value for a font or colour")
    # Autoescape would turn the quotes of 'Times New Roman' into entities and break the CSS.
    return Markup(text)


def is_web_url(value: object) -> bool:
    """True for absolute http(s) URLs (images must be fetchable by mail clients)."""
    return str(value or "").lower().startswith(("http://", "https://"))


def wrap(value: object, indent: str = "") -> str:
    """Wrap plain text for the text part without breaking URLs or long words."""
    return textwrap.fill(
        str(value),
        width=TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


@functools.lru_cache(maxsize=8)
def make_environment(publication_root: Path | None) -> Environment:
    """Publication templates first, then the default theme (also reachable as default/...).

    Cached per publication: compiled templates are reused, and Jinja2 still reloads a
    template whose file changed (auto_reload), which the live preview relies on.
    """
    theme = FileSystemLoader(theme_folder())
    loaders: list[Any] = []
    if publication_root is not None:
        # Added even before the folder exists, so one created during a preview is seen.
        loaders.append(FileSystemLoader(publication_root / "templates"))
    loaders += [PrefixLoader({THEME: theme}), theme]
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    environment.filters.update(safe_url=safe_url, is_web_url=is_web_url, wrap=wrap, css=css_value)
    return environment


def format_long_date(day: date) -> str:
    """'Friday, 22 November 2024' (English; locale-independent for reproducible builds)."""
    return f"{day:%A}, {day.day} {day:%B %Y}"


def _time_formatter(tz: tzinfo) -> Any:
    def time_of(moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(tz)
        hour = local.hour % 12 or 12
        return f"{hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"

    return time_of


def render(
    edition: Edition,
    publication: Publication,
    *,
    publication_root: Path | None,
    unsubscribe_url: str | None,
    archive_url: str | None,
) -> RenderedSource:
    """Render the MJML source and the plain-text part of one edition."""
    environment = make_environment(publication_root)
    time_of = _time_formatter(publication.tz)

    def meta_of(story: Story) -> str:
        parts = (story.author or story.site_name, time_of(story.published))
        return " · ".join(part for part in parts if part)

    context = {
        "edition": edition,
        "publication": publication,
        "brand": publication.brand,
        "long_date": format_long_date(edition.date),
        "unsubscribe_url": unsubscribe_url,
        "archive_url": archive_url,
        "meta_of": meta_of,
    }
    try:
        mjml = environment.get_template(MJML_TEMPLATE).render(context)
        text = environment.get_template(TEXT_TEMPLATE).render(context)
    except (
        TemplateError,
        RenderError,
        ArithmeticError,
        LookupError,
        TypeError,
        ValueError,
    ) as error:
        # A template's mistake, whatever Python calls it: named by template file and line.
        raise RenderError(
            describe_template_error(error, publication_root, theme_folder())
        ) from None
    return RenderedSource(mjml=mjml, text=_tidy_text(text))


def _tidy_text(text: str) -> str:
    """Collapse runs of blank lines the template's conditionals leave behind."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip() + "\n"
