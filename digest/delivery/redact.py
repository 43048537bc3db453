"""Known secret values never reach the journal, the terminal or a log."""

from __future__ import annotations

from collections.abc import Callable, Iterable

REDACTED = "[secret]"
# Shorter values would blank out ordinary words; no real secret is this short.
MIN_SECRET_CHARS = 4


def redactor(secrets: Iterable[str | None]) -> Callable[[str], str]:
    """A function that replaces every known secret value in a text."""
    values = sorted(
        {value for value in secrets if value and len(value) >= MIN_SECRET_CHARS},
        key=len,
        reverse=True,  # a secret that contains another is replaced whole
    )

    def redact(text: str) -> str:
        for value in values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    return redact
