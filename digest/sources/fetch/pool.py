"""Many fetches at once, politely: a bounded pool, a few at a time per host, results in order.

An edition is mostly pasted URLs, and one after another they cost the sum of every server's
wait; side by side they cost about the slowest one. Each fetch still runs under its own
deadline (it starts when the fetch does, not when the batch does), and the outcomes come back
in the order asked, whatever order the servers answer in, so a build stays deterministic.

Workers are daemon threads: a fetch blocks in a socket bounded by its deadline, and Ctrl-C
(or an error) in the command must not wait for the slowest of them to give up.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

from digest.errors import SourceError
from digest.sources.fetch.policy import HostUnreachable
from digest.sources.fetch.progress import FetchProgress, Listener, current_listener
from digest.sources.fetch.settings import FetchResult, FetchSettings

log = logging.getLogger(__name__)

# At most this many requests to one host at once. An edition often names several stories of
# one outlet, and a news site's rate limiter (or a newsroom's small CMS) takes a burst from
# one address for a crawler and starts refusing; two is what HTTP/1.1 first asked of a
# single-user client (RFC 2616 8.1.4) and already overlaps one slow answer with the next.
MAX_PER_HOST = 2

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Job(Generic[T]):
    """One piece of work on the host of `url`: `call` talks to it (a fetch, a link check)
    and holds one of the pool's places and one of the host's while it does."""

    url: str
    call: Callable[[], T]
    then: Callable[[Any], T] | None = None  # see `followed`

    @staticmethod
    def followed(url: str, call: Callable[[], R], then: Callable[[R], T]) -> Job[T]:
        """A job whose value is `then(call())`, `then` running once the places are free
        again (reading the page that came), so a slow reader never holds up the host."""
        return Job(url, cast(Callable[[], T], call), then)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What one job gave: its value, or the SourceError that says why not."""

    url: str
    value: T | None = None
    error: SourceError | None = None

    def get(self) -> T:
        """The value, or the job's error raised again."""
        if self.error is not None:
            raise self.error
        return cast(T, self.value)  # a job may well return None (an image of unknown size)


class _Crash:
    """A job raised something other than SourceError (a bug): re-raised in the caller."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


# Posted by a job whose `call` is done and whose `then` is still to run: its places are free.
_RELEASED = "released"
_Posted = tuple[int, "Outcome[Any] | _Crash | str"]


def host_of(url: str) -> str:
    """The host a URL's requests go to, lower case ("" when it has none: it fails alone)."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _not_tried(url: str, host: str, cause: SourceError) -> HostUnreachable:
    return HostUnreachable(f"{url}: not tried, {host} could not be reached ({cause.message})")


def run_by_host(
    jobs: Sequence[Job[T]],
    *,
    concurrency: int,
    per_host: int = MAX_PER_HOST,
    skip_unreachable: bool = False,
    label: str = "pages",
    progress: Listener | None = None,
) -> list[Outcome[T]]:
    """Run `jobs`, at most `concurrency` at once and `per_host` per host; outcomes in order.

    Jobs start in the order given, except that one whose host is busy lets later ones go
    first. A SourceError is that job's outcome and never stops the others. With
    `skip_unreachable`, a host's first job goes alone, and once one raises HostUnreachable
    (no address, refused, silent) the host's jobs not yet started are not tried: a dead
    host costs one wait, not one per URL. Progress goes to `progress`, else to the listener
    of the enclosing `progress.reporting` block, always from the calling thread.
    """
    report = progress or current_listener()
    total = len(jobs)
    hosts = [host_of(job.url) for job in jobs]
    outcomes: list[Outcome[T] | None] = [None] * total
    waiting = list(range(total))
    busy: Counter[str] = Counter()
    answered: set[str] = set()  # hosts that have finished a call (however it went)
    holding: set[int] = set()  # jobs holding their places
    dead: dict[str, SourceError] = {}
    finished: queue.SimpleQueue[_Posted] = queue.SimpleQueue()
    # One at a time needs no thread: the job runs in the caller, as a single fetch always did.
    start = _run if concurrency <= 1 or total <= 1 else _start
    unsettled = done = 0
    if report is not None and total:
        report(FetchProgress(label, 0, total, ""))

    def settle(index: int, outcome: Outcome[T]) -> None:
        nonlocal done
        outcomes[index] = outcome
        done += 1
        if report is not None:
            report(FetchProgress(label, done, total, outcome.url, outcome.error is not None))

    def release(index: int) -> None:
        holding.discard(index)
        busy[hosts[index]] -= 1
        answered.add(hosts[index])

    while waiting or unsettled:
        still: list[int] = []
        for index in waiting:
            host = hosts[index]
            if host in dead:
                url = jobs[index].url
                settle(index, Outcome(url, error=_not_tried(url, host, dead[host])))
                continue
            limit = per_host if host in answered or not skip_unreachable else 1
            if len(holding) >= concurrency or busy[host] >= limit:
                still.append(index)
                continue
            busy[host] += 1
            holding.add(index)
            unsettled += 1
            start(index, jobs[index], finished)
        waiting = still
        if not unsettled:
            continue
        index, posted = finished.get()
        if index in holding:
            release(index)
        if isinstance(posted, str):  # _RELEASED: its `then` is still running
            continue
        unsettled -= 1
        if isinstance(posted, _Crash):
            raise posted.error
        if skip_unreachable and isinstance(posted.error, HostUnreachable):
            dead.setdefault(hosts[index], posted.error)
        settle(index, posted)
    return [outcome for outcome in outcomes if outcome is not None]


def _run(index: int, job: Job[Any], finished: queue.SimpleQueue[_Posted]) -> None:
    """Run one job and post what happened: its places freed (when a `then` follows), then
    its outcome (a SourceError is an outcome, anything else a crash)."""
    outcome: Outcome[Any] | _Crash
    try:
        value = job.call()
        if job.then is not None:
            finished.put((index, _RELEASED))
            value = job.then(value)
        outcome = Outcome(job.url, value=value)
    except SourceError as error:
        outcome = Outcome(job.url, error=error)
    except BaseException as error:  # re-raised by the caller, in its own thread
        outcome = _Crash(error)
    finished.put((index, outcome))


def _start(index: int, job: Job[Any], finished: queue.SimpleQueue[_Posted]) -> None:
    name = f"fetch {host_of(job.url) or index}"
    threading.Thread(target=_run, args=(index, job, finished), name=name, daemon=True).start()


def fetch_all(
    urls: Sequence[str],
    settings: FetchSettings,
    *,
    skip_unreachable: bool = False,
    label: str = "pages",
    progress: Listener | None = None,
) -> list[Outcome[FetchResult]]:
    """Fetch every URL as `fetch` does, `settings.concurrency` at once; outcomes in order.

    A URL named twice is fetched once (the fetch cache is keyed on the URL alone).
    """
    from digest.sources.fetch import fetch

    unique = list(dict.fromkeys(url.strip() for url in urls))
    jobs = [Job(url, partial(fetch, url, settings=settings)) for url in unique]
    outcomes = run_by_host(
        jobs,
        concurrency=settings.concurrency,
        skip_unreachable=skip_unreachable,
        label=label,
        progress=progress,
    )
    by_url = {outcome.url: outcome for outcome in outcomes}
    return [by_url[url.strip()] for url in urls]
