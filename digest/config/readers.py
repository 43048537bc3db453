"""digest.toml's readers' side: `[readers]` (the `digest serve` pages) and `[clicks]`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A confirmation link older than this confirms nobody: the sign-up is asked again.
DEFAULT_CONFIRM_HOURS = 48
MAX_CONFIRM_HOURS = 24 * 14
# Sign-ups one client address may make per hour; a person makes one, a script many.
DEFAULT_SIGNUPS_PER_IP_HOUR = 10
# How long an address waits before another confirmation message goes to it.
DEFAULT_RESEND_MINUTES = 10


class ReadersModel(BaseModel):
    """Unknown keys are errors (as in every part of digest.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _base_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.lower().startswith(("https://", "http://")):
        raise ValueError("must be an absolute https:// URL such as https://news.example.org/r/")
    if any(ch in value for ch in "{}?#\r\n\0 "):
        raise ValueError("must be a plain base address, without {placeholders}, ? or #")
    return value if value.endswith("/") else value + "/"


class Readers(ReadersModel):
    """The pages `digest serve` answers for readers: sign-up, confirmation, preferences.

    `url` is where readers reach the server (through the reverse proxy); the preference link in
    every footer, the confirmation links and click links are made from it.
    """

    url: str | None = None
    # POST {url}subscribe is accepted (double opt-in); false keeps the list closed.
    signup: bool = True
    confirm_hours: Annotated[int, Field(ge=1, le=MAX_CONFIRM_HOURS)] = DEFAULT_CONFIRM_HOURS
    signups_per_ip_hour: Annotated[int, Field(ge=1, le=10_000)] = DEFAULT_SIGNUPS_PER_IP_HOUR
    resend_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = DEFAULT_RESEND_MINUTES

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _base_url(value)


class Clicks(ReadersModel):
    """Counting clicks per story, never per reader (opt-in), and UTM parameters on links."""

    enabled: bool = False
    # utm_source (the publication), utm_medium=email, utm_campaign (the edition) on story links.
    utm: bool = False
