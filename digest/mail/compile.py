"""Compile: MJML -> HTML (mjml-python) -> CSS inlined for mail clients (premailer).

All MJML calls live here: the unrelated PyPI package `mjml` installs a module of the same
name, so the project depends on `mjml-python` only and touches it in this one place.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from digest.errors import RenderError
from digest.mail.errors import describe_mjml_error

log = logging.getLogger(__name__)

# Our inline-able rules start with this comment; every other <style> (MJML's resets, media
# queries, dark mode) is left in <head> untouched: inlining MJML's `table, td {...}` resets into
# every cell would cost kilobytes per article.
INLINE_MARKER = "/* digest:inline */"
STYLE_TAG = re.compile(r"<style\b([^>]*)>(.*?)</style>", re.DOTALL | re.IGNORECASE)
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


def inline_css(html: str) -> str:
    """Inline our rules with premailer, configured for email rather than its defaults."""
    from premailer import Premailer

    premailer = Premailer(
        html=_protect_head_styles(html),
        strip_important=False,  # the default strips !important and breaks media queries
        keep_style_tags=False,  # our inline block is dropped once inlined; ignored ones stay
        remove_classes=False,  # media queries and dark mode select by class
        allow_network=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        disable_link_rewrites=True,
    )
    try:
        out = str(premailer.transform(pretty_print=False))
    except Exception as error:  # premailer surfaces parser errors of many kinds
        raise RenderError(f"CSS inlining failed: {error}") from None
    return _restore_doctype(out)


def _restore_doctype(html: str) -> str:
    """lxml serialization may drop or rewrite the doctype; mail clients want the HTML5 one."""
    body = re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", html, flags=re.IGNORECASE)
    return "<!doctype html>" + body


def style_bytes(html: str) -> int:
    """Total bytes of all <style> blocks (Gmail drops a block over 16 KB)."""
    return sum(len(match.group(0).encode("utf-8")) for match in STYLE_TAG.finditer(html))


def compile_mjml(mjml_source: str) -> CompiledHtml:
    """MJML -> final, inlined HTML with its sizes."""
    html = inline_css(mjml_to_html(mjml_source))
    return CompiledHtml(
        html=html, html_bytes=len(html.encode("utf-8")), style_bytes=style_bytes(html)
    )
