"""Click links: story links through the endpoint's `/c/` redirect, counted per story, never per
reader; UTM parameters on outbound links.

Every story, "In brief" item and sponsor with a link gets a number in reading order (the lead is
1; 0 is the canary) and its link a short hash of the URL. A click id is `story.link.mac.edition`:
the MAC (HMAC-SHA256 under a key derived from the secret) makes every id one the publication
issued, so nobody can count clicks for a story by forging ids, and the redirect goes only to a
URL the send registered for that (edition, story, link): never an open redirect. Nothing in an
id is about the reader: every copy of an edition carries the same links.

The canary is a link no person sees (hidden in the HTML part): a client that fetches it is a
link scanner, and none of its fetches count.

Builds need no secret: they sign with a key anybody can compute (`PREVIEW_CLICK_KEY`), whose
ids the endpoint never counts, so built files stay byte-identical and as long as the sent ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest.config import Publication
from digest.models import Edition

CLICK_KEY_LABEL = b"digest click id v1"
# 96 bits: forging an id takes 2**96 tries, each one a request the endpoint refuses.
MAC_BYTES = 12
# Which link of a story: 32 bits of the URL's hash (a story has one or two).
LINK_HEX = 8
CANARY_STORY = 0
CANARY_LINK = "0" * LINK_HEX
CLICK_PATH = "c/"
# story.link.mac.edition; an edition's identity is letters, digits, '.', '_' and '-'.
CLICK_ID = re.compile(
    rf"(?P<story>\d{{1,4}})\.(?P<link>[0-9a-f]{{{LINK_HEX}}})\."
    r"(?P<mac>[A-Za-z0-9_-]{16})\.(?P<edition>[A-Za-z0-9._-]{1,200})"
)
IN_BRIEF = "In brief"
SPONSORS = "Sponsors"
UTM_MEDIUM = "email"


def click_key(secret: bytes) -> bytes:
    """The click-id key derived from the publication's secret."""
    return hmac.new(secret, CLICK_KEY_LABEL, hashlib.sha256).digest()


# Builds and previews: ids the endpoint recognises and never counts.
PREVIEW_CLICK_KEY = click_key(b"preview")


def is_canary(url: str) -> bool:
    """True for the canary's URL (no person sees it: it has no place in the text part)."""
    return f"/{CLICK_PATH}{CANARY_STORY}.{CANARY_LINK}." in url


def link_hash(url: str) -> str:
    """Which link of a story an id is about."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:LINK_HEX]


def _mac(key: bytes, edition: str, story: int, link: str) -> str:
    message = f"{edition}\n{story}\n{link}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def sign_click(key: bytes, edition: str, story: int, link: str) -> str:
    """The id of one link of one story of an edition."""
    return f"{story}.{link}.{_mac(key, edition, story, link)}.{edition}"


@dataclass(frozen=True, slots=True)
class ClickId:
    """A verified click id; `preview` when a build's key signed it (never counted)."""

    edition: str
    story: int
    link: str
    preview: bool = False

    @property
    def canary(self) -> bool:
        """True for the link no person sees."""
        return self.story == CANARY_STORY


def read_click(key: bytes, text: str) -> ClickId | None:
    """Verify an id in constant time; None for anything the publication did not issue."""
    match = CLICK_ID.fullmatch(text)
    if match is None:
        return None
    edition, story, link = match["edition"], int(match["story"]), match["link"]
    try:
        given = base64.urlsafe_b64decode(match["mac"])
    except (binascii.Error, ValueError):
        return None
    for candidate, preview in ((key, False), (PREVIEW_CLICK_KEY, True)):
        expected = base64.urlsafe_b64decode(_mac(candidate, edition, story, link))
        if hmac.compare_digest(given, expected):
            return ClickId(edition, story, link, preview)
    return None


@dataclass(frozen=True, slots=True)
class TrackedLink:
    """One link of one story, where it leads (UTM parameters included) and what it is about."""

    story: int  # 1, 2, ... in reading order
    link: str
    section: str
    title: str
    url: str


def with_utm(url: str, source: str, campaign: str) -> str:
    """`url` with utm_source, utm_medium and utm_campaign, unless it sets its own."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.scheme.lower() not in ("http", "https") or any(
        key.startswith("utm_") for key, _ in query
    ):
        return url
    added = [("utm_source", source), ("utm_medium", UTM_MEDIUM), ("utm_campaign", campaign)]
    return urlunsplit(parts._replace(query=urlencode([*query, *added])))


@dataclass(frozen=True, slots=True)
class LinkPlan:
    """What the templates' `story_link` filter makes of each story URL, for one edition."""

    edition: str
    links: tuple[TrackedLink, ...]
    base: str | None  # `[readers] url` + "c/" when clicks are counted, else None
    key: bytes

    def href(self, url: str) -> str:
        """The link the email shows for a story URL (unchanged for a URL it does not know)."""
        link = link_hash(url)
        for tracked in self.links:
            if tracked.link == link:
                if self.base is None:
                    return tracked.url
                return self.base + sign_click(self.key, self.edition, tracked.story, tracked.link)
        return url

    @property
    def canary_url(self) -> str | None:
        """The invisible link that unmasks scanners (None when clicks are not counted)."""
        if self.base is None:
            return None
        return self.base + sign_click(self.key, self.edition, CANARY_STORY, CANARY_LINK)


def plan_links(
    edition: Edition, publication: Publication, identity: str, key: bytes = PREVIEW_CLICK_KEY
) -> LinkPlan | None:
    """Number the edition's story links; None when neither clicks nor UTM are asked for.

    A URL that two stories share belongs to the first (one redirect, one count).
    """
    clicks, readers = publication.clicks, publication.readers
    if not (clicks.enabled or clicks.utm):
        return None
    items: list[tuple[str, str, str | None]] = []
    if edition.lead is not None:
        items.append((edition.lead.section, edition.lead.title, edition.lead.url))
    for section in edition.sections:
        items += [(section.name, story.title, story.url) for story in section.stories]
    items += [(IN_BRIEF, item.text, item.url) for item in edition.ticker]
    items += [(SPONSORS, item.label or item.text, item.url) for item in edition.sponsors]
    links: list[TrackedLink] = []
    seen: set[str] = set()
    for number, (part, title, url) in enumerate(items, start=1):
        if not url or not url.lower().startswith(("http://", "https://")):
            continue
        link = link_hash(url)
        if link in seen:
            continue
        seen.add(link)
        target = with_utm(url, publication.name, identity) if clicks.utm else url
        links.append(TrackedLink(number, link, part, title, target))
    base = f"{readers.url}{CLICK_PATH}" if clicks.enabled and readers.url else None
    return LinkPlan(identity, tuple(links), base, key)
