"""Unsubscribe tokens: signed, self-contained, verifiable by the endpoint without a database.

A token is `<address>.<mac>`: the lowercased address in base64url, a dot, and the first 16
bytes of HMAC-SHA256(secret, list id + newline + address) in base64url, both unpadded. The
endpoint reads the address back and checks the MAC in constant time, so a link works with only
`{token}` in the URL. The newline keeps (list "a.b", "cx@d") and (list "a.bc", "x@d") apart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from digest.mail.personal import PREVIEW_TOKEN

# 128 bits of MAC: forging one takes 2**128 tries; a full 256-bit MAC only lengthens links.
MAC_BYTES = 16
# Longer tokens are not ours; refuse them before decoding anything.
MAX_TOKEN_CHARS = 512


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, list_id: str, address: str) -> bytes:
    message = f"{list_id}\n{address}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[:MAC_BYTES]


def make_token(secret: bytes, list_id: str, address: str) -> str:
    """The recipient's token for this list."""
    normalized = address.strip().lower()
    return f"{_encode(normalized.encode('utf-8'))}.{_encode(_mac(secret, list_id, normalized))}"


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What a token says: a verified address, the preview token, or nothing usable."""

    address: str | None = None  # set only when the MAC verified
    preview: bool = False

    @property
    def valid(self) -> bool:
        """True for a verified recipient's token (not the preview token)."""
        return self.address is not None


def read_token(secret: bytes, list_id: str, token: str) -> TokenCheck:
    """Verify a token in constant time; a forged or damaged one gives an empty TokenCheck."""
    if token == PREVIEW_TOKEN:
        return TokenCheck(preview=True)
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return TokenCheck()
    encoded_address, encoded_mac = token.split(".")
    try:
        address = _decode(encoded_address).decode("utf-8")
        mac = _decode(encoded_mac)
    except (binascii.Error, ValueError):
        return TokenCheck()
    if not hmac.compare_digest(mac, _mac(secret, list_id, address)):
        return TokenCheck()
    return TokenCheck(address=address)


__all__ = [
    "MAC_BYTES",
    "MAX_TOKEN_CHARS",
    "PREVIEW_TOKEN",
    "TokenCheck",
    "make_token",
    "read_token",
]
