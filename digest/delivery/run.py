"""`digest send`, top to bottom: build and check the edition, check the list, confirm, send."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.delivery.journal import Journal
from digest.delivery.options import OnUnknown, Progress, SendOptions, SendSummary
from digest.delivery.plan import Outlook, outlook
from digest.delivery.recipient_list import (
    BatchListener,
    ListCheck,
    RecipientList,
    describe_duplicates,
    describe_held,
    describe_problems,
    load_recipients,
)
from digest.delivery.recipients import Recipient, check_address
from digest.delivery.send import send_edition
from digest.delivery.suppression import SuppressionList, default_suppression_path
from digest.errors import DigestError, ExitCode
from digest.mail.headers import clean_subject

logger = logging.getLogger(__name__)

# A suppression list up to this size is read into memory once (about 5 MB) for the counts a
# send shows before it asks; a larger one is asked a batch at a time.
SUPPRESSIONS_IN_MEMORY = 50_000


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
    connections: int | None = None  # None = [delivery] connections
    options: SendOptions = SendOptions()
    assume_yes: bool = False  # --yes: nothing is asked, so nothing is counted only to ask


def send_edition_file(
    request: SendRequest,
    *,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None = None,
    warn: Callable[[str], None] = logger.warning,
    environ: Mapping[str, str] | None = None,
) -> SendSummary:
    """Build an edition, check it, check the list and send: `digest send`, top to bottom.

    Refuses to send an edition `digest check` finds errors in; asks `confirm` before a real
    send to a list (not for --test or --dry-run), and not at all when nothing is left to send.
    """
    from digest.build import build_with_saved_cache
    from digest.config import load_edition
    from digest.delivery.journal import default_journal_path
    from digest.delivery.transports import Transport, create_transport

    if (request.recipients_csv is None) == (request.test_address is None):
        raise DigestError("give exactly one of --to LIST.csv or --test ADDRESS")
    environ = os.environ if environ is None else environ
    loaded = load_edition(request.edition_path)
    publication = loaded.publication
    built = build_with_saved_cache(loaded)
    assert built.personal is not None
    errors = [finding for finding in built.findings if finding.severity == "error"]
    if errors:
        listed = "\n".join(f"  - {finding.message}" for finding in errors)
        raise DigestError(
            f"not sending: `digest check` finds {len(errors)} error(s):\n{listed}",
            exit_code=ExitCode.CHECK,
        )
    delivery = publication.delivery.model_copy(update=request.delivery_overrides)
    transport_name = request.transport or delivery.transport
    subject = clean_subject(built.edition.subject)
    if subject != " ".join(built.edition.subject.split()):
        warn("the subject held invisible control or direction characters; they were removed")
    if request.test_address is not None:
        subject = " ".join(filter(None, (delivery.test_subject_prefix, subject)))
    # Build one transport now, so a configuration error shows before anything else happens.
    create_transport(transport_name, delivery, loaded.root, environ).close()
    options = replace(
        request.options,
        rate=delivery.rate if request.rate is None else request.rate,
        connections=1 if request.test_address else request.connections or delivery.connections,
    )
    edition_key = loaded.date.isoformat()
    password = environ.get(delivery.password_env)  # scrubbed from every error, used or not

    with contextlib.ExitStack() as stack:
        recipients: Sequence[Recipient] | RecipientList
        journal: Journal | None = None
        suppressions: SuppressionList | None = None
        if request.test_address is not None:
            recipients = [_test_recipient(request.test_address)]
        else:
            assert request.recipients_csv is not None
            if not request.options.dry_run:
                journal = stack.enter_context(
                    Journal(request.journal_path or default_journal_path(loaded.root))
                )
            # A list send honours every unsubscribe and bounce; a test goes where it is told.
            suppressions = stack.enter_context(
                SuppressionList(default_suppression_path(loaded.root))
            )
            ahead = Outlook()
            counter = None
            if not request.options.dry_run:
                counter = _outlook_counter(
                    edition_key,
                    journal,
                    suppressions,
                    options.on_unknown,
                    ahead,
                    ask=not request.assume_yes,
                )
            # One pass over the file: the check, the spool and the counts for the question.
            listing = stack.enter_context(
                load_recipients(
                    request.recipients_csv,
                    skip_invalid=request.skip_invalid,
                    on_batch=counter,
                    root=loaded.root,
                )
            )
            _report_list(listing.check, warn)
            recipients = listing
            if counter is not None:
                ahead.to_send = max(0, ahead.to_send - listing.check.withdrawn)
                if ahead.to_send == 0:
                    nothing = _nothing_to_send(len(listing), ahead, subject, transport_name)
                    return _with_held(nothing, listing)
            if not request.options.dry_run and not request.assume_yes:
                question = (
                    f"Send the {edition_key} edition to {ahead.to_send:,} recipient"
                    f"{'s' if ahead.to_send != 1 else ''} through {transport_name}"
                    f"{_connections_note(transport_name, options.connections)}?"
                    + _already(ahead.sent_earlier, ahead.suppressed, ahead.resend)
                )
                if not confirm(question):
                    return SendSummary(
                        total=len(listing),
                        cancelled=True,
                        subject=subject,
                        transport=transport_name,
                    )

        def connect() -> Transport:
            return create_transport(transport_name, delivery, loaded.root, environ)

        summary = send_edition(
            publication,
            edition_key,
            subject,
            built.personal.text,
            built.personal.html,
            recipients,
            connect,
            journal,
            options,
            progress,
            environ=environ,
            suppressions=suppressions,
            markers=built.personal.markers,
            secrets=[password],
        )
    summary.subject, summary.transport = subject, transport_name
    summary.test_address = request.test_address
    return _with_held(summary, recipients)


def _with_held(
    summary: SendSummary, recipients: Sequence[Recipient] | RecipientList
) -> SendSummary:
    """The summary, saying how many readers the list itself kept from mail (and the command
    that suppresses them for good)."""
    if isinstance(recipients, RecipientList):
        summary.held = recipients.check.held_total
        summary.suppress_command = recipients.check.suppress_command
    return summary


def _test_recipient(address: str) -> Recipient:
    try:
        return Recipient(check_address(address))
    except ValueError as error:
        raise DigestError(f"--test {address!r}: {error}") from None


def _report_list(check: ListCheck, warn: Callable[[str], None]) -> None:
    warn(f"{check.source}: {check.valid:,} recipients; read as {check.layout}")
    for note in check.notes:
        warn(f"{check.source}: {note}")
    if check.problem_count:
        warn(describe_problems(check, skipped=True))
    if check.duplicate_count:
        warn(describe_duplicates(check))
    if check.held_total:
        warn(describe_held(check))


def _outlook_counter(
    edition_key: str,
    journal: Journal | None,
    suppressions: SuppressionList,
    on_unknown: OnUnknown,
    into: Outlook,
    *,
    ask: bool,
) -> BatchListener | None:
    """What counts, batch by batch as the list is checked, what a send would do now.

    On a first send nobody has an entry in the journal: a reader is to send unless suppressed,
    and only a question needs that count (the send checks the suppression list anyway). Once
    the journal knows the edition, `outlook` decides as `plan` will, so that a run with nothing
    left to send says so before it connects anywhere.
    """
    if journal is not None and journal.has(edition_key):

        def decide(addresses: list[str]) -> None:
            counted = outlook(
                edition_key, [Recipient(a) for a in addresses], journal, suppressions, on_unknown
            )
            for name in Outlook.__dataclass_fields__:
                setattr(into, name, getattr(into, name) + getattr(counted, name))

        return decide
    if not ask:
        return None
    # Most suppression lists are a small share of the list: one read, then set lookups,
    # instead of a query per batch (1-2 µs an address).
    known: set[str] | None = None
    if sum(suppressions.counts().values()) <= SUPPRESSIONS_IN_MEMORY:
        known = {entry.address for entry in suppressions.entries()}

    def count(addresses: list[str]) -> None:
        if known is None:
            blocked = len(suppressions.suppressed(addresses))
        else:
            blocked = sum(1 for a in addresses if a.lower() in known) if known else 0
        into.suppressed += blocked
        into.to_send += len(addresses) - blocked

    return count


def _nothing_to_send(total: int, ahead: Outlook, subject: str, transport: str) -> SendSummary:
    return SendSummary(
        total=total,
        subject=subject,
        transport=transport,
        skipped=ahead.sent_earlier,
        failed_earlier=ahead.failed_earlier,
        unknown_skipped=ahead.unknown_held,
        suppressed=ahead.suppressed,
    )


def _connections_note(transport: str, connections: int) -> str:
    if transport != "smtp":
        return ""
    return f" over {connections} connection{'s' if connections != 1 else ''}"


def _already(sent: int, suppressed: int, resend: int) -> str:
    parts = []
    if sent:
        parts.append(f"{sent:,} already sent")
    if suppressed:
        parts.append(f"{suppressed:,} suppressed (unsubscribed or bounced)")
    if resend:
        parts.append(f"{resend:,} unconfirmed from an earlier run, sent once more")
    return f" ({'; '.join(parts)})" if parts else ""
