"""Signed personalization for a send: the secret, and the message built once for a list.

The markers, the message template and the Personalizer live in `digest.mail.personal`, shared
with `digest build` (which signs every link with the preview token); a send signs each
reader's link with the publication's secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from digest.config import Publication
from digest.delivery.tokens import Purpose, token_key
from digest.mail.personal import (
    DEFAULT_MARKERS,
    UNSUBSCRIBE_KEY,
    UNSUBSCRIBE_URL_MARKER,
    Markers,
    PersonalizeError,
    Personalizer,
    fill_link,
    list_id_for,
    merge_marker,
    preferences_link,
    prepare_message,
)
from digest.mail.tags import tag_key

logger = logging.getLogger(__name__)

# HMAC keys shorter than this are guessable; 16 characters of a random string is the floor.
MIN_SECRET_CHARS = 16

__all__ = [
    "MIN_SECRET_CHARS",
    "UNSUBSCRIBE_KEY",
    "UNSUBSCRIBE_URL_MARKER",
    "Markers",
    "PersonalizeError",
    "Personalizer",
    "fill_link",
    "list_id_for",
    "merge_marker",
    "prepare",
    "read_secret",
]


def read_secret(env_name: str, environ: Mapping[str, str]) -> bytes:
    """The unsubscribe HMAC key from the environment (the value is never shown)."""
    value = environ.get(env_name, "")
    if len(value) < MIN_SECRET_CHARS:
        state = "is not set" if not value else f"is shorter than {MIN_SECRET_CHARS} characters"
        raise PersonalizeError(
            f"the environment variable {env_name} {state}; it holds the secret that signs "
            "unsubscribe links and bounce tags (set it to a long random string, the same "
            "for send, serve and bounces import)"
        )
    return value.encode("utf-8")


def prepare(
    publication: Publication,
    *,
    edition_key: str,
    subject: str,
    text: str,
    html: str,
    date: datetime,
    secret: bytes,
    available_fields: Iterable[str] = (),
    markers: Markers = DEFAULT_MARKERS,
    replies_to: str | None = None,
    issued: float | None = None,
) -> Personalizer:
    """Build the message once for a send; each reader's links and tag are signed with `secret`.

    `replies_to`: the edition whose copy each message answers (a correction notice). Every
    token of one send is issued at one moment (`issued`, the message's Date by default), so a
    message rendered twice carries the same links.
    """
    return prepare_message(
        publication,
        edition_key=edition_key,
        subject=subject,
        text=text,
        html=html,
        date=date,
        sign=reader_signer(secret, publication, date.timestamp() if issued is None else issued),
        markers=markers,
        available_fields=available_fields,
        tag_key=tag_key(secret),
        replies_to=replies_to,
        preferences_template=preferences_link(publication),
    )


def reader_signer(secret: bytes, publication: Publication, issued: float) -> Callable[[str], str]:
    """address -> the reader's opaque token (unsubscribe and preference links)."""
    key = token_key(secret, list_id_for(publication))

    def sign(address: str) -> str:
        return key.make(Purpose.READER, address, issued=issued)

    return sign
