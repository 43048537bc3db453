"""One send of one edition, top to bottom: personalize, journal, deliver, retry, summarize."""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from digest.config import Publication
from digest.delivery.journal import Journal, State
from digest.delivery.options import Progress, SendOptions, SendSummary
from digest.delivery.personalize import prepare, read_secret
from digest.delivery.recipients import Recipient
from digest.delivery.suppression import SuppressionList, normalize_address
from digest.delivery.transports import (
    ConnectionLost,
    FatalTransportError,
    PermanentFailure,
    TemporaryFailure,
    Transport,
)
from digest.mail.message import parse_address
from digest.mail.personal import DEFAULT_MARKERS, Markers

logger = logging.getLogger(__name__)


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
    suppressions: SuppressionList | None = None,
    markers: Markers = DEFAULT_MARKERS,
) -> SendSummary:
    """Send an edition to every recipient not yet sent; journal=None for a --test send.

    Addresses on `suppressions` (unsubscribed, bounced) are skipped and counted, never mailed.
    """
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
        markers=markers,  # only the markers the build placed are filled, never content's
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
        recipients = _without_suppressed(recipients, suppressions, summary)
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


def _without_suppressed(
    recipients: Sequence[Recipient],
    suppressions: SuppressionList | None,
    summary: SendSummary,
) -> Sequence[Recipient]:
    """The recipients minus the suppressed ones, checked in batches (one query per batch)."""
    if suppressions is None:
        return recipients
    suppressed = suppressions.suppressed([recipient.email for recipient in recipients])
    if not suppressed:
        return recipients
    kept = [r for r in recipients if normalize_address(r.email) not in suppressed]
    summary.suppressed += len(recipients) - len(kept)
    return kept


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
