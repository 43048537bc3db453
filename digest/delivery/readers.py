"""What a send records for the readers' side before its first message goes out.

The click redirect may only lead where the send said an edition's links lead, so the links are
registered first (a list send also starts their counting; a test send's copy works and counts
nothing). The first list send of opaque tokens is noted: the old, readable tokens of earlier
sends keep working for one token lifetime from then (`digest.delivery.tokens`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from digest.delivery.suppression import default_suppression_path
from digest.delivery.tokens import READER_LIFETIME_S
from digest.mail.clicks import LinkPlan
from digest.store.clicks import ClickStore, LinkRow, default_clicks_path
from digest.store.subscribers import SubscriberStore

logger = logging.getLogger(__name__)

OPAQUE_SINCE = "opaque_tokens_since"


def prepare_readers(root: Path, edition: str, links: LinkPlan | None, *, test: bool) -> None:
    """Register the edition's click links; note the first list send of opaque tokens."""
    now = time.time()
    if links is not None and links.base is not None:
        rows = [LinkRow(t.story, t.link, t.section, t.title, t.url) for t in links.links]
        with ClickStore(default_clicks_path(root)) as clicks:
            clicks.register(edition, rows, counting=not test, when=now)
        logger.info("registered %d click links of %s", len(rows), edition)
    if not test:
        with SubscriberStore(default_suppression_path(root)) as store:
            store.set_setting_once(OPAQUE_SINCE, repr(now))


def legacy_tokens_until(store: SubscriberStore) -> float:
    """Until when old-format tokens unsubscribe: a lifetime after the first opaque send (and
    for ever, until a send of opaque tokens has happened)."""
    since = store.setting(OPAQUE_SINCE)
    return float("inf") if since is None else float(since) + READER_LIFETIME_S
