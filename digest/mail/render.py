"""Render: Jinja2 templates (autoescaped, with i18n) -> MJML source and the plain-text part."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
)
from jinja2 import __version__ as jinja2_version
from jinja2.bccache import Bucket
from markupsafe import Markup

from digest.cache import private_cache_folder
from digest.config import Publication
from digest.errors import RenderError
from digest.mail.clicks import LinkPlan
from digest.mail.errors import describe_template_error
from digest.mail.i18n import (
    LOCALE_FOLDER,
    Strings,
    check_overrides,
    is_right_to_left,
)
from digest.mail.i18n import long_date as localized_date
from digest.mail.intro import intro_html, intro_text
from digest.mail.overrides import check_publication_blocks
from digest.mail.personal import Markers
from digest.mail.plaintext import tidy_text, wrap
from digest.mail.storytime import story_time
from digest.mail.theme import (
    BRIEFING_THUMBNAIL_PX,
    CONTENT_PX,
    THUMBNAIL_MAX_HEIGHT,
    THUMBNAIL_MAX_WIDTH,
    ImageBox,
    dark_palette,
    forward_link,
    image_box,
    lead_in,
    outlet_name,
    palettes,
    theme_options,
)
from digest.models import Correction, Edition, Sponsor, Story

log = logging.getLogger(__name__)

MJML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
# The shipped themes ([theme] name); "default/..." in a publication's template names the
# chosen one, so an override written for either keeps working.
THEMES = ("briefing", "classic")
DEFAULT_THEME = "briefing"
DEFAULT_ALIAS = "default"
SAFE_LINK_PREFIXES = ("http://", "https://", "mailto:")
# What XML 1.0 (and so MJML) refuses in text, and C1 controls no reader should see.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Font lists and hex colours: enough for a brand, too little to close a rule or a tag.
CSS_VALUE = re.compile(r"[A-Za-z0-9 ,'\"#.%-]{1,200}")
# Inbox lists show about this many characters of preview text; the filler pads up to it so
# nothing after the preheader (the masthead, the date) runs on into the inbox line.
PREVIEW_CHARS = 150
# Zero-width and non-breaking characters that clients count as text but show as nothing.
PREVIEW_FILLER = "\u00a0\u200c\u200b\u200d\u200e\u200f\ufeff"
# Compiled templates are kept here, in the user's cache folder, so a new process skips
# Jinja's compile (20-30 ms for the default theme); entries are keyed on the template's path
# and checked against its source, so a stale one is never used.
BYTECODE_FOLDER = "jinja"


@dataclass(frozen=True, slots=True)
class RenderedSource:
    """What the templates produced: MJML for the compiler and the finished text part."""

    mjml: str
    text: str


def themes_folder() -> Path:
    """Every shipped theme and their shared catalogs (top-level templates/ in a checkout)."""
    with as_file(files("digest.templates")) as folder:
        return Path(folder)


def theme_folder(name: str = DEFAULT_THEME) -> Path:
    """One shipped theme's templates."""
    return themes_folder() / name


def locale_folder() -> Path:
    """The message catalogs, shared by the themes (their strings overlap)."""
    return themes_folder() / LOCALE_FOLDER


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


class _TemplateBytecodeCache(FileSystemBytecodeCache):
    """Jinja's on-disk bytecode cache, keyed on the compile settings too; never an error.

    Jinja keys entries on the template's name and path and checks its source, but not on the
    environment's settings, which change the compiled code (autoescaping, extensions,
    delimiters): another digest version sharing the folder must not get our bytecode. A full
    disk or a read-only folder only means compiling.
    """

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        settings = _compile_settings(environment, name)
        return super().get_bucket(environment, f"{settings}|{name}", filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError as error:
            log.debug("template cache unreadable (%s); compiling", error)

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as error:
            log.debug("template cache not written (%s)", error)


@functools.cache
def bytecode_cache() -> BytecodeCache | None:
    """The compiled-template cache in the user's cache folder; None when there is none."""
    folder = private_cache_folder(BYTECODE_FOLDER)
    return _TemplateBytecodeCache(str(folder)) if folder is not None else None


def _compile_settings(environment: Environment, name: str) -> str:
    """A short digest of everything besides the source that shapes a compiled template."""
    autoescape = environment.autoescape
    settings = (
        jinja2_version,
        autoescape(name) if callable(autoescape) else autoescape,
        sorted(environment.extensions),
        sorted(environment.filters),
        sorted(environment.tests),
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
        getattr(environment.finalize, "__qualname__", None),
    )
    return hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()[:24]


def forget_templates() -> None:
    """Drop every compiled template held in memory (the preview calls it when one changes).

    Needed because Jinja only re-checks the file it loaded a template from: an override
    created in the publication's templates/ would otherwise hide behind the cached default.
    """
    make_environment.cache_clear()


def printable(value: Any) -> Any:
    """Every value a template prints, without control characters (C0 but tab and line ends,
    DEL, C1): a page's stray BEL or ESC would otherwise break the MJML parser, or a client."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        cleaned = CONTROL_CHARACTERS.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def preview_filler(preheader: str) -> str:
    """Invisible characters that pad the inbox preview after the preheader."""
    missing = max(0, PREVIEW_CHARS - len(preheader))
    return PREVIEW_FILLER * (missing // len(PREVIEW_FILLER) + 1)


@functools.lru_cache(maxsize=16)
def make_environment(
    publication_root: Path | None,
    language: str = "en",
    overrides: tuple[tuple[str, str], ...] = (),
    theme_name: str = DEFAULT_THEME,
) -> Environment:
    """Publication templates first, then the chosen theme (also reachable as default/...,
    and every theme by its name: briefing/..., classic/...).

    Cached per publication and language: compiled templates are reused, and Jinja2 still
    reloads a template whose file changed (auto_reload), which the live preview relies on; a
    template newly added in front of another needs `forget_templates()`. Compiled templates
    also go to `bytecode_cache()`.
    """
    themes = {name: FileSystemLoader(theme_folder(name)) for name in THEMES}
    chosen = themes[theme_name]
    loaders: list[Any] = []
    if publication_root is not None:
        # Added even before the folder exists, so one created during a preview is seen.
        loaders.append(FileSystemLoader(publication_root / "templates"))
    loaders += [PrefixLoader({DEFAULT_ALIAS: chosen, **themes}), chosen]
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=bytecode_cache(),
        finalize=printable,
    )
    strings = Strings(locale_folder(), language, overrides)
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        strings.gettext, strings.ngettext, newstyle=True
    )
    environment.filters.update(safe_url=safe_url, is_web_url=is_web_url, wrap=wrap, css=css_value)
    return environment


def format_long_date(day: date, language: str = "en") -> str:
    """The edition's date as a person writes it in the publication's language."""
    return localized_date(day, language)


def text_direction(publication: Publication) -> str:
    """`direction` from digest.toml, else the language's own (Arabic: rtl)."""
    if "direction" in publication.model_fields_set:
        return publication.direction
    return "rtl" if is_right_to_left(publication.language) else "ltr"


def _helpers(edition: Edition, publication: Publication) -> dict[str, Any]:
    """Functions the templates call: meta lines, image boxes, outlets, sponsors' places."""
    language, tz = publication.language, publication.tz

    def meta_of(story: Story) -> str:
        # Who, and when relative to the edition's day (`storytime`): never a made-up time.
        when = story_time(story.published, story.date_only, edition.date, tz, language)
        parts = (story.author or story.site_name, when)
        return " · ".join(part for part in parts if part)

    def full_box(item: Story | Sponsor) -> ImageBox | None:
        return image_box(item.image_width, item.image_height, CONTENT_PX)

    def thumb_box(item: Story | Sponsor) -> ImageBox | None:
        return image_box(
            item.image_width, item.image_height, THUMBNAIL_MAX_WIDTH, THUMBNAIL_MAX_HEIGHT
        )

    def small_box(item: Story | Sponsor) -> ImageBox | None:
        return image_box(
            item.image_width, item.image_height, BRIEFING_THUMBNAIL_PX, BRIEFING_THUMBNAIL_PX
        )

    def sponsors_after(place: str) -> list[Sponsor]:
        return [s for s in edition.sponsors if s.after.casefold() == place.casefold()]

    def story_corrections(story: Story) -> list[Correction]:
        # A web version's corrections beside the story they correct (by link, else headline).
        return [
            c
            for c in edition.own_corrections
            if (c.story_url and c.story_url == story.url) or c.story_title == story.title
        ]

    return {
        "meta_of": meta_of,
        "full_box": full_box,
        "thumb_box": thumb_box,
        "small_box": small_box,
        "lead_in": lead_in,
        "outlet": lambda item: outlet_name(getattr(item, "site_name", None), item.url),
        "sponsors_after": sponsors_after,
        "story_corrections": story_corrections,
        "long_day": lambda day: format_long_date(day, language),
    }


def render(
    edition: Edition,
    publication: Publication,
    *,
    publication_root: Path | None,
    unsubscribe_url: str | None,
    archive_url: str | None,
    markers: Markers | None = None,
    preferences_url: str | None = None,
    links: LinkPlan | None = None,
) -> RenderedSource:
    """Render the MJML source and the plain-text part of one edition.

    `preferences_url` is the reader's preference page, linked from the footer when given.
    `links` turns story links into click links and adds UTM parameters (`story_link()`).
    """
    overrides = tuple(sorted(publication.strings.items()))
    if overrides:
        check_overrides(publication.strings, locale_folder(), "digest.toml")
    options = theme_options(publication.theme)
    environment = make_environment(publication_root, publication.language, overrides, options.name)
    if publication_root is not None:
        check_publication_blocks(environment, publication_root / "templates")
    direction = text_direction(publication)

    def merge(field: str) -> str:
        """A merge field's marker, filled per reader at send time (e.g. merge("name"))."""
        return Markup(markers.merge(field)) if markers else ""

    def story_link(url: object) -> str:
        """A story's link as the email shows it: through /c/ when clicks count, else as is."""
        return safe_url(links.href(str(url)) if links and url else url)

    light, dark = palettes(publication.brand)
    context = {
        "edition": edition,
        "publication": publication,
        "brand": publication.brand,
        "theme": options,
        "dark": dark_palette(publication.brand),
        "light_colours": light,
        "dark_colours": dark,
        "direction": direction,
        "start": "right" if direction == "rtl" else "left",
        "end": "left" if direction == "rtl" else "right",
        "long_date": format_long_date(edition.date, publication.language),
        "unsubscribe_url": unsubscribe_url,
        "archive_url": archive_url,
        "subscribe_url": publication.subscribe_url,
        "preferences_url": preferences_url,
        "forward_url": forward_link(edition.subject, archive_url),
        "full_px": CONTENT_PX,
        "preview_filler": preview_filler(edition.preheader),
        "intro_html": intro_html(edition.intro) if edition.intro else "",
        "intro_text": intro_text(edition.intro) if edition.intro else "",
        "merge": merge,
        "story_link": story_link,
        "canary_url": links.canary_url if links else None,
        **_helpers(edition, publication),
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
            describe_template_error(error, publication_root, theme_folder(options.name))
        ) from None
    return RenderedSource(mjml=mjml, text=tidy_text(text))
