"""Compile: MJML -> HTML (mjml-python) -> CSS inlined for mail clients (premailer).

All MJML calls live here: the unrelated PyPI package `mjml` installs a module of the same
name, so the project depends on `mjml-python` only and touches it in this one place.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from digest.errors import RenderError
from digest.mail.errors import describe_mjml_error

log = logging.getLogger(__name__)

# Our inline-able rules start with this comment; every other <style> (MJML's resets, media
# queries, dark mode) is left in <head> untouched: inlining MJML's `table, td {...}` resets into
# every cell would cost kilobytes per article.
INLINE_MARKER = "/* digest:inline */"
STYLE_TAG = re.compile(r"<style\b([^>]*)>(.*?)</style>", re.DOTALL | re.IGNORECASE)
# The themes name the body's role description through the catalogs in this <meta>; MJML
# writes aria-roledescription="email" in English whatever the language.
ROLE_META = re.compile(r'<meta name="x-digest-roledescription" content="([^"<>]*)"\s*/?>\s*')
MJML_ROLE = 'aria-roledescription="email"'
# premailer's marker on the <style> blocks it was told to leave alone: needed while it runs,
# meaningless (and invalid HTML) in the email.
PREMAILER_MARK = re.compile(r'\s+data-premailer="ignore"')
GMAIL_CLIP_BYTES = 102_400  # Gmail clips HTML bodies above ~102 KB
GMAIL_STYLE_BYTES = 16_384  # Gmail drops a <style> block larger than this


@dataclass(frozen=True, slots=True)
class CompiledHtml:
    """The final HTML and its measured sizes."""

    html: str
    html_bytes: int
    style_bytes: int


def mjml_to_html(mjml_source: str) -> str:
    """Compile MJML with mjml-python (the Rust MRML port)."""
    from mjml import mjml2html

    try:
        return str(mjml2html(mjml_source, disable_comments=True))
    except Exception as error:  # the binding raises plain exceptions with MRML's message
        raise RenderError(describe_mjml_error(mjml_source, str(error))) from None


def _protect_head_styles(html: str) -> str:
    """Mark every <style> but ours with data-premailer="ignore" so premailer leaves it be."""

    def mark(match: re.Match[str]) -> str:
        attributes, body = match.group(1), match.group(2)
        if INLINE_MARKER in body or "data-premailer" in attributes:
            return match.group(0)
        return f'<style{attributes} data-premailer="ignore">{body}</style>'

    return STYLE_TAG.sub(mark, html)


class _ImportedOnUse(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then imports it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


_IMPORT_LOCK = threading.Lock()


@contextmanager
def _imported_on_use(name: str) -> Iterator[None]:
    """While inside, `import name` gets a stand-in; afterwards, imports are normal again."""
    with _IMPORT_LOCK:
        if name in sys.modules:
            yield
            return
        stand_in = _ImportedOnUse(name)
        sys.modules[name] = stand_in
        try:
            yield
        finally:
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


@functools.cache
def _premailer_class() -> Any:
    """premailer's class, imported and made ready once per process, for as little as possible.

    premailer imports `requests` (about a third of its import time) only to fetch remote
    stylesheets, which digest never lets it do (`allow_network=False`): requests is imported
    if premailer ever touches it, not before. And premailer validates every inline style with
    cssutils even when told not to (`merge_styles` ignores `disable_validation`); validation
    only logs, and compiling cssutils' validation patterns is most of the first call (~40 ms),
    so cssutils gets no property profiles to validate against. digest is its only user here.
    """
    with _imported_on_use("requests"):
        from premailer import Premailer
    import cssutils

    cssutils.profile.removeProfile(all=True)
    return Premailer


def inline_css(html: str) -> str:
    """Inline our rules with premailer, configured for email rather than its defaults."""
    premailer = _premailer_class()(
        html=_protect_head_styles(html),
        strip_important=False,  # the default strips !important and breaks media queries
        keep_style_tags=False,  # our inline block is dropped once inlined; ignored ones stay
        remove_classes=False,  # media queries and dark mode select by class
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        disable_link_rewrites=True,
        # The theme writes every width and height attribute itself (images' real pixel
        # sizes); premailer would copy CSS such as `width: 100%` or `height: auto` over them.
        # bgcolor too: premailer puts it on any element with a background, <div> included,
        # where it is invalid; the themes write it on the table cells that need it.
        disable_basic_attributes=["width", "height", "bgcolor"],
    )
    try:
        out = str(premailer.transform(pretty_print=False))
    except Exception as error:  # premailer surfaces parser errors of many kinds
        raise RenderError(f"CSS inlining failed: {error}") from None
    return _restore_doctype(PREMAILER_MARK.sub("", out))


def localize_role(html: str) -> str:
    """The body's aria-roledescription in the edition's language, from the theme's <meta>."""
    found = ROLE_META.search(html)
    if found is None:
        return html
    html = html[: found.start()] + html[found.end() :]
    return html.replace(MJML_ROLE, f'aria-roledescription="{found.group(1)}"', 1)


def _restore_doctype(html: str) -> str:
    """lxml serialization may drop or rewrite the doctype; mail clients want the HTML5 one."""
    body = re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", html, flags=re.IGNORECASE)
    return "<!doctype html>" + body


def style_bytes(html: str) -> int:
    """Total bytes of all <style> blocks (Gmail drops a block over 16 KB)."""
    return sum(len(match.group(0).encode("utf-8")) for match in STYLE_TAG.finditer(html))


def compile_mjml(mjml_source: str) -> CompiledHtml:
    """MJML -> final, inlined HTML with its sizes."""
    html = inline_css(localize_role(mjml_to_html(mjml_source)))
    return CompiledHtml(
        html=html, html_bytes=len(html.encode("utf-8")), style_bytes=style_bytes(html)
    )
