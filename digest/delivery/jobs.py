"""A send's units of work: jobs, the reports workers send the journal writer, the rate limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from digest.delivery.recipients import Recipient


@dataclass(slots=True)
class Job:
    """One message to send: the recipient, its try number, and when it may go."""

    recipient: Recipient
    order: int
    attempt: int = 1
    resend: bool = False  # re-sends an unknown of an earlier run (its one allowed duplicate)
    not_before: float = 0.0

    def __lt__(self, other: Job) -> bool:
        return (self.not_before, self.order) < (other.not_before, other.order)


class Outcome(Enum):
    """What a worker reports for a job."""

    SENT = "sent"
    FAILED = "failed"
    DEFERRED = "deferred"
    UNKNOWN = "unknown"
    RETRY = "retry"  # not delivered (the connection failed before the point of no return)


class RateLimit:
    """At most `rate` messages per second over every connection (0 = no limit)."""

    def __init__(self, rate: float, stopping: threading.Event) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()
        self._stopping = stopping

    def wait(self) -> None:
        """Sleep until this connection's turn."""
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            self._stopping.wait(slot - now)


# --- what a worker tells the journal writer ------------------------------------------------


@dataclass(slots=True)
class Claim:
    """A worker is about to pass a message's point of no return; it waits for `granted`."""

    job: Job
    granted: threading.Event = field(default_factory=threading.Event)
    refused: bool = False


@dataclass(slots=True)
class Result:
    """What became of a job."""

    job: Job
    outcome: Outcome
    words: str = ""


@dataclass(slots=True)
class Exit:
    """A worker left: why (None when told to), and whether the whole send must stop."""

    reason: str | None = None
    fatal: bool = False
    crash: BaseException | None = None


def scrubbed(event: Claim | Result | Exit, scrub: Callable[[str], str]) -> Claim | Result | Exit:
    """The report with known secrets removed from its words: the one place, before any use."""
    if isinstance(event, Result) and event.words:
        event.words = scrub(event.words)
    elif isinstance(event, Exit) and event.reason:
        event.reason = scrub(event.reason)
    return event


class Refused(Exception):
    """The run is stopping: the message in hand must not pass its point of no return."""
