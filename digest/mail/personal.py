"""Personal values (unsubscribe link, merge fields) spliced into a message built once.

The templates place markers; each recipient's message is the shared serialization with the
markers' slots filled. Markers carry a nonce derived from the whole edition's content, so no
article text can hold one (it would have to contain a hash of itself): a marker typed into a
title, summary, link or body is printed literally and never filled, and an unknown one never
blocks a send. `digest build` runs the same code with the token `preview` for a sample reader,
so the built .eml is the message a reader gets, headers and body.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from digest.config import Publication
from digest.errors import DigestError, ExitCode
from digest.mail.message import (
    MessageTemplate,
    PersonalHeaders,
    build_template,
    format_list_unsubscribe,
    format_to,
    parse_address,
    verify_message,
)
from digest.mail.tags import PREVIEW_TAG_KEY, fill_return_path, make_tag, tagged_message_id

logger = logging.getLogger(__name__)

# What `digest build` and the preview put in links: no secret is needed to build, and the
# unsubscribe endpoint answers it with a calm page and records nothing.
PREVIEW_TOKEN = "preview"
# The markers of hand-built bodies (tests, benchmarks). The build never uses this nonce: it
# derives one from the edition's content.
DEFAULT_NONCE = "personal-link"
# Hex digits of SHA-256 in a content nonce: 80 bits, far beyond guessing or colliding.
NONCE_HEX_CHARS = 20
FIELD_NAME = r"[a-z][a-z0-9_]*"
UNSUBSCRIBE_KEY = "unsubscribe_url"
PREFERENCES_KEY = "preferences_url"
_LIST_LABEL = re.compile(r"[^a-z0-9]+")
_LIST_ID = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class PersonalizeError(DigestError):
    """The publication or the rendered bodies cannot give every recipient a personal link."""

    exit_code = ExitCode.CONFIG


class Addressee(Protocol):
    """A reader as personalization sees one: an address, a name and merge values."""

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    def field(self, name: str) -> str: ...


@dataclass(frozen=True, slots=True)
class SampleReader:
    """The reader of the built .eml and the preview: a placeholder address, no fields."""

    email: str
    name: str | None = None

    def field(self, name: str) -> str:
        """The address for `email`; every other merge field is empty."""
        return self.email if name == "email" else ""


@dataclass(frozen=True, slots=True)
class Markers:
    """The marker strings one build's templates place; only they are ever filled.

    URL-safe ASCII without "&", "<", ">", quotes or "=", so HTML escaping, premailer and
    quoted-printable leave them alone; the .invalid TLD (RFC 2606) never resolves.
    """

    nonce: str

    @classmethod
    def for_content(cls, *parts: str) -> Markers:
        """Markers whose nonce is a hash of everything the email shows (deterministic)."""
        digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass"))
        return cls(digest.hexdigest()[:NONCE_HEX_CHARS])

    @property
    def unsubscribe_url(self) -> str:
        """Rendered in place of the personal unsubscribe link."""
        return f"https://unsubscribe.digest.invalid/{self.nonce}"

    @property
    def preferences_url(self) -> str:
        """Rendered in place of the personal preference-page link."""
        return f"https://preferences.digest.invalid/{self.nonce}"

    def merge(self, field: str) -> str:
        """Rendered in place of a merge field's value, e.g. the reader's name."""
        return f"[[digest-{self.nonce}:{field}]]"

    def fields_in(self, body: str) -> frozenset[str]:
        """The merge fields this build's markers name in `body`."""
        pattern = re.compile(r"\[\[digest-" + re.escape(self.nonce) + r":(" + FIELD_NAME + r")\]\]")
        return frozenset(pattern.findall(body))


DEFAULT_MARKERS = Markers(DEFAULT_NONCE)
UNSUBSCRIBE_URL_MARKER = DEFAULT_MARKERS.unsubscribe_url


def merge_marker(field: str) -> str:
    """The default marker of a merge field (hand-built bodies; builds use their own)."""
    return DEFAULT_MARKERS.merge(field)


def fill_link(template: str, token: str) -> str:
    """An unsubscribe or preference URL (or mailto) template with its {token} filled in.

    The token is opaque: no link carries the reader's address (config refuses `{email}`).
    """
    return template.replace("{token}", token)


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


def preferences_link(publication: Publication) -> str | None:
    """The preference page's URL template, when `[readers] url` says where the server is."""
    base = publication.readers.url
    return f"{base}p/{{token}}" if base else None


def preview_token(_address: str) -> str:
    """The signer of built files and the preview: one token that names nobody."""
    return PREVIEW_TOKEN


@dataclass(frozen=True, slots=True)
class Personalizer:
    """Turns a reader into the bytes of their message."""

    template: MessageTemplate
    edition_key: str
    domain: str
    list_id: str
    url_template: str | None  # None only for a build of a publication without one
    mailto_template: str | None
    sign: Callable[[str], str]  # address -> unsubscribe token
    merge_fields: frozenset[str]
    text_fields: frozenset[str] = frozenset()  # merge fields shown in the text part
    html_fields: frozenset[str] = frozenset()
    tag_key: bytes = PREVIEW_TAG_KEY  # a send's is derived from the secret (digest.mail.tags)
    sender: str = ""  # the From address: the envelope sender without [bounces] return_path
    return_path: str | None = None  # [bounces] return_path, may hold {tag}
    replies_to: str | None = None  # an edition whose copy each message answers (a correction)
    preferences_template: str | None = None  # `[readers] url` + "p/{token}", when placed

    def unsubscribe_url(self, recipient: Addressee, token: str | None = None) -> str:
        """The reader's personal https unsubscribe link ('' without [unsubscribe] url)."""
        if self.url_template is None:
            return ""
        return fill_link(self.url_template, token or self.sign(recipient.email))

    def preferences_url(self, recipient: Addressee, token: str | None = None) -> str:
        """The reader's preference page ('' when the templates show none)."""
        if self.preferences_template is None:
            return ""
        return fill_link(self.preferences_template, token or self.sign(recipient.email))

    def tag(self, recipient: Addressee) -> str:
        """The HMAC tag proving a report is about this reader's copy of this edition."""
        return make_tag(self.tag_key, self.edition_key, recipient.email)

    def message_id(self, recipient: Addressee) -> str:
        """Stable across retries and re-runs: derived from edition, address and the key."""
        return tagged_message_id(self.tag(recipient), self.domain)

    def original_id(self, recipient: Addressee) -> str | None:
        """The Message-ID of the reader's copy of the edition this message answers."""
        if self.replies_to is None:
            return None
        tag = make_tag(self.tag_key, self.replies_to, recipient.email)
        return tagged_message_id(tag, self.domain)

    def envelope_sender(self, recipient: Addressee) -> str:
        """MAIL FROM, where bounces go: `[bounces] return_path` (tagged) or the From address."""
        if self.return_path is None:
            return self.sender
        return fill_return_path(self.return_path, self.tag(recipient))

    def render(self, recipient: Addressee) -> bytes:
        """The reader's complete message (CRLF), without rendering anything again."""
        token = self.sign(recipient.email)  # one token: unsubscribe and preferences
        url = self.unsubscribe_url(recipient, token)
        mailto = fill_link(self.mailto_template, token) if self.mailto_template else None
        headers = PersonalHeaders(
            to=format_to(recipient.email, recipient.name),
            message_id=self.message_id(recipient),
            list_unsubscribe=format_list_unsubscribe(url, mailto) if url else None,
            in_reply_to=self.original_id(recipient),
        )
        values = {field: recipient.field(field) for field in self.merge_fields}
        values[UNSUBSCRIBE_KEY] = url
        values[PREFERENCES_KEY] = self.preferences_url(recipient, token)
        return self.template.render(headers, values)

    def verify(self, data: bytes, recipient: Addressee) -> None:
        """Parse strictly and check the personal links and merge values decoded intact."""
        token = self.sign(recipient.email)
        url = self.unsubscribe_url(recipient, token)
        links = [url, *filter(None, [self.preferences_url(recipient, token)])]
        message = verify_message(
            data,
            expect_to=recipient.email,
            expect_in_text=[*links, *(recipient.field(f) for f in self.text_fields)],
            expect_in_html=[*links, *(recipient.field(f) for f in self.html_fields)],
        )
        if url not in str(message.get("List-Unsubscribe", "")):
            raise PersonalizeError("the List-Unsubscribe header lost the personal link")


def _as_mailto(value: str | None) -> str | None:
    if not value:
        return None
    return value if value.lower().startswith("mailto:") else f"mailto:{value}"


def prepare_message(
    publication: Publication,
    *,
    edition_key: str,
    subject: str,
    text: str,
    html: str,
    date: datetime,
    sign: Callable[[str], str],
    markers: Markers = DEFAULT_MARKERS,
    available_fields: Iterable[str] | None = None,
    require_unsubscribe: bool = True,
    tag_key: bytes = PREVIEW_TAG_KEY,
    replies_to: str | None = None,
    preferences_template: str | None = None,
) -> Personalizer:
    """Build the message once for an edition, ready to personalize per reader.

    `preferences_template` is the preference page's URL with `{token}` (see
    `preferences_link`), filled where the templates placed `markers.preferences_url`.
    `available_fields` are the columns of the recipient list; None (a build) fills any merge
    field the templates use, empty where the sample reader has no value. A build passes
    `require_unsubscribe=False` so that a publication without [unsubscribe] still builds
    (and `digest check` says what is missing); a send never does. `tag_key` makes the
    Message-IDs and return paths provable (a send's comes from the secret). With
    `replies_to` (an edition's key), each message answers the reader's copy of that edition
    (In-Reply-To and References: its Message-ID, derived as the send derived it).
    """
    settings = publication.unsubscribe
    if not settings.url and require_unsubscribe:
        raise PersonalizeError(
            "digest.toml: [unsubscribe] url is not set; every message needs a personal "
            "unsubscribe link, e.g. https://example.org/unsubscribe?t={token}"
        )
    if settings.url and "{token}" not in settings.url:
        raise PersonalizeError("digest.toml: [unsubscribe] url must contain {token}")
    for part_name, body in (("text", text), ("HTML", html)):
        if require_unsubscribe and markers.unsubscribe_url not in body:
            raise PersonalizeError(
                f"the rendered {part_name} part shows no unsubscribe link; the template must "
                "print unsubscribe_url"
            )
    text_fields, html_fields = markers.fields_in(text), markers.fields_in(html)
    used = text_fields | html_fields
    if available_fields is not None:
        unknown = sorted(used - set(available_fields))
        if unknown:
            raise PersonalizeError(
                "the templates use merge fields the recipient list lacks: " + ", ".join(unknown)
            )
    list_id = list_id_for(publication)
    slots = {markers.merge(field): field for field in used}
    if settings.url and (markers.unsubscribe_url in text or markers.unsubscribe_url in html):
        slots[markers.unsubscribe_url] = UNSUBSCRIBE_KEY
    if markers.preferences_url not in text and markers.preferences_url not in html:
        preferences_template = None  # the templates show no preference link
    if preferences_template is not None:
        slots[markers.preferences_url] = PREFERENCES_KEY
    template = build_template(
        sender=publication.from_address,
        reply_to=publication.reply_to,
        subject=subject,
        text=text,
        html=html,
        date=date,
        list_id=f"{publication.name} <{list_id}>",
        one_click=True,
        markers=slots,
    )
    logger.debug("message template built with %d merge fields", len(used))
    from_address = parse_address(publication.from_address, "From address")
    return Personalizer(
        template=template,
        edition_key=edition_key,
        domain=from_address.domain,
        list_id=list_id,
        url_template=settings.url,
        mailto_template=_as_mailto(settings.mailto),
        sign=sign,
        merge_fields=frozenset(used),
        text_fields=text_fields,
        html_fields=html_fields,
        tag_key=tag_key,
        sender=from_address.addr_spec,
        return_path=publication.bounces.return_path,
        replies_to=replies_to,
        preferences_template=preferences_template,
    )
