"""Which fetches of a click link count: people, once per link; never scanners or prefetchers.

Link scanners (Microsoft Safe Links, Mimecast, Proofpoint, Barracuda...) fetch every link of a
message within a second or two of its arrival, before anyone reads it; a person follows one
link, comes back, perhaps follows another. So a fetch is held for HOLD_S before it counts, and
a client that meanwhile fetches the canary (a link no person can see) or a second link of any
edition within BURST_WINDOW_S is a scanner: its held fetches are dropped and it counts for
nothing for SCANNER_MEMORY_S. The same client following the same link again within REPEAT_S
counts once.

A client is known only as a keyed hash of its address and User-Agent, under a key made at
start-up and never stored: the hashes mean nothing after a restart and nothing is written to
disk but counts. Several processes (gunicorn workers) each know only their own clients.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

# A fetch waits this long before it counts: longer than a scanner's sweep of a message.
HOLD_S = 3.0
# Fetches of this many different links by one client within BURST_WINDOW_S: a scanner.
BURST_LINKS = 2
BURST_WINDOW_S = 2.0
# The same link from the same client within this window counts once.
REPEAT_S = 300.0
# A client caught scanning counts for nothing this long.
SCANNER_MEMORY_S = 3600.0
# Clients remembered at most (about 200 bytes each); the longest-idle go first.
MAX_CLIENTS = 200_000
CLIENT_KEY_BYTES = 16

LinkKey = tuple[str, int, str]  # edition, story, link


class NotCounted(StrEnum):
    """Why a fetch did not count (kept as counts per edition, shown by `digest stats`)."""

    SCANNER = "scanner"  # a client already caught scanning
    CANARY = "canary"  # fetched the invisible link
    BURST = "burst"  # several links within a second or two
    REPEAT = "repeat"  # the same client and link within 5 minutes
    HEAD = "head"  # HEAD requests are checks, not clicks
    PREFETCH = "prefetch"  # a browser or mail client fetching ahead of the person
    ROBOT = "robot"  # a link-preview robot or a client without a User-Agent
    PREVIEW = "preview"  # a link from a build or preview
    BEFORE_SEND = "test copy"  # the edition's list send had not started


@dataclass(slots=True)
class _Client:
    seen: float
    scanner_until: float = 0.0
    held: list[tuple[float, LinkKey]] = field(default_factory=list)
    fetched: list[tuple[float, LinkKey]] = field(default_factory=list)
    recent: dict[LinkKey, float] = field(default_factory=dict)


class ClickGate:
    """The held fetches and the clients' recent past; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._key = os.urandom(CLIENT_KEY_BYTES)  # never stored: hashes die with the process
        self._clients: dict[bytes, _Client] = {}
        self._queue: deque[tuple[float, bytes, LinkKey]] = deque()
        self._skipped: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def client(self, address: str, user_agent: str) -> bytes:
        """The keyed hash a client is known by."""
        message = f"{address}\n{user_agent}".encode("utf-8", "replace")
        return hmac.new(self._key, message, hashlib.sha256).digest()[:CLIENT_KEY_BYTES]

    def skip(self, edition: str, reason: NotCounted) -> None:
        """Count a fetch that does not count, by its reason."""
        with self._lock:
            self._skipped[(edition, reason.value)] += 1

    def fetch(self, client: bytes, key: LinkKey, *, canary: bool = False) -> None:
        """One GET of a click link (or of the canary) by a client."""
        now = self._clock()
        edition = key[0]
        with self._lock:
            state = self._clients.pop(client, None) or _Client(now)
            self._clients[client] = state  # re-inserted: the dict's order is last use
            state.seen = now
            self._forget_oldest()
            if now < state.scanner_until:
                self._skipped[(edition, NotCounted.SCANNER.value)] += 1
                return
            state.fetched = [(t, k) for t, k in state.fetched if now - t <= BURST_WINDOW_S]
            links = {k for _, k in state.fetched} | {key}
            if canary or len(links) >= BURST_LINKS:
                reason = NotCounted.CANARY if canary else NotCounted.BURST
                for _, held in state.held:
                    self._skipped[(held[0], reason.value)] += 1
                self._skipped[(edition, reason.value)] += 1
                state.held.clear()
                state.fetched.clear()
                state.scanner_until = now + SCANNER_MEMORY_S
                return
            state.fetched.append((now, key))
            first = state.recent.get(key)
            if first is not None and now - first < REPEAT_S:
                self._skipped[(edition, NotCounted.REPEAT.value)] += 1
                return
            state.recent = {k: t for k, t in state.recent.items() if now - t < REPEAT_S}
            state.recent[key] = now
            state.held.append((now, key))
            self._queue.append((now, client, key))

    def due(self, *, everything: bool = False) -> tuple[Counter[LinkKey], Counter[tuple[str, str]]]:
        """The fetches that now count (held long enough; `everything`: all held, at shutdown)
        and the not-counted tallies since the last call."""
        now = self._clock()
        counted: Counter[LinkKey] = Counter()
        with self._lock:
            while self._queue and (everything or now - self._queue[0][0] >= HOLD_S):
                at, client, key = self._queue.popleft()
                state = self._clients.get(client)
                if state is not None and (at, key) in state.held:
                    state.held.remove((at, key))
                    counted[key] += 1
            skipped, self._skipped = self._skipped, Counter()
            # The dict is in order of last use: the idle ones are at its front.
            idle = now - max(REPEAT_S, SCANNER_MEMORY_S, HOLD_S)
            while self._clients:
                oldest = next(iter(self._clients))
                if self._clients[oldest].seen > idle:
                    break
                del self._clients[oldest]
        return counted, skipped

    def _forget_oldest(self) -> None:
        while len(self._clients) > MAX_CLIENTS:
            del self._clients[next(iter(self._clients))]
