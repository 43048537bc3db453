"""The MIME message: multipart/alternative (text, then HTML) with safe headers."""

from __future__ import annotations

import binascii
import email
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import SMTP, strict
from email.utils import format_datetime, parseaddr

from digest.errors import DigestError, ExitCode
from digest.mail.headers import (
    EncodedHeader,
    HeaderError,
    address_header,
    check_addr_spec,
    check_name,
    header_line,
    list_id_header,
    mailbox,
    subject_header,
)

# Placeholder recipient for the built .eml, which is for review and never sent.
PLACEHOLDER_RECIPIENT = "reader@example.invalid"
FORBIDDEN_HEADER_CHARS = ("\r", "\n", "\0")
CRLF = "\r\n"
# RFC 2045: quoted-printable lines are at most 76 characters.
QP_MAX_LINE = 76
# RFC 5322 asks headers to stay within 78 characters when they can; longer ones are folded.
HEADER_SOFT_LIMIT = 78
# RFC 5322 / 5321 hard limit for any line, CRLF excluded.
HEADER_HARD_LIMIT = 998
_URL_SAFE_IN_HEADER = re.compile(r"^[!-~]+$")  # printable ASCII, no spaces
BOUNDARY_PREFIX = "==digest-"  # "==" never occurs in quoted-printable text


class PersonalizationError(DigestError):
    """A personalized message came out different from what was meant (a bug, not user error)."""

    exit_code = ExitCode.RENDER


def safe_header(name: str, value: str) -> str:
    """Refuse CR, LF and NUL in a header value; they never reach a header."""
    if any(ch in value for ch in FORBIDDEN_HEADER_CHARS):
        raise HeaderError(f"the {name} contains a line break or NUL character, which is refused")
    return value


def parse_address(text: str, what: str) -> Address:
    """'Name <user@host>' -> Address, refusing anything that isn't one clean address."""
    safe_header(what, text)
    name, addr = parseaddr(text)
    check_name(name, f"{what} name")
    if "@" not in addr:
        raise HeaderError(f"the {what} {text!r} is not an email address")
    check_addr_spec(addr, what)
    username, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=name, username=username, domain=domain)
    except (ValueError, IndexError) as error:
        raise HeaderError(f"the {what} {text!r} is not a valid address: {error}") from None


def _address(header: str, address: Address, what: str) -> EncodedHeader:
    """An address header written by digest.mail.headers (never re-parsed by the library)."""
    return address_header(header, address.display_name, address.addr_spec, what)


def message_id(seed: str, domain: str) -> str:
    """A Message-ID derived from its inputs, so a rebuild (or a retry) gives the same one."""
    digest_hex = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    return f"<{digest_hex}@{domain}>"


def _boundary(*bodies: str) -> str:
    """A MIME boundary derived from the content, so the same inputs give the same bytes."""
    seed = hashlib.sha256("\0".join(bodies).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{BOUNDARY_PREFIX}{seed[:32]}"


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    date: datetime,
    id_seed: str,
    reply_to: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A complete multipart/alternative message, text part first then HTML."""
    message = EmailMessage(policy=SMTP)
    from_address = parse_address(sender, "From address")
    message["From"] = _address("From", from_address, "From address")
    message["To"] = _address("To", parse_address(to, "recipient"), "recipient")
    if reply_to:
        reply = parse_address(reply_to, "Reply-To address")
        message["Reply-To"] = _address("Reply-To", reply, "Reply-To address")
    message["Subject"] = subject_header(subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(id_seed, from_address.domain)
    for name, value in (extra_headers or {}).items():
        message[name] = safe_header(name, value)
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    message.set_boundary(_boundary(text, html))  # the default one is random
    return message


# --- Build once, fill per recipient ------------------------------------------------------------


def qp_inline(value: str) -> bytes:
    """Quoted-printable for a value placed on its own soft-broken line(s) inside a QP body."""
    # quotetabs: a space at the end of a soft-broken line would be stripped in transit.
    encoded = binascii.b2a_qp(value.encode("utf-8"), quotetabs=True, istext=False)
    return encoded.replace(b"=\n", b"=\r\n")


def _qp_body(text: str) -> str:
    """Quoted-printable for a stretch of body text (CRLF line ends)."""
    latin = text.encode("utf-8").decode("latin-1")  # quoprimime works on one char per byte
    return quoprimime.body_encode(latin, QP_MAX_LINE, CRLF)


@dataclass(frozen=True, slots=True)
class Slot:
    """A place in a body part where a per-recipient value goes."""

    name: str  # the value's key, e.g. "unsubscribe_url" or a merge field
    html: bool  # in the HTML part: the value is HTML-escaped first


@dataclass(frozen=True, slots=True)
class PersonalHeaders:
    """The headers that differ per recipient, already checked."""

    to: str
    message_id: str
    list_unsubscribe: str | None = None
    in_reply_to: str | None = None  # the Message-ID this message answers (threads it)


def format_to(address: str, name: str | None) -> str:
    """The To header line for one recipient (folded only when it must be)."""
    return header_line("To", mailbox(name, address, "recipient"))


def format_list_unsubscribe(url: str, mailto: str | None) -> str:
    """The List-Unsubscribe header line: the https URL first, then the mailto if any."""
    for target in (url, mailto):
        if target is not None and not _URL_SAFE_IN_HEADER.match(target):
            raise HeaderError("the unsubscribe link holds spaces or characters refused in headers")
        if target is not None and ">" in target:
            raise HeaderError("the unsubscribe link holds a '>' character")
    line = f"List-Unsubscribe: <{url}>"
    if mailto:
        line += f",{CRLF} <{mailto}>"
    if max(len(part) for part in line.split(CRLF)) > HEADER_HARD_LIMIT:
        raise HeaderError("the unsubscribe link is too long for a mail header")
    return line + CRLF


class MessageTemplate:
    """A message serialized once; per recipient only headers and slot values are spliced in."""

    __slots__ = ("_head", "_pieces", "_tail")

    def __init__(self, head: bytes, tail: bytes, pieces: Sequence[bytes | Slot]) -> None:
        self._head = head
        self._tail = tail
        self._pieces = tuple(pieces)

    @property
    def slot_names(self) -> frozenset[str]:
        """The value keys this template needs."""
        return frozenset(p.name for p in self._pieces if isinstance(p, Slot))

    def render(self, headers: PersonalHeaders, values: Mapping[str, str]) -> bytes:
        """The complete message for one recipient, CRLF line ends."""
        personal = headers.to + f"Message-ID: {headers.message_id}{CRLF}"
        if headers.in_reply_to:  # RFC 5322 3.6.4: the parent's id, in both (it has no parent)
            personal += f"In-Reply-To: {headers.in_reply_to}{CRLF}"
            personal += f"References: {headers.in_reply_to}{CRLF}"
        if headers.list_unsubscribe:
            personal += headers.list_unsubscribe
        out = [self._head, personal.encode("ascii"), self._tail]
        encoded: dict[Slot, bytes] = {}
        for piece in self._pieces:
            if isinstance(piece, bytes):
                out.append(piece)
                continue
            chunk = encoded.get(piece)
            if chunk is None:
                raw = values[piece.name]
                if piece.html:
                    raw = _html_escape(raw)
                chunk = qp_inline(raw)
                encoded[piece] = chunk
            out.append(chunk)
        return b"".join(out)


def _html_escape(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _encode_with_slots(
    body: str, markers: Mapping[str, str], html: bool, token: str
) -> tuple[str, list[Slot]]:
    """QP-encode a body, each marker replaced by `token` alone on a soft-broken line."""
    slots: list[Slot] = []
    if not markers:
        return _qp_body(body), slots
    pattern = re.compile("|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True)))
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(body):
        parts.append(_qp_body(body[position : match.start()]))
        parts.append(f"={CRLF}{token}={CRLF}")
        slots.append(Slot(markers[match.group(0)], html))
        position = match.end()
    parts.append(_qp_body(body[position:]))
    return "".join(parts), slots


def build_template(
    *,
    sender: str,
    subject: str,
    text: str,
    html: str,
    date: datetime,
    list_id: str | None = None,
    reply_to: str | None = None,
    one_click: bool = False,
    markers: Mapping[str, str] | None = None,
) -> MessageTemplate:
    """Build and serialize the shared part of every message once.

    `markers` maps a marker string found in the bodies to the value key that replaces it.
    """
    markers = dict(markers or {})
    token = "DIGESTSLOT" + hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:20]
    if token in text or token in html:  # pragma: no cover - the content holds its own hash
        raise PersonalizationError("the message body collides with the slot token")
    text_qp, text_slots = _encode_with_slots(text, markers, False, token)
    html_qp, html_slots = _encode_with_slots(html, markers, True, token)

    message = EmailMessage(policy=SMTP)
    from_address = parse_address(sender, "From address")
    message["From"] = _address("From", from_address, "From address")
    if reply_to:
        reply = parse_address(reply_to, "Reply-To address")
        message["Reply-To"] = _address("Reply-To", reply, "Reply-To address")
    message["Subject"] = subject_header(subject)
    message["Date"] = format_datetime(date)
    if list_id:
        message["List-Id"] = list_id_header(list_id)
    if one_click:  # RFC 8058: mail clients may then unsubscribe with one POST
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = "multipart/alternative"
    message.set_boundary(_boundary(text, html))
    parts: list[Message[str, str] | str] = []
    for subtype, payload in (("plain", text_qp), ("html", html_qp)):
        part = EmailMessage(policy=SMTP)
        part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part.set_payload(payload)
        parts.append(part)
    message.set_payload(parts)
    data = message.as_bytes(policy=SMTP)

    split_at = data.index(b"MIME-Version:")  # personal headers go just before the MIME ones
    head, rest = data[:split_at], data[split_at:]
    chunks = rest.split(token.encode("ascii"))
    slots = text_slots + html_slots
    if len(chunks) != len(slots) + 1:  # pragma: no cover - a serializer surprise
        raise PersonalizationError("the slots did not survive serialization")
    pieces: list[bytes | Slot] = []
    for slot, chunk in zip(slots, chunks[1:], strict=True):
        pieces.extend((slot, chunk))
    return MessageTemplate(head, chunks[0], pieces)


def verify_message(
    data: bytes,
    *,
    expect_to: str,
    expect_in_text: Sequence[str] = (),
    expect_in_html: Sequence[str] = (),
) -> EmailMessage:
    """Parse under email.policy.strict and check headers and the decoded bodies."""
    if b"\r\n" not in data or b"\n" in data.replace(b"\r\n", b""):
        raise PersonalizationError("the message has bare line feeds (CRLF only)")
    try:
        message = email.message_from_bytes(data, policy=strict)
        assert isinstance(message, EmailMessage)
        for name, value in message.items():  # header defects are found lazily
            if getattr(value, "defects", ()):
                raise PersonalizationError(f"the {name} header has defects: {value.defects}")
        bodies: list[str] = []
        for part in message.walk():
            if part.defects:
                raise PersonalizationError(f"a MIME part has defects: {part.defects}")
            if part.get_content_maintype() == "text":
                bodies.append(str(part.get_content()))
    except PersonalizationError:
        raise
    except Exception as error:
        raise PersonalizationError(f"the message does not parse strictly: {error}") from None
    to = message["To"]
    if to is None or expect_to.lower() not in str(to).lower():
        raise PersonalizationError("the To header does not name the recipient")
    if len(bodies) != 2:
        raise PersonalizationError("the message must have a text and an HTML part")
    text_body, html_body = bodies
    missing = [v for v in expect_in_text if v not in text_body] + [
        v for v in expect_in_html if _html_escape(v) not in html_body
    ]
    if missing:
        raise PersonalizationError("a personal value did not survive the transfer encoding")
    return message
