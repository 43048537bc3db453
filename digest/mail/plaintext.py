"""The plain-text part's shaping: lines wrapped at 72 characters, blank runs collapsed."""

from __future__ import annotations

import functools
import textwrap

# Plain-text lines wrap here: readable in any client, and under RFC 5322's 78-character advice.
TEXT_WIDTH = 72
# Wrapped summaries kept between rebuilds of the preview: a few hundred stories, a few times.
WRAP_MEMO_ENTRIES = 2_048


def wrap(value: object, indent: str = "", first: str | None = None) -> str:
    """Wrap plain text for the text part without breaking URLs or long words.

    `first` starts the first line instead of `indent` (a bullet: "* " then "  ").
    """
    return _wrapped(str(value), indent, indent if first is None else first)


@functools.lru_cache(maxsize=WRAP_MEMO_ENTRIES)
def _wrapped(text: str, indent: str, first: str) -> str:
    # textwrap is a large part of rendering a big edition; unchanged summaries reuse theirs.
    return textwrap.fill(
        text,
        width=TEXT_WIDTH,
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def tidy_text(text: str) -> str:
    """Collapse runs of blank lines the template's conditionals leave behind."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip() + "\n"
