"""The theme's fixed strings and dates in the publication's language.

Strings go through gettext catalogs shipped with the theme (templates/locale/, compiled
with `make catalogs`); a publication overrides any of them by its English text in digest.toml's
`[strings]`. Dates and times are formatted by Babel (CLDR) for the language and time zone.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.support import Translations

from digest.errors import ConfigError, Problem

DOMAIN = "digest"
LOCALE_FOLDER = "locale"
# The languages the theme ships translated; others fall back to English with a warning.
SHIPPED_LANGUAGES = ("en", "de", "fr", "es", "pt", "ar", "bn")
# CLDR's "full" date: "Friday, November 22, 2024", "Freitag, 22. November 2024".
LONG_DATE_FORMAT = "full"
SHORT_TIME_FORMAT = "short"


def babel_locale(language: str) -> Locale:
    """A BCP 47 tag ("pt-BR") or POSIX name ("pt_BR") as a Babel locale."""
    separator = "-" if "-" in language else "_"
    try:
        return Locale.parse(language, sep=separator)
    except (UnknownLocaleError, ValueError) as error:
        raise ValueError(f"unknown language {language!r} ({error})") from None


def is_right_to_left(language: str) -> bool:
    """True for languages written right to left (Arabic, Hebrew, Persian, Urdu...)."""
    return bool(babel_locale(language).character_order == "right-to-left")


@functools.lru_cache(maxsize=32)
def _catalog(locale_dir: Path, language: str) -> gettext_module.NullTranslations:
    locale = babel_locale(language)
    names = [str(locale), locale.language]
    return Translations.load(str(locale_dir), locales=names, domain=DOMAIN)


def catalog_msgids(locale_dir: Path) -> frozenset[str]:
    """Every string the shipped theme translates (the keys `[strings]` may use)."""
    catalog = _catalog(locale_dir, "de")
    messages = getattr(catalog, "_catalog", {})
    return frozenset(key for key in messages if isinstance(key, str) and key)


@dataclass(frozen=True)
class Strings:
    """gettext for one publication: its overrides first, then the language's catalog."""

    locale_dir: Path
    language: str
    overrides: tuple[tuple[str, str], ...] = ()

    def gettext(self, message: str) -> str:
        """The text for `message` in this publication."""
        for english, text in self.overrides:
            if english == message:
                return text
        return str(_catalog(self.locale_dir, self.language).gettext(message))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Singular or plural by the language's rules (overrides take the singular's key)."""
        for english, text in self.overrides:
            if english == (singular if count == 1 else plural):
                return text
        return str(_catalog(self.locale_dir, self.language).ngettext(singular, plural, count))


def check_overrides(overrides: Mapping[str, str], locale_dir: Path, source: str) -> None:
    """Every `[strings]` key must be a string of the theme: a typo must not pass silently."""
    known = catalog_msgids(locale_dir)
    problems = [
        Problem(source, f'strings."{key}"', "not a string of the theme (check the spelling)")
        for key in overrides
        if key not in known
    ]
    if problems:
        raise ConfigError(problems)


def long_date(day: date, language: str) -> str:
    """'Friday, November 22, 2024' in English, 'Freitag, 22. November 2024' in German."""
    return str(format_date(day, format=LONG_DATE_FORMAT, locale=babel_locale(language)))


def short_date(day: date, language: str) -> str:
    """'Nov 22, 2024' in English, '22.11.2024' in German: a story's day when its time is unknown."""
    return str(format_date(day, format="medium", locale=babel_locale(language)))


def short_time(moment: datetime, tz: tzinfo, language: str) -> str:
    """'3:48 PM' in English, '15:48' in German, in the publication's time zone."""
    local = moment.astimezone(tz)
    return str(format_time(local, format=SHORT_TIME_FORMAT, locale=babel_locale(language)))
