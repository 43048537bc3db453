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
# Consecutive connection failures before the run stops and leaves the rest pending.
DEFAULT_MAX_RECONNECTS = 5

OnUnknown = Literal["resend", "skip"]


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send; delays are seconds (tests set them to milliseconds)."""

    dry_run: bool = False
    rate: float = 0.0  # messages per second, 0 = no limit
    on_unknown: OnUnknown = "resend"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_delay: float = DEFAULT_RETRY_DELAY
    max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY
    reconnect_delay: float = DEFAULT_RECONNECT_DELAY
    max_reconnects: int = DEFAULT_MAX_RECONNECTS
    date: datetime | None = None  # the Date header; now when None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a send is, for a progress bar."""

    done: int
    total: int
    sent: int
    failed: int
    deferred: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Messages finished per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(slots=True)
class SendSummary:
    """What one run did, and what the journal holds for the list afterwards."""

    total: int = 0  # recipients in the list
    sent: int = 0  # sent by this run
    failed: int = 0  # refused in this run (5xx, command failure)
    deferred: int = 0  # 4xx still after the attempts of this run
    skipped: int = 0  # sent by an earlier run
    failed_earlier: int = 0  # refused in an earlier run; not retried
    unknown_skipped: int = 0  # left `sending` by a crash, skipped (--on-unknown skip)
    suppressed: int = 0  # on the suppression list (unsubscribed, bounced): never mailed
    pending: int = 0  # not tried because the run stopped
    dry_run: bool = False
    stopped: str | None = None  # why the run stopped early
    fatal: bool = False  # login/TLS/config failure: nothing more was tried
    errors: list[tuple[str, str]] = field(default_factory=list)  # (address, server's words)

    @property
    def exit_code(self) -> ExitCode:
        """0 all sent; 6 fatal or refusals; 75 when a later run can still deliver some."""
        if self.fatal:
            return ExitCode.DELIVERY
        if self.deferred or self.pending:
            return ExitCode.TEMPFAIL
        if self.failed or self.failed_earlier:
            return ExitCode.DELIVERY
        return ExitCode.OK
