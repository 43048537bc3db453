"""Per-recipient values (unsubscribe link, merge fields) spliced into a message built once."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from digest.config import Publication
from digest.delivery.recipients import Recipient
from digest.delivery.tokens import make_token
from digest.errors import DigestError, ExitCode
from digest.mail.message import (
    MessageTemplate,
    PersonalHeaders,
    build_template,
    format_list_unsubscribe,
    format_to,
    message_id,
    parse_address,
    verify_message,
)

logger = logging.getLogger(__name__)

# Rendered into the bodies in place of the personal unsubscribe link. URL-safe ASCII with no
# "&", "<", ">", quotes or "=", so HTML escaping, premailer and quoted-printable leave it alone;
# the .invalid TLD (RFC 2606) guarantees it can never resolve if one ever leaked.
UNSUBSCRIBE_URL_MARKER = "https://unsubscribe.digest.invalid/personal-link"
# A merge field in a template renders as this marker, e.g. [[digest:name]]; same safety rules.
MERGE_MARKER_FORMAT = "[[digest:{field}]]"
MERGE_MARKER = re.compile(r"\[\[digest:([a-z][a-z0-9_]*)\]\]")
UNSUBSCRIBE_KEY = "unsubscribe_url"
# HMAC keys shorter than this are guessable; 16 characters of a random string is the floor.
MIN_SECRET_CHARS = 16
_LIST_LABEL = re.compile(r"[^a-z0-9]+")
_LIST_ID = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class PersonalizeError(DigestError):
    """The publication or the rendered bodies cannot give every recipient a personal link."""

    exit_code = ExitCode.CONFIG


def merge_marker(field: str) -> str:
    """The marker the build renders in place of a merge field's value."""
    return MERGE_MARKER_FORMAT.format(field=field)


def read_secret(env_name: str, environ: Mapping[str, str]) -> bytes:
    """The unsubscribe HMAC key from the environment (the value is never shown)."""
    value = environ.get(env_name, "")
    if len(value) < MIN_SECRET_CHARS:
        state = "is not set" if not value else f"is shorter than {MIN_SECRET_CHARS} characters"
        raise PersonalizeError(
            f"the environment variable {env_name} {state}; it holds the secret that signs "
            "unsubscribe links (set it to a long random string)"
        )
    return value.encode("utf-8")


def fill_link(template: str, token: str, address: str) -> str:
    """An unsubscribe URL or mailto template with {token} and {email} filled in."""
    return template.replace("{token}", token).replace("{email}", quote(address, safe="@"))


def list_id_for(publication: Publication) -> str:
    """The bare list identifier: `list_id` from digest.toml or name + From domain."""
    if publication.list_id:
        if not _LIST_ID.match(publication.list_id):
            raise PersonalizeError(
                f"list_id {publication.list_id!r} must look like a domain, e.g. daily.example.org"
            )
        return publication.list_id
    domain = parse_address(publication.from_address, "From address").domain
    ascii_name = unicodedata.normalize("NFKD", publication.name).encode("ascii", "ignore")
    label = _LIST_LABEL.sub("-", ascii_name.decode().lower()).strip("-") or "digest"
    return f"{label}.{domain}"


@dataclass(frozen=True, slots=True)
class Personalizer:
    """Turns a recipient into the bytes of their message."""

    template: MessageTemplate
    edition_key: str
    domain: str
    list_id: str
    url_template: str
    mailto_template: str | None
    secret: bytes
    merge_fields: frozenset[str]
    text_fields: frozenset[str] = frozenset()  # merge fields shown in the text part
    html_fields: frozenset[str] = frozenset()

    def unsubscribe_url(self, recipient: Recipient) -> str:
        """The recipient's personal https unsubscribe link."""
        token = make_token(self.secret, self.list_id, recipient.email)
        return fill_link(self.url_template, token, recipient.email)

    def message_id(self, recipient: Recipient) -> str:
        """Stable across retries and re-runs: derived from edition and address."""
        return message_id(f"{self.edition_key}\n{recipient.email.lower()}", self.domain)

    def render(self, recipient: Recipient) -> bytes:
        """The recipient's complete message (CRLF), without rendering anything again."""
        token = make_token(self.secret, self.list_id, recipient.email)
        url = fill_link(self.url_template, token, recipient.email)
        mailto = (
            fill_link(self.mailto_template, token, recipient.email)
            if self.mailto_template
            else None
        )
        headers = PersonalHeaders(
            to=format_to(recipient.email, recipient.name),
            message_id=self.message_id(recipient),
            list_unsubscribe=format_list_unsubscribe(url, mailto),
        )
        values = {field: recipient.field(field) for field in self.merge_fields}
        values[UNSUBSCRIBE_KEY] = url
        return self.template.render(headers, values)

    def verify(self, data: bytes, recipient: Recipient) -> None:
        """Parse strictly and check the personal link and merge values decoded intact."""
        url = self.unsubscribe_url(recipient)
        message = verify_message(
            data,
            expect_to=recipient.email,
            expect_in_text=[url, *(recipient.field(f) for f in self.text_fields)],
            expect_in_html=[url, *(recipient.field(f) for f in self.html_fields)],
        )
        if url not in str(message.get("List-Unsubscribe", "")):
            raise PersonalizeError("the List-Unsubscribe header lost the personal link")


def _as_mailto(value: str | None) -> str | None:
    if not value:
        return None
    return value if value.lower().startswith("mailto:") else f"mailto:{value}"


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
) -> Personalizer:
    """Build the message once for an edition, ready to personalize per recipient."""
    settings = publication.unsubscribe
    if not settings.url:
        raise PersonalizeError(
            "digest.toml: [unsubscribe] url is not set; every message needs a personal "
            "unsubscribe link, e.g. https://example.org/unsubscribe?t={token}"
        )
    if "{token}" not in settings.url:
        raise PersonalizeError("digest.toml: [unsubscribe] url must contain {token}")
    for part_name, body in (("text", text), ("HTML", html)):
        if UNSUBSCRIBE_URL_MARKER not in body:
            raise PersonalizeError(
                f"the rendered {part_name} part shows no unsubscribe link; the template must "
                "print unsubscribe_url"
            )
    text_fields = frozenset(MERGE_MARKER.findall(text))
    html_fields = frozenset(MERGE_MARKER.findall(html))
    used = text_fields | html_fields
    unknown = sorted(used - set(available_fields))
    if unknown:
        raise PersonalizeError(
            "the digest uses merge fields the recipient list lacks: " + ", ".join(unknown)
        )
    list_id = list_id_for(publication)
    markers = {merge_marker(field): field for field in used}
    markers[UNSUBSCRIBE_URL_MARKER] = UNSUBSCRIBE_KEY
    from_address = parse_address(publication.from_address, "From address")
    template = build_template(
        sender=publication.from_address,
        reply_to=publication.reply_to,
        subject=subject,
        text=text,
        html=html,
        date=date,
        list_id=f"{publication.name} <{list_id}>",
        one_click=True,
        markers=markers,
    )
    logger.debug("message template built with %d merge fields", len(used))
    return Personalizer(
        template=template,
        edition_key=edition_key,
        domain=from_address.domain,
        list_id=list_id,
        url_template=settings.url,
        mailto_template=_as_mailto(settings.mailto),
        secret=secret,
        merge_fields=frozenset(used),
        text_fields=text_fields,
        html_fields=html_fields,
    )
