"""Bounce tags: proof, inside a message's Message-ID and return path, that we sent it to a reader.

A bounce or complaint arrives by mail from anyone, so it is believed only when it quotes
something only a copy of our message carries: a tag `<edition hint>-<MAC>`, where the MAC is an
HMAC of (edition, address) under a key derived from the publication's secret. The tag goes in
every Message-ID (`<tag@from-domain>`) and, when `[bounces] return_path` holds `{tag}`, in the
envelope sender (VERP, as Mailman and qmail do it, but carrying a MAC rather than the address,
so a stranger can neither forge a report nor read the address off the return path). Nothing is
stored: the journal says whom an edition went to, and the MAC is recomputed.

Builds have no secret; they tag the sample reader with a fixed preview key, which no import
ever accepts, so built files stay byte-identical from run to run.
"""

from __future__ import annotations

import hashlib
import hmac
import re

# Domain separation: the same secret signs unsubscribe tokens with other inputs.
TAG_KEY_LABEL = b"digest bounce tag v1"
# 32 bits picks the edition out of the journal's list; a collision only costs one more check.
EDITION_HINT_HEX = 8
# 96 bits of MAC: a forger must guess it, and each guess costs them a mail we may never read.
MAC_HEX = 24
TAG_CHARS = EDITION_HINT_HEX + 1 + MAC_HEX
# Where the tag goes in `[bounces] return_path`.
TAG_FIELD = "{tag}"
_TAG = re.compile(
    rf"(?<![0-9a-f])([0-9a-f]{{{EDITION_HINT_HEX}}})-([0-9a-f]{{{MAC_HEX}}})(?![0-9a-f])",
    re.IGNORECASE,
)
# A report quoting more distinct tags than this is not a bounce of one message of ours.
MAX_TAGS_PER_REPORT = 20


def tag_key(secret: bytes) -> bytes:
    """The tag key derived from the publication's secret."""
    return hmac.new(secret, TAG_KEY_LABEL, hashlib.sha256).digest()


# Builds and previews: a key anybody can compute, for the sample reader only.
PREVIEW_TAG_KEY = tag_key(b"preview")


def edition_hint(edition: str) -> str:
    """A short public hash of the edition key: which edition a tag is about."""
    return hashlib.sha256(edition.encode("utf-8")).hexdigest()[:EDITION_HINT_HEX]


def _mac(key: bytes, edition: str, address: str) -> str:
    message = f"{edition}\n{address.strip().lower()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:MAC_HEX]


def make_tag(key: bytes, edition: str, address: str) -> str:
    """The tag of the message of `edition` sent to `address`."""
    return f"{edition_hint(edition)}-{_mac(key, edition, address)}"


def tagged_message_id(tag: str, domain: str) -> str:
    """The Message-ID that carries a tag."""
    return f"<{tag}@{domain}>"


def fill_return_path(template: str, tag: str) -> str:
    """`[bounces] return_path` for one message: `{tag}` replaced (a fixed address stays)."""
    return template.replace(TAG_FIELD, tag)


def find_tags(text: str) -> list[tuple[str, str]]:
    """(edition hint, MAC) of every distinct tag-shaped string in a report, first ones first."""
    found: dict[tuple[str, str], None] = {}
    for match in _TAG.finditer(text):
        found[(match.group(1).lower(), match.group(2).lower())] = None
        if len(found) >= MAX_TAGS_PER_REPORT:
            break
    return list(found)


def verify_tag(key: bytes, mac: str, edition: str, address: str) -> bool:
    """True when `mac` is the MAC of (edition, address), compared in constant time."""
    return hmac.compare_digest(mac.lower(), _mac(key, edition, address))
