"""Reader tokens: opaque, authenticated and expiring, so a link names nobody to whoever sees it.

A token is AES-SIV (RFC 5297) of `version, purpose, issued, address[, new address]` under a key
derived from the publication's secret with HKDF-SHA256, the list id as associated data, in
unpadded base64url. Only the endpoint, which holds the secret, can read the address; changing
one character breaks the tag. AES-SIV is deterministic: the same reader, purpose and issue time
give the same token, so a message rendered twice (a retry, the check of the first copy) carries
one link, and nothing random makes a send differ from its re-run. It reveals only that two
tokens are equal, which a reader's links in one message are anyway.

Tokens from before (`<address in base64url>.<HMAC>`, readable) still unsubscribe until they
expire: `legacy_until`, one reader-token lifetime after the first send of opaque tokens.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import struct
import time
from dataclasses import dataclass
from enum import IntEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from digest.mail.personal import PREVIEW_TOKEN

# The old format's MAC: 128 bits.
MAC_BYTES = 16
# Longer tokens are not ours; refuse them before decoding anything.
MAX_TOKEN_CHARS = 512
VERSION = 2
# AES-SIV with a 512-bit key is AES-256 for both its halves.
KEY_BYTES = 64
KEY_INFO = b"digest reader tokens v2"
HEADER = struct.Struct(">BBI")  # version, purpose, issued (Unix seconds)
# A reader's unsubscribe and preference links keep working this long after the send: longer
# than any law asks (CAN-SPAM: 30 days) and than a reader keeps an edition.
READER_LIFETIME_S = 400 * 24 * 3600
_SEPARATOR = b"\0"


class Purpose(IntEnum):
    """What a token lets its holder do; a token of one purpose never works for another."""

    READER = 1  # unsubscribe and the preference page (the footer's links)
    CONFIRM = 2  # confirm a sign-up (double opt-in)
    CHANGE = 3  # move a subscription to a new address (carries both)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def normalized(address: str) -> str:
    """The form tokens carry: trimmed, lower case."""
    return address.strip().lower()


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What a token says: a verified address (and issue time), the preview token, or nothing."""

    address: str | None = None  # set only when the token verified and has not expired
    preview: bool = False
    expired: bool = False  # genuine, but too old: the page says so
    issued: float = 0.0
    new_address: str = ""  # a change token's new address
    legacy: bool = False  # the old, readable format

    @property
    def valid(self) -> bool:
        """True for a verified, unexpired token (not the preview token)."""
        return self.address is not None


class TokenKey:
    """The publication's token key for one list: makes and reads tokens."""

    def __init__(self, secret: bytes, list_id: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=KEY_INFO
        ).derive(secret)
        self._aead = AESSIV(derived)
        self._associated = [list_id.encode("utf-8")]
        self._secret = secret
        self.list_id = list_id

    def make(self, purpose: Purpose, address: str, *, issued: float, new_address: str = "") -> str:
        """A token for `address` (and a change's new address), issued at `issued`."""
        body = normalized(address).encode("utf-8")
        if new_address:
            body += _SEPARATOR + normalized(new_address).encode("utf-8")
        plain = HEADER.pack(VERSION, int(purpose), int(issued)) + body
        return _encode(self._aead.encrypt(plain, self._associated))

    def read(
        self,
        token: str,
        purpose: Purpose,
        *,
        now: float,
        lifetime: float,
        legacy_until: float | None = None,
    ) -> TokenCheck:
        """Verify a token; a forged, damaged or foreign one gives an empty TokenCheck.

        `legacy_until`: old-format tokens are accepted (for READER only) until this time.
        """
        if token == PREVIEW_TOKEN:
            return TokenCheck(preview=True)
        if len(token) > MAX_TOKEN_CHARS:
            return TokenCheck()
        if "." in token:
            if purpose is not Purpose.READER or legacy_until is None:
                return TokenCheck()
            return self._read_legacy(token, expired=now > legacy_until)
        try:
            plain = self._aead.decrypt(_decode(token), self._associated)
        except (InvalidTag, binascii.Error, ValueError):
            return TokenCheck()
        if len(plain) <= HEADER.size:
            return TokenCheck()
        version, found, issued = HEADER.unpack_from(plain)
        if version != VERSION or found != purpose:
            return TokenCheck()
        try:
            address, _, new_address = plain[HEADER.size :].decode("utf-8").partition("\0")
        except UnicodeDecodeError:
            return TokenCheck()
        if now - issued > lifetime or issued - now > lifetime:
            return TokenCheck(expired=True, issued=float(issued))
        return TokenCheck(address=address, issued=float(issued), new_address=new_address)

    def _read_legacy(self, token: str, *, expired: bool) -> TokenCheck:
        encoded_address, _, encoded_mac = token.partition(".")
        if "." in encoded_mac:
            return TokenCheck()
        try:
            address = _decode(encoded_address).decode("utf-8")
            mac = _decode(encoded_mac)
        except (binascii.Error, ValueError):
            return TokenCheck()
        if not hmac.compare_digest(mac, legacy_mac(self._secret, self.list_id, address)):
            return TokenCheck()
        if expired:
            return TokenCheck(expired=True, legacy=True)
        return TokenCheck(address=address, legacy=True)


@functools.lru_cache(maxsize=8)
def token_key(secret: bytes, list_id: str) -> TokenKey:
    """The (cached) key of one secret and list: deriving it once keeps a send's tokens cheap."""
    return TokenKey(secret, list_id)


def make_token(secret: bytes, list_id: str, address: str, *, issued: float | None = None) -> str:
    """A reader's token (unsubscribe and preferences), issued now unless told."""
    issued = time.time() if issued is None else issued
    return token_key(secret, list_id).make(Purpose.READER, address, issued=issued)


def read_token(
    secret: bytes,
    list_id: str,
    token: str,
    *,
    now: float | None = None,
    legacy_until: float | None = None,
) -> TokenCheck:
    """Verify a reader's token (see `TokenKey.read`)."""
    return token_key(secret, list_id).read(
        token,
        Purpose.READER,
        now=time.time() if now is None else now,
        lifetime=READER_LIFETIME_S,
        legacy_until=legacy_until,
    )


def legacy_mac(secret: bytes, list_id: str, address: str) -> bytes:
    """The old format's MAC: HMAC-SHA256(secret, list id + newline + address), 16 bytes."""
    message = f"{list_id}\n{address}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[:MAC_BYTES]


def make_legacy_token(secret: bytes, list_id: str, address: str) -> str:
    """An old-format token (`<address in base64url>.<mac>`), as sends made before opaque tokens."""
    address = normalized(address)
    return f"{_encode(address.encode('utf-8'))}.{_encode(legacy_mac(secret, list_id, address))}"


__all__ = [
    "MAX_TOKEN_CHARS",
    "PREVIEW_TOKEN",
    "READER_LIFETIME_S",
    "Purpose",
    "TokenCheck",
    "TokenKey",
    "make_legacy_token",
    "make_token",
    "read_token",
    "token_key",
]
