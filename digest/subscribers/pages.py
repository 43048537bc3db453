"""The readers' pages: autoescaped templates in the publication's language, overridable by it.

Fixed strings go through the server's own message catalogs (`digest/subscribers/locale/`,
compiled by `make catalogs`), in the language digest.toml names; a language without a
catalog shows English.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from digest.config import Publication
from digest.mail.i18n import Strings

PAGE_TEMPLATE = "unsubscribe.html.j2"
READERS_TEMPLATE = "readers.html.j2"
LOCALE_FOLDER = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Marks a string for the catalog; it is translated where it is shown."""
    return message


# Each state's heading; the text under it lives in the templates.
TITLES = {
    "confirm": N_("Unsubscribe"),
    "done": N_("You are unsubscribed"),
    "already": N_("You are already unsubscribed"),
    "preview": N_("This is a preview link"),
    "invalid": N_("This link does not work"),
    "expired": N_("This link has expired"),
    "missing": N_("Nothing was changed"),
    "too_large": N_("Nothing was changed"),
    "method": N_("Not allowed"),
    "not_found": N_("Not found"),
    "error": N_("Please try again later"),
}
READER_TITLES = {
    **TITLES,
    "signup": N_("Subscribe to %(name)s"),
    "signup_sent": N_("Check your inbox"),
    "signup_invalid": N_("Check the address"),
    "signup_closed": N_("Sign-up is closed"),
    "busy": N_("Too many requests"),
    "confirm": N_("Confirm your subscription"),
    "confirmed": N_("You are subscribed"),
    "preferences": N_("Your subscription"),
    "change_sent": N_("Check the new inbox"),
    "change": N_("Change your address"),
    "changed": N_("Address changed"),
    "click_preview": N_("This is a preview link"),
    "click_gone": N_("Link not available"),
    "canary": N_("Not found"),
}


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered page with the HTTP status it goes out with."""

    status: int
    state: str
    html: bytes


def strings_for(publication: Publication) -> Strings:
    """gettext for the server's pages and messages, in the publication's language."""
    return Strings(LOCALE_FOLDER, publication.language)


@functools.lru_cache(maxsize=8)
def _environment(publication_root: Path | None, language: str) -> Environment:
    loaders: list[FileSystemLoader | PackageLoader] = []
    if publication_root is not None:
        loaders.append(FileSystemLoader(publication_root / "templates"))
    loaders.append(PackageLoader("digest.subscribers", "templates"))
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    strings = Strings(LOCALE_FOLDER, language)
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        strings.gettext, strings.ngettext, newstyle=True
    )
    return environment


def _render(
    template: str,
    titles: dict[str, str],
    publication: Publication,
    publication_root: Path | None,
    state: str,
    status: int,
    values: dict[str, Any],
) -> Page:
    brand = publication.brand
    strings = strings_for(publication)
    title = strings.gettext(titles[state])
    if "%(name)s" in title:
        title = title % {"name": publication.name}
    context = {
        "state": state,
        "title": title,
        "name": publication.name,
        "address": "",
        "reader_name": "",
        "notice": "",
        "language": publication.language,
        "direction": publication.direction,
        "color": brand.color,  # hex colours, validated by config
        "text_color": brand.text_color,
        "background": brand.background,
        **values,
    }
    html = _environment(publication_root, publication.language).get_template(template)
    return Page(status, state, html.render(context).encode("utf-8"))


def render_page(
    publication: Publication,
    publication_root: Path | None,
    state: str,
    status: int,
    address: str = "",
) -> Page:
    """One state of the unsubscribe page, in the publication's language and colours."""
    values = {"address": address}
    return _render(PAGE_TEMPLATE, TITLES, publication, publication_root, state, status, values)


def readers_page(
    publication: Publication,
    publication_root: Path | None,
    state: str,
    status: int,
    **values: Any,
) -> Page:
    """One state of the readers' pages (sign-up, confirmation, preferences, clicks)."""
    return _render(
        READERS_TEMPLATE, READER_TITLES, publication, publication_root, state, status, values
    )
