"""The `digest summarize` command's logic: plain text in, a summary out."""

from __future__ import annotations

import re

from digest.summarize import DEFAULT_METHOD, summarize

# The publication's usual summary length; digest.toml can set another.
DEFAULT_MAX_CHARS = 350

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain-text article: blocks separated by blank lines."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def summarize_text(
    text: str, max_chars: int = DEFAULT_MAX_CHARS, method: str = DEFAULT_METHOD
) -> str:
    """Summarize a plain-text article whose paragraphs are separated by blank lines."""
    return summarize(split_paragraphs(text.replace("\r\n", "\n")), max_chars, method)
