"""Send times: `digest send --at 06:30` and the `not_before` embargo on a story.

`--at` is a time on the edition's day in the publication's time zone (or a full date and time):
the send checks everything at once, waits with a countdown and starts at that moment. Waiting
can be stopped with Ctrl-C and started again with the same command; a time that has passed
(the machine was off, the wait was stopped) starts at once, up to LATE_LIMIT late. A story's
`not_before` is an embargo: before it, `digest check` and `digest send` refuse the edition
with their own exit code (a send `--at` a later moment passes).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.config import LoadedEdition
from digest.errors import DigestError, ExitCode
from digest.history.records import iso, opened, utc_now
from digest.mail.findings import Finding

logger = logging.getLogger(__name__)

EMBARGO_CODE = "story-embargoed"
# A moment further in the past than this is a mistake (another day's edition?), not a late start.
LATE_LIMIT = timedelta(hours=12)
# The countdown is refreshed this often (seconds); the last sleep ends on the moment itself.
TICK_S = 1.0
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
WAITING, STARTED, FINISHED, STOPPED = "waiting", "started", "finished", "stopped"


def send_moment(text: str, edition_date: date, tz: ZoneInfo, now: datetime) -> datetime:
    """When `--at TEXT` means, checked against `now`: not more than LATE_LIMIT ago."""
    match = _TIME.match(text)
    moment: datetime | None = None
    try:
        if match:
            hour, minute, second = (int(part or 0) for part in match.groups())
            moment = datetime.combine(edition_date, clock_time(hour, minute, second), tzinfo=tz)
        else:
            moment = datetime.fromisoformat(text.strip())
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
    except ValueError:
        moment = None
    if moment is None:
        raise DigestError(
            f"--at {text!r}: give a time such as 06:30 or 06:30:15 (on the edition's day, "
            f"{edition_date.isoformat()}, in {tz.key}) or a date and time such as "
            f"{edition_date.isoformat()}T06:30",
            exit_code=ExitCode.CONFIG,
        )
    if moment < now - LATE_LIMIT:
        raise DigestError(
            f"--at {text!r} is {local(moment, tz)}, {spoken(now - moment)} ago: give the day "
            f"too (--at {now.astimezone(tz).date().isoformat()}T{moment.astimezone(tz):%H:%M}), "
            "or leave out --at to send now",
            exit_code=ExitCode.CONFIG,
        )
    return moment


def local(moment: datetime, tz: ZoneInfo) -> str:
    """'2024-11-22 06:30 Europe/London' (with the seconds when there are some)."""
    shown = moment.astimezone(tz)
    pattern = "%Y-%m-%d %H:%M:%S" if shown.second else "%Y-%m-%d %H:%M"
    return f"{shown.strftime(pattern)} {tz.key}"


def spoken(span: timedelta) -> str:
    """'42 minutes', '3 hours 5 minutes', '2 days 4 hours', '5 seconds'."""
    seconds = max(0, int(span.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    if not (days or hours):
        units.append((seconds, "second"))
    said = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in units if n][:2]
    return " ".join(said) or "0 seconds"


def wait_until(
    moment: datetime,
    tick: Callable[[float], None] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Sleep until `moment`, calling `tick(seconds left)` about every second; Ctrl-C stops it."""
    target = moment.timestamp()
    while (remaining := target - clock()) > 0:
        if tick is not None:
            tick(remaining)
        # Wake on whole seconds before the moment (a steady countdown), then on it exactly.
        step = remaining % TICK_S or TICK_S
        sleep(min(step, remaining))


def record_schedule(root: Path, identity: str, moment: datetime, state: str) -> None:
    """Note a scheduled send and how far it got (`digest history` shows it)."""
    now = iso(utc_now())
    with opened(root, create=True) as database:
        assert database is not None
        with database.transaction() as connection:
            connection.execute(
                "INSERT INTO schedules (edition, at, state, requested, updated) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (edition, at) DO UPDATE SET "
                "state = excluded.state, updated = excluded.updated",
                (identity, iso(moment), state, now, now),
            )


def schedules_of(root: Path, identity: str) -> list[tuple[str, str, str]]:
    """(moment, state, last change) of every scheduled send of an edition."""
    with opened(root, create=False) as database:
        if database is None:
            return []
        rows = database.read(
            "SELECT at, state, updated FROM schedules WHERE edition = ? ORDER BY at",
            (identity,),
        )
    return [(str(at), str(state), str(updated)) for at, state, updated in rows]


def embargo_findings(
    loaded: LoadedEdition, at: datetime, titles: Mapping[str, str]
) -> list[Finding]:
    """An error for each story whose `not_before` is after `at` (when the send would start).

    `titles` names the stories by their entry ("articles[2]" -> its headline).
    """
    tz = loaded.publication.tz
    findings = []
    for number, entry in enumerate(loaded.edition.articles, 1):
        if entry.not_before is None:
            continue
        moment = entry.not_before
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        if moment <= at:
            continue
        key = f"articles[{number}]"
        name = titles.get(key) or entry.title or entry.url or entry.source or key
        shown = moment.astimezone(tz)
        when = f"{shown:%H:%M}" if shown.date() == loaded.date else f"{shown:%Y-%m-%dT%H:%M}"
        findings.append(
            Finding(
                "error",
                EMBARGO_CODE,
                f"{loaded.edition_path.name}: {key}.not_before: {name!r} is embargoed until "
                f"{local(moment, tz)}, {spoken(moment - at)} after {local(at, tz)}; send after "
                f"it: digest send --at {when} waits for it (`digest check --at {when}` checks "
                "for then)",
            )
        )
    return findings


def only_embargoes(findings: Sequence[Finding]) -> bool:
    """Whether every error is an embargo (the edition is fine, only early)."""
    errors = [finding for finding in findings if finding.severity == "error"]
    return bool(errors) and all(finding.code == EMBARGO_CODE for finding in errors)
