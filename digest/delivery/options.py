"""How a send runs (options), where it is (progress), and what it did (summary, exit code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from digest.errors import ExitCode

# 4xx replies: tries per recipient within one run before it is left deferred for a re-run.
DEFAULT_MAX_ATTEMPTS = 3
# First wait after a 4xx, doubled each time up to the cap; greylisting usually clears in minutes,
# so a run does not wait for that: the re-run (exit 75) does.
DEFAULT_RETRY_DELAY = 2.0
DEFAULT_MAX_RETRY_DELAY = 60.0
# Waits between reconnects after 421 or a dropped connection, doubled each time.
DEFAULT_RECONNECT_DELAY = 1.0
# Consecutive failures of one connection before it gives up; the run stops when all have.
DEFAULT_MAX_RECONNECTS = 5
# Parallel connections; 4 keeps a relay 5 ms away busy without looking like a flood.
DEFAULT_CONNECTIONS = 4
MAX_CONNECTIONS = 64
INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl-C
# A summary keeps the server's words for this many addresses; `digest status` has them all.
MAX_KEPT_ERRORS = 1_000

OnUnknown = Literal["resend", "skip"]


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send; delays are seconds (tests set them to milliseconds)."""

    dry_run: bool = False
    rate: float = 0.0  # messages per second over all connections, 0 = no limit
    on_unknown: OnUnknown = "resend"
    connections: int = DEFAULT_CONNECTIONS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_delay: float = DEFAULT_RETRY_DELAY
    max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY
    reconnect_delay: float = DEFAULT_RECONNECT_DELAY
    max_reconnects: int = DEFAULT_MAX_RECONNECTS
    date: datetime | None = None  # the Date header; now when None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a send is, for a progress bar: `done` of the list's `total`, earlier runs' too."""

    done: int
    total: int
    sent: int
    failed: int
    deferred: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Messages sent per second so far by this run."""
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(slots=True)
class SendSummary:
    """What one run did, and what the journal holds for the list afterwards."""

    total: int = 0  # recipients in the list
    sent: int = 0  # sent by this run
    failed: int = 0  # refused in this run (5xx, command failure)
    deferred: int = 0  # 4xx still after the attempts of this run
    unknown: int = 0  # confirmation lost in this run: maybe delivered, not sent again now
    unknown_resendable: int = 0  # of those, re-sent once by the next run (--on-unknown resend)
    resent: int = 0  # unknowns of earlier runs re-sent by this run (each its one duplicate)
    skipped: int = 0  # sent by an earlier run
    failed_earlier: int = 0  # refused in an earlier run; not retried
    unknown_skipped: int = 0  # unknown from an earlier run, not re-sent (--on-unknown skip)
    unknown_given_up: int = 0  # unknown again after its one re-send: never sent again
    suppressed: int = 0  # on the suppression list (unsubscribed, bounced): never mailed
    list_held: int = 0  # marked not to be mailed by the list itself (listmonk blocklisted, ...)
    suppress_command: str = ""  # the command that adds those to the suppression list
    pending: int = 0  # not tried because the run stopped
    connections: int = 1  # connections the run used
    destination: str | None = None  # where the files transport wrote (a folder or an mbox)
    subject: str = ""  # the subject sent (with the test prefix for --test)
    transport: str = ""
    test_address: str | None = None
    journal_commits: int = 0  # journal transactions that changed states
    dry_run: bool = False
    stopped: str | None = None  # why the run stopped early
    fatal: bool = False  # login/TLS/config failure: nothing more was tried
    interrupted: bool = False  # Ctrl-C: in-flight messages were finished and recorded
    cancelled: bool = False  # the person said no when asked to confirm
    held: bool = False  # checked and confirmed, held back until its time (`send --at`)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (address, server's words)

    def note(self, address: str, words: str) -> None:
        """Keep an address's problem for the report (the first MAX_KEPT_ERRORS)."""
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append((address, words))

    @property
    def problems(self) -> int:
        """Addresses this run could not deliver for certain: failed, deferred, unconfirmed."""
        return self.failed + self.deferred + self.unknown

    @property
    def nothing_to_send(self) -> bool:
        """True when every recipient was already dealt with by earlier runs."""
        attempted = self.sent + self.failed + self.deferred + self.unknown + self.pending
        return attempted == 0 and not (self.dry_run or self.stopped or self.cancelled or self.held)

    @property
    def exit_code(self) -> int:
        """0 done; 6 fatal or refusals; 75 when a later run can still deliver some; 130 Ctrl-C."""
        if self.fatal:
            return int(ExitCode.DELIVERY)
        if self.interrupted:
            return INTERRUPTED
        if self.deferred or self.pending or self.unknown_resendable:
            return int(ExitCode.TEMPFAIL)
        if self.failed or self.failed_earlier:
            return int(ExitCode.DELIVERY)
        return int(ExitCode.OK)
