"""Who still needs a message: the list against the journal and the suppression list.

`plan` turns the list into jobs chunk by chunk while the send runs; `outlook` counts the same
decisions beforehand (read-only) so `digest send` can say what it is about to do, or that there
is nothing to send.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from digest.delivery.jobs import Job
from digest.delivery.journal import Change, Entry, Journal, State
from digest.delivery.options import OnUnknown, SendOptions, SendSummary
from digest.delivery.recipient_list import RecipientList
from digest.delivery.recipients import Recipient
from digest.delivery.suppression import SuppressionList, normalize_address
from digest.history.sends import Fingerprint

# Recipients planned at a time: one suppression query and one journal transaction each.
PLAN_CHUNK = 1_000
LOST_IN_CRASH = "the run stopped before the server's answer was recorded"

T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


@dataclass(slots=True)
class Outlook:
    """What a send of the list would do now."""

    to_send: int = 0
    resend: int = 0  # of to_send: unknowns of an earlier run, re-sent once
    sent_earlier: int = 0
    failed_earlier: int = 0
    unknown_held: int = 0  # unknowns not re-sent (--on-unknown skip, or already re-sent once)
    suppressed: int = 0
    fingerprint: Fingerprint = field(default_factory=Fingerprint)  # of the whole list


def decide(entry: Entry | None, blocked: bool, on_unknown: OnUnknown) -> str:
    """'send', 'resend', 'sent', 'failed', 'suppressed', 'skip-unknown' or 'given-up'."""
    state = entry.state if entry else State.PENDING
    if state is State.SENT:
        return "sent"
    if state is State.FAILED:
        return "failed"
    if blocked:
        return "suppressed"
    if state in (State.SENDING, State.UNKNOWN):
        if entry is not None and entry.resent:
            return "given-up"
        return "skip-unknown" if on_unknown == "skip" else "resend"
    return "send"


def _unique(recipients: Iterable[Recipient]) -> Iterator[list[Recipient]]:
    """Chunks of recipients; a plain list's repeated addresses are dropped (a checked list
    has none)."""
    seen: set[str] = set()
    check = not isinstance(recipients, RecipientList)
    for chunk in batches(recipients, PLAN_CHUNK):
        if check:
            chunk = [r for r in chunk if r.email.lower() not in seen]
            seen.update(r.email.lower() for r in chunk)
        yield chunk


def _blocked(suppressions: SuppressionList | None, chunk: list[Recipient]) -> set[str]:
    return suppressions.suppressed([r.email for r in chunk]) if suppressions else set()


def plan(
    edition_key: str,
    recipients: Iterable[Recipient],
    journal: Journal | None,
    suppressions: SuppressionList | None,
    options: SendOptions,
    summary: SendSummary,
) -> Iterator[Job]:
    """Jobs for everyone who still needs a message; each chunk is journaled before its jobs go."""
    order = itertools.count()
    for chunk in _unique(recipients):
        blocked = _blocked(suppressions, chunk)
        entries = journal.add(edition_key, (r.email for r in chunk)) if journal else {}
        changes: list[Change] = []
        jobs: list[Job] = []
        for recipient in chunk:
            entry = entries.get(recipient.email.lower())
            decision = decide(
                entry, normalize_address(recipient.email) in blocked, options.on_unknown
            )
            if entry is not None and entry.state is State.SENDING and decision != "suppressed":
                changes.append(Change(recipient.email, State.UNKNOWN, LOST_IN_CRASH))
            if decision == "send":
                jobs.append(Job(recipient, next(order)))
            elif decision == "resend":
                jobs.append(Job(recipient, next(order), resend=True))
            elif decision == "sent":
                summary.skipped += 1
            elif decision == "failed":
                summary.failed_earlier += 1
            elif decision == "suppressed":
                summary.suppressed += 1
                if entry is None or entry.state is not State.SUPPRESSED:
                    changes.append(Change(recipient.email, State.SUPPRESSED))
            elif decision == "skip-unknown":
                summary.unknown_skipped += 1
            else:
                summary.unknown_given_up += 1
        if changes and journal is not None:
            journal.record(edition_key, changes)  # before any claim of this chunk's jobs
        yield from jobs


def outlook(
    edition_key: str,
    recipients: Iterable[Recipient],
    journal: Journal | None,
    suppressions: SuppressionList | None,
    on_unknown: OnUnknown,
) -> Outlook:
    """Count what `plan` would decide, without writing anything."""
    result = Outlook()
    known = journal is not None and journal.has(edition_key)
    for chunk in _unique(recipients):
        blocked = _blocked(suppressions, chunk)
        entries = journal.lookup(edition_key, (r.email for r in chunk)) if known and journal else {}
        for recipient in chunk:
            entry = entries.get(recipient.email.lower())
            address = normalize_address(recipient.email)
            result.fingerprint.add(address)
            decision = decide(entry, address in blocked, on_unknown)
            if decision in ("send", "resend"):
                result.to_send += 1
                result.resend += decision == "resend"
            elif decision == "sent":
                result.sent_earlier += 1
            elif decision == "failed":
                result.failed_earlier += 1
            elif decision == "suppressed":
                result.suppressed += 1
            else:
                result.unknown_held += 1
    return result
