"""`digest send --at`: check everything now, wait with a countdown, start on the moment.

The first attempt builds, checks, reads the list and asks, as a send does now, so a problem
shows at once and not at 06:30. If the moment is further away than PREPARE_LEAD_S, it stops
there; shortly before the moment a second attempt builds and checks again (edits made while
waiting go out, an approval is checked against them) without asking again; then the send
waits for the moment itself and starts. Ctrl-C while waiting sends nothing; running the same
command again waits again, or starts at once when the moment has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from digest.config import load_edition
from digest.delivery.options import INTERRUPTED, SendSummary
from digest.delivery.run import Release, SendRequest
from digest.errors import DigestError, ExitCode
from digest.history.schedule import (
    FINISHED,
    STARTED,
    STOPPED,
    WAITING,
    local,
    record_schedule,
    send_moment,
    spoken,
    wait_until,
)

logger = logging.getLogger(__name__)

# Seconds before the moment at which the edition is built and checked again: enough for a
# build, a big list and the connections, so the first message leaves on time.
PREPARE_LEAD_S = 30.0
Attempt = Callable[[Callable[[str], bool], datetime | None, Release | None], SendSummary]


class StoppedWaiting(DigestError):
    """Ctrl-C while waiting for the moment: nothing was sent."""

    exit_code = ExitCode.INTERRUPTED


def send_at(
    request: SendRequest,
    attempt: Attempt,
    *,
    confirm: Callable[[str], bool],
    countdown: Callable[[float], None] | None,
    warn: Callable[[str], None],
) -> SendSummary:
    """Send at `request.at`: checked and confirmed now, started on the moment."""
    assert request.at is not None
    loaded = load_edition(request.edition_path)
    tz = loaded.publication.tz
    now = datetime.now(tz)
    moment = send_moment(request.at, loaded.date, tz, now)
    if request.options.dry_run:  # checked as it would be then; nothing waits, nothing goes
        return attempt(confirm, moment, None)
    if moment <= now:
        warn(f"{local(moment, tz)} was {spoken(now - moment)} ago: starting now")
    keep = request.test_address is None  # a list send's schedule is on record
    root, identity = loaded.root, loaded.identity
    passes: list[str] = []

    def release() -> bool:
        first = not passes
        passes.append("checked")
        if first and moment.timestamp() - datetime.now(tz).timestamp() > PREPARE_LEAD_S:
            return False  # checked and confirmed; built again shortly before the moment
        _wait(moment)
        if keep:
            record_schedule(root, identity, moment, STARTED)
        return True

    def _wait(until: datetime) -> None:
        try:
            if until > datetime.now(tz) and not passes[1:]:
                warn(f"sending at {local(moment, tz)}, in {spoken(moment - datetime.now(tz))}")
            wait_until(until, countdown)
        except KeyboardInterrupt:
            if keep:
                record_schedule(root, identity, moment, STOPPED)
            raise StoppedWaiting(
                f"stopped waiting for {local(moment, tz)}: nothing was sent. Run the same "
                "command again to wait again (or, once the time has passed, to send at once)"
            ) from None

    if keep:
        record_schedule(root, identity, moment, WAITING)
    try:
        summary = attempt(confirm, moment, release)
        if summary.held:
            _wait(datetime.fromtimestamp(moment.timestamp() - PREPARE_LEAD_S, tz))
            summary = attempt(lambda _question: True, moment, release)
    except StoppedWaiting:
        raise
    except BaseException:
        if keep:
            record_schedule(root, identity, moment, STOPPED)
        raise
    if keep:
        done = not summary.cancelled and summary.exit_code != INTERRUPTED
        record_schedule(root, identity, moment, FINISHED if done else STOPPED)
    return summary
