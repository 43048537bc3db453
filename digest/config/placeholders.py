"""The values `digest init` writes where only the editor can know the answer.

`digest check` treats them as errors: an email must not go out from a made-up sender, with a
made-up postal address or an unsubscribe link that leads nowhere. The scaffold fills its
files from these constants, so the two can never drift apart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# RFC 2606 reserves .example: no real newsroom sends from it.
PLACEHOLDER_DOMAIN = "your-newsroom.example"
PLACEHOLDER_FROM_ADDRESS = f"digest@{PLACEHOLDER_DOMAIN}"
PLACEHOLDER_POSTAL_ADDRESS = "Your organisation, street, postcode city, country"
PLACEHOLDER_UNSUBSCRIBE_URL = f"https://{PLACEHOLDER_DOMAIN}/unsubscribe?token={{token}}"


def is_placeholder_address(address: str) -> bool:
    """True for an address (or 'Name <address>') at the placeholder domain."""
    domain = address.strip().rstrip(">").rsplit("@", 1)[-1].strip().lower()
    return domain == PLACEHOLDER_DOMAIN


def is_placeholder_url(url: str | None) -> bool:
    """True for a URL on the placeholder domain."""
    return bool(url) and (urlsplit(str(url)).hostname or "") == PLACEHOLDER_DOMAIN
