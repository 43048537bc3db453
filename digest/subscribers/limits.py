"""Rate limits in memory: at most N events per key in a sliding window, keys forgotten in time.

Kept in the process (never on disk: a client's address is not something to store); under a
server with several worker processes each process counts on its own, so a limit is at most
that many times looser. The default server (waitress, one process) counts exactly.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# Keys remembered at most; beyond it the oldest are forgotten (memory stays bounded under a
# flood of distinct keys, which a limit per key cannot stop anyway).
MAX_KEYS = 100_000


class SlidingWindow:
    """`allow(key)` is True at most `limit` times per `window_s` seconds for each key."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False (and not counted) when over the limit."""
        now = self._clock()
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and now - events[0] >= self.window_s:
                events.popleft()
            allowed = len(events) < self.limit
            if allowed:
                events.append(now)
            if events:
                self._events[key] = events  # re-inserted: the dict's order is last use
            while len(self._events) > self.max_keys:
                del self._events[next(iter(self._events))]
            return allowed
