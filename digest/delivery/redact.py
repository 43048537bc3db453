"""Known secret values never reach the journal, the terminal or a log."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable

REDACTED = "[secret]"
# Shorter values would blank out ordinary words; no real secret is this short.
MIN_SECRET_CHARS = 4


def credential_forms(username: str | None, password: str | None) -> list[str]:
    """The password as a server may echo it back: plain, or as AUTH LOGIN / PLAIN sent it."""
    if not password:
        return []
    forms = [password, base64.b64encode(password.encode()).decode("ascii")]
    for authzid in ("", username or ""):  # AUTH PLAIN: authzid NUL user NUL password
        blob = f"{authzid}\0{username or ''}\0{password}".encode()
        forms.append(base64.b64encode(blob).decode("ascii"))
    return forms


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
