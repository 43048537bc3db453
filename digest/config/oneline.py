"""One-line values (subjects, titles, names): no character that breaks or reorders a line.

Fine inside a paragraph, a line or paragraph separator would end a mail header; a control
character has no business in a headline; a bidirectional override can make a subject read
differently from what it says. The editor hears about them when the file is loaded.
"""

from __future__ import annotations

LINE_BREAKS = frozenset("\r\n\x0b\x0c\x85\u2028\u2029")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def line_problem(value: str) -> str | None:
    """Why `value` cannot be a one-line text, or None."""
    for character in value:
        code = f"U+{ord(character):04X}"
        if character in LINE_BREAKS:
            return f"must be one line; it holds a line break ({code})"
        if character in BIDI_CONTROLS:
            return f"holds a bidirectional control ({code}), which can make it read differently"
        if (ord(character) < 0x20 and character != "\t") or 0x7F <= ord(character) < 0xA0:
            return f"holds a control character ({code})"
    return None


def check_one_line(value: str | None) -> str | None:
    """A pydantic validator body: the value, or ValueError saying what is in it."""
    if value is not None:
        problem = line_problem(value)
        if problem:
            raise ValueError(problem)
    return value
