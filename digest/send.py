"""One send of one edition, top to bottom: personalize, journal, deliver, retry, summarize."""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from digest.config import Publication
from digest.errors import DigestError, ExitCode
from digest.ledger import Journal, State
from digest.message import parse_address
from digest.personalize import prepare, read_secret
from digest.recipients import Recipient
from digest.transports import (
    ConnectionLost,
    FatalTransportError,
    PermanentFailure,
    TemporaryFailure,
    Transport,
)

logger = logging.getLogger(__name__)

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


@dataclass(order=True, slots=True)
class _Work:
    not_before: float
    order: int
    recipient: Recipient = field(compare=False)
    attempt: int = field(default=1, compare=False)


def send_edition(
    publication: Publication,
    edition_key: str,
    subject: str,
    text: str,
    html: str,
    recipients: Sequence[Recipient],
    transport: Transport,
    journal: Journal | None,
    options: SendOptions = SendOptions(),
    progress: Callable[[Progress], None] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> SendSummary:
    """Send an edition to every recipient not yet sent; journal=None for a --test send."""
    environ = os.environ if environ is None else environ
    summary = SendSummary(total=len(recipients), dry_run=options.dry_run)
    if not recipients:
        return summary

    # 1. Build the message once; prove the first personalized copy decodes intact.
    secret = read_secret(publication.unsubscribe.secret_env, environ)
    fields = {"email", "name"} | {key for r in recipients for key, _ in r.fields}
    personalizer = prepare(
        publication,
        edition_key=edition_key,
        subject=subject,
        text=text,
        html=html,
        date=options.date or datetime.now(UTC),
        secret=secret,
        available_fields=fields,
    )
    personalizer.verify(personalizer.render(recipients[0]), recipients[0])
    sender = parse_address(publication.from_address, "From address").addr_spec

    if options.dry_run:
        for recipient in recipients:  # every header is built and checked, nothing is sent
            personalizer.render(recipient)
        return summary

    # 2. Journal: lock the edition, record the list, decide who needs a message.
    if journal is not None:
        journal.lock(edition_key)
    try:
        work = _plan(edition_key, recipients, journal, options, summary)
        _deliver(
            edition_key,
            work,
            sender,
            personalizer.render,
            transport,
            journal,
            options,
            summary,
            progress,
        )
    finally:
        transport.close()
        if journal is not None:
            journal.unlock(edition_key)
    logger.info(
        "edition %s: %d sent, %d failed, %d deferred, %d already sent",
        edition_key,
        summary.sent,
        summary.failed,
        summary.deferred,
        summary.skipped,
    )
    return summary


def _plan(
    edition_key: str,
    recipients: Sequence[Recipient],
    journal: Journal | None,
    options: SendOptions,
    summary: SendSummary,
) -> list[_Work]:
    if journal is None:
        return [_Work(0.0, n, r) for n, r in enumerate(recipients)]
    journal.add(edition_key, (r.email for r in recipients))
    states = journal.states(edition_key)
    work: list[_Work] = []
    for recipient in recipients:
        state = states[recipient.email.lower()]
        if state is State.SENT:
            summary.skipped += 1
        elif state is State.FAILED:
            summary.failed_earlier += 1
        elif state is State.SENDING and options.on_unknown == "skip":
            summary.unknown_skipped += 1
        else:  # pending, deferred, or unknown to be re-sent (at most one duplicate)
            work.append(_Work(0.0, len(work), recipient))
    return work


def _deliver(
    edition_key: str,
    work: list[_Work],
    sender: str,
    render: Callable[[Recipient], bytes],
    transport: Transport,
    journal: Journal | None,
    options: SendOptions,
    summary: SendSummary,
    progress: Callable[[Progress], None] | None,
) -> None:
    heapq.heapify(work)
    total = len(work)
    done = 0
    started = time.monotonic()
    next_slot = started
    interval = 1.0 / options.rate if options.rate > 0 else 0.0
    connection_failures = 0
    order = itertools.count(total)

    # A 250 is recorded in the same commit as the next recipient's `sending` (one fsync per
    # message instead of two); it is still durable before any other DATA begins, so at most
    # one delivered message is ever left `sending`.
    unrecorded_sent: list[str] = []

    def flush() -> None:
        if journal is not None and unrecorded_sent:
            journal.mark(edition_key, unrecorded_sent.pop(), State.SENT)

    def mark(address: str, state: State, error: str | None = None) -> None:
        if journal is None:
            return
        if state is State.SENDING and unrecorded_sent:
            journal.mark_sent_then_sending(edition_key, unrecorded_sent.pop(), address)
            return
        flush()
        journal.mark(edition_key, address, state, error)

    try:
        while work:
            item = heapq.heappop(work)
            address = item.recipient.email
            now = time.monotonic()
            wait = max(item.not_before - now, next_slot - now)
            if wait > 0:
                flush()  # never hold a 250 unrecorded while idle
                time.sleep(wait)
            next_slot = max(next_slot, time.monotonic()) + interval
            data = render(item.recipient)
            try:
                transport.send(
                    sender, address, data, functools.partial(mark, address, State.SENDING)
                )
            except PermanentFailure as error:
                mark(address, State.FAILED, error.message)
                summary.failed += 1
                summary.errors.append((address, error.message))
            except TemporaryFailure as error:
                mark(address, State.DEFERRED, error.message)
                if item.attempt < options.max_attempts:
                    delay = min(
                        options.retry_delay * 2 ** (item.attempt - 1), options.max_retry_delay
                    )
                    heapq.heappush(
                        work,
                        _Work(
                            time.monotonic() + delay, next(order), item.recipient, item.attempt + 1
                        ),
                    )
                    continue
                summary.deferred += 1
                summary.errors.append((address, error.message))
            except ConnectionLost as error:
                if error.after_data and options.on_unknown == "skip":
                    summary.unknown_skipped += 1  # may have been delivered: leave it `sending`
                else:
                    heapq.heappush(work, _Work(0.0, item.order, item.recipient, item.attempt))
                connection_failures += 1
                logger.warning("connection problem (%d in a row): %s", connection_failures, error)
                if connection_failures > options.max_reconnects:
                    summary.stopped = f"the connection failed {connection_failures} times: {error}"
                    summary.pending = len(work)
                    return
                flush()
                time.sleep(options.reconnect_delay * 2 ** (connection_failures - 1))
                continue
            except FatalTransportError as error:
                summary.stopped = error.message
                summary.fatal = True
                summary.pending = len(work) + 1
                return
            else:
                unrecorded_sent.append(address)
                summary.sent += 1
                connection_failures = 0
            done += 1
            if progress is not None:
                progress(
                    Progress(
                        done,
                        total,
                        summary.sent,
                        summary.failed,
                        summary.deferred,
                        time.monotonic() - started,
                    )
                )
    finally:
        flush()


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What `digest send` was asked to do, as plain values."""

    edition_path: Path
    recipients_csv: Path | None = None
    test_address: str | None = None
    transport: str | None = None
    delivery_overrides: dict[str, object] = field(default_factory=dict)
    journal_path: Path | None = None
    skip_invalid: bool = False
    rate: float | None = None  # messages per second; None = [delivery] rate
    options: SendOptions = SendOptions()


def send_edition_file(
    request: SendRequest,
    *,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None = None,
    warn: Callable[[str], None] = logger.warning,
    environ: Mapping[str, str] | None = None,
) -> SendSummary:
    """Build an edition, check it, load recipients and send: `digest send`, top to bottom.

    Refuses to send an edition `digest check` finds errors in; asks `confirm` before a real
    send to a list (not for --test or --dry-run).
    """
    from digest.build import build_in_memory
    from digest.config import load_edition
    from digest.ledger import default_journal_path
    from digest.personalize import UNSUBSCRIBE_URL_MARKER
    from digest.recipients import check_address, describe_problems, load_recipients
    from digest.transports import create_transport

    if (request.recipients_csv is None) == (request.test_address is None):
        raise DigestError("give exactly one of --to LIST.csv or --test ADDRESS")
    environ = os.environ if environ is None else environ
    loaded = load_edition(request.edition_path)
    publication = loaded.publication
    built = build_in_memory(loaded, unsubscribe_url=UNSUBSCRIBE_URL_MARKER)
    errors = [finding for finding in built.findings if finding.severity == "error"]
    if errors:
        listed = "\n".join(f"  - {finding.message}" for finding in errors)
        raise DigestError(
            f"not sending: `digest check` finds {len(errors)} error(s):\n{listed}",
            exit_code=ExitCode.CHECK,
        )
    if request.test_address is not None:
        try:
            recipients = [Recipient(check_address(request.test_address))]
        except ValueError as error:
            raise DigestError(f"--test {request.test_address!r}: {error}") from None
    else:
        assert request.recipients_csv is not None
        listing = load_recipients(request.recipients_csv, skip_invalid=request.skip_invalid)
        recipients = list(listing.recipients)
        if listing.problems:
            warn(describe_problems(request.recipients_csv, listing.problems, skipped=True))
    delivery = publication.delivery.model_copy(update=request.delivery_overrides)
    transport_name = request.transport or delivery.transport
    transport = create_transport(transport_name, delivery, loaded.root, environ)
    options = replace(request.options, rate=delivery.rate if request.rate is None else request.rate)
    real_send = not (request.options.dry_run or request.test_address)
    question = (
        f"Send the {loaded.date.isoformat()} edition to {len(recipients)} recipients "
        f"through {transport_name}?"
    )
    if real_send and not confirm(question):
        raise DigestError("not sent: cancelled", exit_code=ExitCode.OK)
    journal = (
        None
        if request.test_address
        else Journal(request.journal_path or default_journal_path(loaded.root))
    )
    try:
        return send_edition(
            publication,
            loaded.date.isoformat(),
            built.edition.subject,
            built.digest.text,
            built.digest.html,
            recipients,
            transport,
            journal,
            options,
            progress,
            environ=environ,
        )
    finally:
        if journal is not None:
            journal.close()
