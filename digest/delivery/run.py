"""`digest send`, top to bottom: build and check the edition, check the list, confirm, send."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.config import Delivery, LoadedEdition
from digest.delivery.ahead import OutlookCounter, already_note, connections_note, nothing_to_send
from digest.delivery.approval import check_approval, name_of
from digest.delivery.guard import check_journal, check_journal_file, recorded
from digest.delivery.journal import Journal
from digest.delivery.options import Progress, SendOptions, SendSummary
from digest.delivery.personalize import read_secret
from digest.delivery.plan import Outlook, outlook
from digest.delivery.readers import prepare_readers
from digest.delivery.recipient_list import (
    ListCheck,
    RecipientList,
    describe_duplicates,
    describe_held,
    describe_problems,
    load_recipients,
)
from digest.delivery.recipients import Recipient
from digest.delivery.redact import credential_forms
from digest.delivery.send import send_edition
from digest.delivery.sent import record_delivery, say_history
from digest.delivery.subscriber_list import SubscriberList, names_the_store
from digest.delivery.suppression import (
    SuppressionList,
    default_suppression_path,
)
from digest.delivery.targets import list_target, open_for_test, recipient_for_test
from digest.delivery.transports import Transport
from digest.errors import DigestError, ExitCode
from digest.history.schedule import local, only_embargoes
from digest.history.sends import SendRecord
from digest.mail.clicks import PREVIEW_CLICK_KEY, click_key
from digest.mail.findings import Finding
from digest.mail.headers import clean_subject

logger = logging.getLogger(__name__)


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
    resend_all: bool = False  # after a restore: send although the history says it went out
    options: SendOptions = SendOptions()
    sender: str | None = None  # who is sending (`--as`; else DIGEST_APPROVER)
    at: str | None = None  # `--at`: when to start (a time on the edition's day, or ISO)
    assume_yes: bool = False  # --yes: nothing is asked, so nothing is counted only to ask


# Called once everything is checked and confirmed: True to send now, False to hold back.
Release = Callable[[], bool]


def send_edition_file(
    request: SendRequest,
    *,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None = None,
    warn: Callable[[str], None] = logger.warning,
    environ: Mapping[str, str] | None = None,
    countdown: Callable[[float], None] | None = None,
) -> SendSummary:
    """Build an edition, check it, check the list and send: `digest send`, top to bottom.

    Refuses to send an edition `digest check` finds errors in; asks `confirm` before a real
    send to a list (not for --test or --dry-run), and not at all when nothing is left to send.
    With `at`, waits for that moment (`countdown` hears the seconds left) and starts then.
    """
    environ = os.environ if environ is None else environ

    def attempt(
        ask: Callable[[str], bool], moment: datetime | None, release: Release | None
    ) -> SendSummary:
        return _send(request, ask, progress, warn, environ, moment=moment, release=release)

    if request.at is None:
        return attempt(confirm, None, None)
    from digest.delivery.timing import send_at

    return send_at(request, attempt, confirm=confirm, countdown=countdown, warn=warn)


def _send(
    request: SendRequest,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None,
    warn: Callable[[str], None],
    environ: Mapping[str, str],
    *,
    moment: datetime | None,
    release: Release | None,
) -> SendSummary:
    """One attempt: everything checked, confirmed, then (when `release` says so) sent."""
    from digest.config import load_edition
    from digest.delivery.transports import create_transport

    loaded = load_edition(request.edition_path)
    publication = loaded.publication
    target = list_target(
        request.recipients_csv, request.test_address, publication.delivery.recipients, loaded.root
    )
    delivery = publication.delivery.model_copy(update=request.delivery_overrides)
    transport_name = request.transport or delivery.transport
    test = recipient_for_test(request.test_address) if request.test_address is not None else None
    # One transport now, so a configuration error shows before the build. A test send that
    # starts now also connects now: a relay that is down or misnamed is said at once, in one
    # sentence, not after a build and minutes of reconnecting (a list send can resume).
    first = create_transport(transport_name, delivery, loaded.root, environ)
    opened: Transport | None = None
    try:
        if test is not None and not request.options.dry_run and release is None:
            open_for_test(first, test.email)
            opened = first
        else:
            first.close()
        summary = _send_built(
            request,
            loaded,
            target,
            delivery,
            transport_name,
            opened,
            confirm,
            progress,
            warn,
            environ,
            moment=moment,
            release=release,
        )
    finally:
        first.close()
    if test is not None and not request.options.dry_run and not summary.sent and not summary.held:
        why = summary.errors[0][1] if summary.errors else summary.stopped or "it was not sent"
        raise DigestError(
            f"the test copy to {request.test_address} was not sent: {why}",
            exit_code=ExitCode.DELIVERY,
        )
    return summary


def _send_built(
    request: SendRequest,
    loaded: LoadedEdition,
    target: Path | None,
    delivery: Delivery,
    transport_name: str,
    opened: Transport | None,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None,
    warn: Callable[[str], None],
    environ: Mapping[str, str],
    *,
    moment: datetime | None,
    release: Release | None,
) -> SendSummary:
    """Build and check the edition, check the list (`target`: a file, the store, or None for
    a test), confirm, then (when released) send."""
    from digest.build import build_with_saved_cache
    from digest.delivery.journal import default_journal_path
    from digest.delivery.transports import create_transport

    publication = loaded.publication
    # Click links are signed with the secret's key, so the send's copy is built with it.
    clicks = publication.clicks.enabled
    secret = read_secret(publication.unsubscribe.secret_env, environ) if clicks else None
    built = build_with_saved_cache(
        loaded, at=moment, click_key=click_key(secret) if secret else PREVIEW_CLICK_KEY
    )
    assert built.personal is not None
    _refuse_errors(built.findings, test=request.test_address is not None, warn=warn)
    say_history(built, warn)
    sender = name_of(request.sender, environ, "the sender")
    subject = clean_subject(built.edition.subject)
    if subject != " ".join(built.edition.subject.split()):
        warn("the subject held invisible control or direction characters; they were removed")
    if request.test_address is not None:
        subject = " ".join(filter(None, (delivery.test_subject_prefix, subject)))
    options = replace(
        request.options,
        rate=delivery.rate if request.rate is None else request.rate,
        connections=1 if request.test_address else request.connections or delivery.connections,
    )
    if opened is not None:
        options = replace(options, max_reconnects=0)  # a test is tried once
    edition_key = loaded.identity  # its file, not its date: two editions may share a day
    password = environ.get(delivery.password_env)  # scrubbed from every error, used or not

    with contextlib.ExitStack() as stack:
        recipients: Sequence[Recipient] | RecipientList
        journal: Journal | None = None
        suppressions: SuppressionList | None = None
        record: SendRecord | None = None
        approver: str | None = None
        ahead = Outlook()
        if request.test_address is not None:
            recipients = [recipient_for_test(request.test_address)]
        else:
            assert target is not None
            if not request.options.dry_run:
                journal_path = request.journal_path or default_journal_path(loaded.root)
                record = check_journal_file(
                    journal_path, loaded.root, edition_key, resend_all=request.resend_all
                )
                journal = stack.enter_context(Journal(journal_path))
                check_journal(journal, record, loaded.root, resend_all=request.resend_all)
            # A list send honours every unsubscribe and bounce; a test goes where it is told.
            suppressions = stack.enter_context(
                SuppressionList(default_suppression_path(loaded.root))
            )
            counter: OutlookCounter | None = None
            if not request.options.dry_run:
                counter = OutlookCounter(
                    edition_key,
                    journal,
                    suppressions,
                    options.on_unknown,
                    ahead,
                    ask=not request.assume_yes,
                )
            # One pass over a file: the check, the spool and the counts for the question.
            listing: RecipientList = stack.enter_context(
                SubscriberList(loaded.root)
                if names_the_store(target)
                else load_recipients(
                    target,
                    skip_invalid=request.skip_invalid,
                    on_batch=counter,
                    root=loaded.root,
                )
            )
            _report_list(listing.check, warn)
            recipients = listing
            if counter is not None:
                if isinstance(listing, SubscriberList) or listing.check.withdrawn:
                    # The store is not read by batches; a withdrawn row was counted before a
                    # later row of its address held it. Either way: count the list as sent.
                    ahead = outlook(edition_key, listing, journal, suppressions, options.on_unknown)
                elif not counter.counts:
                    ahead.to_send = listing.check.valid  # --yes on a first send: not counted
                if ahead.to_send == 0:
                    nothing = nothing_to_send(len(listing), ahead, subject, transport_name)
                    return _with_held(nothing, listing)
                approver = check_approval(built, ahead.fingerprint, sender=sender)
            if not request.options.dry_run and not request.assume_yes:
                question = (
                    f"Send the {edition_key} edition to {ahead.to_send:,} recipient"
                    f"{'s' if ahead.to_send != 1 else ''} through {transport_name}"
                    f"{connections_note(transport_name, options.connections)}"
                    f"{_when(moment, publication.tz)}?"
                    + already_note(ahead.sent_earlier, ahead.suppressed, ahead.resend)
                )
                if not confirm(question):
                    return SendSummary(
                        total=len(listing),
                        cancelled=True,
                        subject=subject,
                        transport=transport_name,
                    )
        if release is not None and not release():
            return SendSummary(total=len(recipients), held=True, subject=subject)
        if journal is not None:  # what goes out is on record before the first message does
            record_delivery(built, journal, sender=sender, approver=approver)

        def connect() -> Transport:
            return create_transport(transport_name, delivery, loaded.root, environ)

        if not request.options.dry_run:
            # Before any message carries them: where click links lead; from which send on
            # old-format (readable) tokens start to expire.
            prepare_readers(
                loaded.root, loaded.identity, built.personal.links, test=journal is None
            )
        if journal is not None:  # a list send leaves a record in the history, without addresses
            stack.enter_context(
                recorded(
                    loaded.root,
                    journal,
                    record,
                    identity=edition_key,
                    date=loaded.date.isoformat(),
                    fingerprint=ahead.fingerprint,
                )
            )
        summary = send_edition(
            publication,
            edition_key,
            subject,
            built.personal.text,
            built.personal.html,
            recipients,
            opened or connect,
            journal,
            options,
            progress,
            environ=environ,
            suppressions=suppressions,
            markers=built.personal.markers,
            secrets=credential_forms(delivery.username, password),
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
        summary.list_held = recipients.check.held_total
        summary.suppress_command = recipients.check.suppress_command
    return summary


def _refuse_errors(findings: Sequence[Finding], *, test: bool, warn: Callable[[str], None]) -> None:
    """Not one message while `digest check` finds an error; an embargo has its own code.

    A test copy to the editor may go before an embargo lifts (reviewing it is the point).
    """
    errors = [finding for finding in findings if finding.severity == "error"]
    if not errors:
        return
    listed = "\n".join(f"  - {finding.message}" for finding in errors)
    if only_embargoes(errors):
        if test:
            warn(f"a test copy, sent before the embargo lifts:\n{listed}")
            return
        raise DigestError(f"not sending: an embargo holds:\n{listed}", exit_code=ExitCode.EMBARGO)
    raise DigestError(
        f"not sending: `digest check` finds {len(errors)} error(s):\n{listed}",
        exit_code=ExitCode.CHECK,
    )


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    return f" at {local(moment, tz)}"


def _report_list(check: ListCheck, warn: Callable[[str], None]) -> None:
    # How the file was read is context, not a warning: shown with -v.
    logger.info("%s: %s recipients; read as %s", check.source, f"{check.valid:,}", check.layout)
    for note in check.notes:
        warn(f"{check.source}: {note}")
    if check.problem_count:
        warn(describe_problems(check, skipped=True))
    if check.duplicate_count:
        warn(describe_duplicates(check))
    if check.held_total:
        warn(describe_held(check))
