"""`GET /c/<id>`: a click link's redirect, and the counting behind it.

Only an id the publication signed is answered, and only with the URL the send registered for
it: a forged or altered id gets 400 and no Location, so the server never sends anyone
elsewhere. What counts is the ClickGate's business; counts reach the click store from a worker
thread every FLUSH_S (one transaction for many clicks), and at shutdown.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from digest.mail.clicks import ClickId, read_click
from digest.store.clicks import ClickStore, default_clicks_path
from digest.subscribers.clickgate import ClickGate, LinkKey, NotCounted
from digest.subscribers.http import Request
from digest.subscribers.worker import Worker

logger = logging.getLogger(__name__)

FLUSH_S = 0.5
# Targets kept in memory (an edition has a few dozen links).
TARGET_CACHE = 4_096
# Requests that a browser or mail client makes ahead of the person (Chromium, Firefox, Safari).
PREFETCH_HEADERS = (("Purpose", "prefetch"), ("Sec-Purpose", "prefetch"), ("X-Moz", "prefetch"))
# Link-preview robots that say what they are (chat apps, search engines, mail security).
ROBOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|embedly|whatsapp|skypeuripreview|"
    r"proofpoint|mimecast|barracuda|safelinks",
    re.IGNORECASE,
)


class ClickRedirect:
    """The click links of one publication: verify, redirect, count (through the gate)."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.key = key
        self.store = ClickStore(default_clicks_path(root))
        self.gate = ClickGate()
        self._targets: dict[LinkKey, tuple[str, bool]] = {}
        self._stop = threading.Event()
        self._worker = Worker("digest-clicks", self._run)

    def verify(self, text: str) -> ClickId | None:
        """The id, when the publication signed it."""
        return read_click(self.key, text)

    def target(self, click: ClickId) -> tuple[str, bool] | None:
        """Where a link leads and whether its edition counts yet (None: not registered)."""
        key = (click.edition, click.story, click.link)
        found = self._targets.get(key)
        if found is None:
            found = self.store.target(key)
            if found is not None and found[1]:  # a test send's link may start counting later
                if len(self._targets) >= TARGET_CACHE:
                    self._targets.clear()
                self._targets[key] = found
        return found

    def record(self, request: Request, click: ClickId, counting: bool) -> None:
        """Hand one fetch to the gate, or count why it does not count."""
        self._worker.ensure()
        edition = click.edition
        agent = request.header("User-Agent")
        client = self.gate.client(request.client, agent)
        if click.canary:  # whatever the method: whoever fetches it is a scanner
            self.gate.fetch(client, (edition, click.story, click.link), canary=True)
            return
        reason = self._not_counted(request, click, counting, agent)
        if reason is not None:
            self.gate.skip(edition, reason)
            return
        self.gate.fetch(client, (edition, click.story, click.link))

    @staticmethod
    def _not_counted(
        request: Request, click: ClickId, counting: bool, agent: str
    ) -> NotCounted | None:
        if request.method == "HEAD":
            return NotCounted.HEAD
        if any(request.header(name).lower() == value for name, value in PREFETCH_HEADERS):
            return NotCounted.PREFETCH
        if not agent or ROBOTS.search(agent):
            return NotCounted.ROBOT
        if click.preview:
            return NotCounted.PREVIEW
        if not counting:
            return NotCounted.BEFORE_SEND
        return None

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_S):
            self.flush()

    def flush(self, *, everything: bool = False) -> None:
        """Write what now counts (and what did not) to the click store."""
        counted, skipped = self.gate.due(everything=everything)
        try:
            self.store.add(counted, skipped)
        except Exception:
            logger.exception("click counts could not be written (%d lost)", sum(counted.values()))

    def close(self) -> None:
        """Stop the worker, count what is held (no scanner showed itself), close the store."""
        self._stop.set()
        self._worker.join(2 * FLUSH_S + 1)
        self.flush(everything=True)
        self.store.close()
