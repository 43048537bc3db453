"""Parallel delivery: N connections fed from one queue, one journal writer, group commits.

Each connection is a worker thread with its own transport. The calling thread is the only one
that touches the journal: it hands out work, collects what the workers report, and commits
everything that arrived together in one transaction.

The crash guarantee: a worker passes a message's point of no return (the final dot) only after
the journal holds the message as `sending`, in a transaction that also holds every earlier
outcome of that worker. So when the process dies, each connection has at most one delivered
message not yet recorded as sent: at most one duplicate per connection on `--on-unknown
resend`, none with `skip`, and never a recipient lost.
"""

from __future__ import annotations

import functools
import heapq
import logging
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from digest.delivery import jobs
from digest.delivery.jobs import Claim, Exit, Job, Outcome, RateLimit, Refused, Result
from digest.delivery.journal import Change, Journal, JournalError, State
from digest.delivery.options import Progress, SendOptions, SendSummary
from digest.delivery.recipients import Recipient
from digest.delivery.transports import (
    ConnectionLost,
    FatalTransportError,
    PermanentFailure,
    TemporaryFailure,
    Transport,
)

logger = logging.getLogger(__name__)

# Work handed out ahead of the workers, per connection: enough that none waits, little enough
# that a stop leaves almost nothing in the queue.
QUEUE_AHEAD = 2
# Outcomes (not claims) may wait this long in memory before a commit; a claim commits at once.
MAX_UNCOMMITTED_SECONDS = 0.2
MAX_UNCOMMITTED_CHANGES = 2_000
# A progress bar needs no more than this many updates a second.
PROGRESS_EVERY_SECONDS = 0.1
# How often a waiting thread looks up to see whether the run is stopping.
POLL_SECONDS = 0.1
# After Ctrl-C, how long the workers get to finish the message in hand (replies have their
# own deadline; this bounds a plugin transport that has none).
STOP_GRACE_SECONDS = 60.0


class Dispatcher:
    """Runs one send's jobs over several transports; the caller's thread writes the journal."""

    def __init__(
        self,
        *,
        edition_key: str,
        sender: Callable[[Recipient], str],
        render: Callable[[Recipient], bytes],
        transports: list[Transport],
        journal: Journal | None,
        options: SendOptions,
        summary: SendSummary,
        progress: Callable[[Progress], None] | None = None,
        scrub: Callable[[str], str] = str,
        total: int = 0,
    ) -> None:
        self.edition_key = edition_key
        self.sender = sender
        self.render = render
        self.transports = transports
        self.journal = journal
        self.options = options
        self.summary = summary
        self.progress = progress
        self.scrub = scrub
        self.total = total
        self._work: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._events: queue.SimpleQueue[Claim | Result | Exit] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._rate = RateLimit(options.rate, self._stopping)
        self._buffer: list[Change] = []
        self._claims: list[Claim] = []
        self._oldest = 0.0
        self._done = 0
        self._started = time.monotonic()
        self._shown = 0.0
        self._crash: BaseException | None = None
        self._writer_done = threading.Event()
        self._gave_up: str | None = None
        self._interrupted = False

    # --- the writer (the caller's thread) -----------------------------------------------------

    def run(self, jobs: Iterator[Job]) -> None:
        """Send every job; returns when all are done or the run had to stop."""
        threads = [
            threading.Thread(target=self._worker, args=(t,), name=f"send-{n}", daemon=True)
            for n, t in enumerate(self.transports)
        ]
        for thread in threads:
            thread.start()
        alive = len(threads)
        ready: deque[Job] = deque()
        delayed: list[Job] = []
        outstanding = 0
        journal_failed = False
        previous = self._catch_ctrl_c()
        try:
            while alive and not self._interrupted:
                exhausted = False
                while not self._stopping.is_set() and outstanding < QUEUE_AHEAD * alive:
                    job = self._next(ready, delayed, jobs)
                    if job is None:
                        exhausted = not ready and not delayed
                        break
                    self._work.put(job)
                    outstanding += 1
                if (exhausted or self._stopping.is_set()) and outstanding == 0:
                    break
                outstanding, alive = self._collect(outstanding, alive, ready, delayed)
            if self._interrupted:
                self._wind_down(len(threads), alive, ready, delayed)
        except JournalError as error:
            journal_failed = True
            self.summary.stopped, self.summary.fatal = error.message, True
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            self._stop()
            for _ in threads:
                self._work.put(None)
            if not journal_failed:
                self._flush()
            self._writer_done.set()
            self._refuse_waiting()
            self.summary.pending += self._leftover(ready, delayed, jobs)
            if self.summary.pending and not self.summary.stopped:
                self.summary.stopped = self._gave_up or "the run stopped early"
        if self._crash is not None:
            raise self._crash

    def _next(self, ready: deque[Job], delayed: list[Job], jobs: Iterator[Job]) -> Job | None:
        if delayed and delayed[0].not_before <= time.monotonic():
            return heapq.heappop(delayed)
        if ready:
            return ready.popleft()
        return next(jobs, None)

    def _collect(
        self, outstanding: int, alive: int, ready: deque[Job], delayed: list[Job]
    ) -> tuple[int, int]:
        """Wait for reports, apply what arrived together, commit, grant the claims."""
        timeout = MAX_UNCOMMITTED_SECONDS
        if delayed and not ready:
            timeout = min(timeout, max(0.0, delayed[0].not_before - time.monotonic()))
        try:
            events = [self._events.get(timeout=timeout)]
        except queue.Empty:
            self._flush()
            return outstanding, alive
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                break
        for event in (jobs.scrubbed(e, self.scrub) for e in events):  # before any log or journal
            if isinstance(event, Claim):
                self._claim(event)
            elif isinstance(event, Result):
                outstanding -= 1
                self._result(event, ready, delayed)
            else:
                alive -= 1
                self._exit(event)
        stale = self._buffer and time.monotonic() - self._oldest > MAX_UNCOMMITTED_SECONDS
        if self._claims or stale or len(self._buffer) >= MAX_UNCOMMITTED_CHANGES or not alive:
            self._flush()
        now = time.monotonic()
        if self.progress is not None and now - self._shown >= PROGRESS_EVERY_SECONDS:
            self._shown = now
            s = self.summary  # earlier runs' work counts too: the bar covers the whole list
            earlier = s.skipped + s.failed_earlier + s.suppressed
            held = s.unknown_skipped + s.unknown_given_up
            elapsed = now - self._started
            self.progress(
                Progress(
                    self._done + earlier + held, self.total, s.sent, s.failed, s.deferred, elapsed
                )
            )
        return outstanding, alive

    def _change(self, change: Change) -> None:
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(change)

    def _claim(self, claim: Claim) -> None:
        if self._stopping.is_set():
            claim.refused = True
            claim.granted.set()
            return
        job = claim.job
        self._change(Change(job.recipient.email, State.SENDING, resend=job.resend))
        self._claims.append(claim)

    def _result(self, result: Result, ready: deque[Job], delayed: list[Job]) -> None:
        job, s = result.job, self.summary
        address, words = job.recipient.email, result.words
        if result.outcome is Outcome.RETRY:
            ready.appendleft(job)
            return
        if result.outcome is Outcome.SENT:
            self._change(Change(address, State.SENT, resend=job.resend))
            s.sent += 1
            s.resent += job.resend
        elif result.outcome is Outcome.FAILED:
            self._change(Change(address, State.FAILED, words, resend=job.resend))
            s.failed += 1
            s.note(address, words)
        elif result.outcome is Outcome.UNKNOWN:
            self._change(Change(address, State.UNKNOWN, words, resend=job.resend))
            s.unknown += 1
            if not job.resend and self.options.on_unknown == "resend":
                s.unknown_resendable += 1
            s.note(address, f"no confirmation, maybe delivered: {words}")
        else:
            self._change(Change(address, State.DEFERRED, words, resend=job.resend))
            if job.attempt < self.options.max_attempts and not self._stopping.is_set():
                delay = min(
                    self.options.retry_delay * 2 ** (job.attempt - 1), self.options.max_retry_delay
                )
                job.attempt += 1
                job.not_before = time.monotonic() + delay
                heapq.heappush(delayed, job)
                return
            s.deferred += 1
            s.note(address, words)
        self._done += 1

    def _exit(self, event: Exit) -> None:
        if event.crash is not None and self._crash is None:
            self._crash = event.crash
            self._stop()
        if event.reason:
            logger.warning("a connection gave up: %s", event.reason)
            self._gave_up = event.reason  # the run's reason if all give up
            if event.fatal:
                self.summary.stopped, self.summary.fatal = self._gave_up, True
                self._stop()

    def _flush(self) -> None:
        """Commit every buffered change in one transaction, then let the claimants go on."""
        changes, claims = self._buffer, self._claims
        self._buffer, self._claims = [], []
        if changes and self.journal is not None:
            self.journal.record(self.edition_key, changes)
        for claim in claims:
            claim.granted.set()

    def _stop(self) -> None:
        """No new work, no new claims; claims not yet committed are refused."""
        self._stopping.set()
        for claim in self._claims:
            claim.refused = True
            claim.granted.set()
        self._claims = []
        self._buffer = [change for change in self._buffer if change.state is not State.SENDING]

    def _refuse_waiting(self) -> None:
        """After the writer's last commit, refuse any claim still in the queue."""
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            if isinstance(event, Claim):
                event.refused = True
                event.granted.set()

    def _catch_ctrl_c(self) -> signal.Handlers | Callable[..., object] | int | None:
        """While the send runs, Ctrl-C asks it to stop; a second Ctrl-C stops it at once.

        A flag, not an exception: KeyboardInterrupt could land between taking a worker's
        report and recording it, and a lost report is a message sent twice later.
        """
        if threading.current_thread() is not threading.main_thread():
            return None

        def stop(signum: int, frame: object) -> None:
            if self._interrupted:
                raise KeyboardInterrupt
            self._interrupted = True
            logger.warning("stopping: finishing the messages in hand (Ctrl-C again: at once)")

        return signal.signal(signal.SIGINT, stop)

    def _wind_down(self, workers: int, alive: int, ready: deque[Job], delayed: list[Job]) -> None:
        """After Ctrl-C: no new work; record what the workers finish, until all have left."""
        self.summary.interrupted = True
        self.summary.stopped = "interrupted; the messages in hand were finished and recorded"
        self._stop()
        for _ in range(workers):
            self._work.put(None)  # each worker leaves after the message in hand
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while alive and time.monotonic() < deadline:
            _, alive = self._collect(0, alive, ready, delayed)

    def _leftover(self, ready: deque[Job], delayed: list[Job], jobs: Iterator[Job]) -> int:
        """Count (and journal, through the planner) everything not handed out."""
        left = len(ready) + len(delayed)
        while True:
            try:
                job = self._work.get_nowait()
            except queue.Empty:
                break
            left += job is not None
        return left + sum(1 for _ in jobs)

    # --- the workers (one thread per connection) ----------------------------------------------

    def _ask(self, job: Job, claimed: list[bool]) -> None:
        """The transport's `before_data`: wait until the journal holds the message as sending."""
        claim = Claim(job)
        self._events.put(claim)
        while not claim.granted.wait(POLL_SECONDS):
            if self._writer_done.is_set():  # nobody will commit it: it must not go
                raise Refused
        if claim.refused:
            raise Refused
        claimed[0] = True

    def _worker(self, transport: Transport) -> None:
        """One connection: take a job, send it, report; reconnect with backoff when it drops."""
        failures = 0
        end = Exit()
        current: Job | None = None
        claimed = [False]

        def report(outcome: Outcome, words: str = "") -> None:
            nonlocal current
            assert current is not None
            self._events.put(Result(current, outcome, words))
            current = None

        try:
            while (current := self._work.get()) is not None:
                job = current
                if self._stopping.is_set():
                    report(Outcome.RETRY)
                    continue
                claimed[0] = False
                self._rate.wait()
                data = self.render(job.recipient)
                try:
                    transport.send(
                        self.sender(job.recipient),
                        job.recipient.email,
                        data,
                        functools.partial(self._ask, job, claimed),
                    )
                except PermanentFailure as error:
                    report(Outcome.FAILED, error.message)
                except TemporaryFailure as error:
                    report(Outcome.DEFERRED, error.message)
                except ConnectionLost as error:
                    lost = error.after_data or claimed[0]
                    report(Outcome.UNKNOWN if lost else Outcome.RETRY, error.message)
                    failures += 1
                    if failures > self.options.max_reconnects:
                        end.reason = f"the connection failed {failures} times: {error.message}"
                        break
                    delay = self.options.reconnect_delay * 2 ** (failures - 1)
                    self._stopping.wait(min(delay, self.options.max_retry_delay))
                except FatalTransportError as error:
                    report(Outcome.UNKNOWN if claimed[0] else Outcome.RETRY, error.message)
                    end.reason, end.fatal = error.message, True
                    break
                except Refused:
                    report(Outcome.RETRY)
                else:
                    report(Outcome.SENT)
                    failures = 0
        except BaseException as error:  # a bug must not hang the writer or lose the job
            end.crash = error
            if current is not None:
                report(
                    Outcome.UNKNOWN if claimed[0] else Outcome.RETRY, f"internal error: {error!r}"
                )
        finally:
            transport.close()
            self._events.put(end)
