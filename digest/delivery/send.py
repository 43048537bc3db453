"""One send of one edition, top to bottom: personalize, plan against the journal, deliver.

The recipients are read in chunks: each chunk is checked against the suppression list (one
query), recorded in the journal (one transaction), and turned into work for the connections,
so memory does not grow with the list.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from digest.config import Publication
from digest.delivery.dispatch import Dispatcher
from digest.delivery.journal import Journal
from digest.delivery.options import Progress, SendOptions, SendSummary
from digest.delivery.personalize import prepare, read_secret
from digest.delivery.plan import plan
from digest.delivery.recipient_list import RecipientList
from digest.delivery.recipients import Recipient
from digest.delivery.redact import redactor
from digest.delivery.suppression import SuppressionList
from digest.delivery.transports import Transport
from digest.mail.personal import DEFAULT_MARKERS, Markers

logger = logging.getLogger(__name__)

TransportSource = Transport | Callable[[], Transport]


def send_edition(
    publication: Publication,
    edition_key: str,
    subject: str,
    text: str,
    html: str,
    recipients: Sequence[Recipient] | RecipientList,
    transport: TransportSource,
    journal: Journal | None,
    options: SendOptions = SendOptions(),
    progress: Callable[[Progress], None] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    suppressions: SuppressionList | None = None,
    markers: Markers = DEFAULT_MARKERS,
    secrets: Sequence[str | None] = (),
    replies_to: str | None = None,
) -> SendSummary:
    """Send an edition to every recipient not yet sent; journal=None for a --test send.

    `transport` is one transport (one connection), or a factory called once per connection
    (`options.connections`). Addresses on `suppressions` are skipped and counted, never mailed.
    `secrets` (e.g. the SMTP password) are removed from every error kept or shown.
    `replies_to` threads each message to the reader's copy of that edition (corrections).
    """
    environ = os.environ if environ is None else environ
    summary = SendSummary(total=len(recipients), dry_run=options.dry_run)
    if not recipients:
        return summary

    # 1. Build the message once; prove the first personalized copy decodes intact.
    secret = read_secret(publication.unsubscribe.secret_env, environ)
    personalizer = prepare(
        publication,
        edition_key=edition_key,
        subject=subject,
        text=text,
        html=html,
        date=options.date or datetime.now(UTC),
        secret=secret,
        available_fields=_fields(recipients),
        markers=markers,  # only the markers the build placed are filled, never content's
        replies_to=replies_to,
    )
    first = next(iter(recipients))
    personalizer.verify(personalizer.render(first), first)
    if options.dry_run:
        for recipient in recipients:  # every header is built and checked, nothing is sent
            personalizer.render(recipient)
        return summary

    # 2. Lock the edition, open the connections, plan chunk by chunk and deliver.
    if journal is not None:
        journal.lock(edition_key)
    commits_before = journal.commits if journal is not None else 0
    transports: list[Transport] = []
    try:
        transports = _connections(transport, options.connections)
        summary.connections = len(transports)
        summary.destination = getattr(transports[0], "destination", None)
        dispatcher = Dispatcher(
            edition_key=edition_key,
            sender=personalizer.envelope_sender,
            render=personalizer.render,
            transports=transports,
            journal=journal,
            options=options,
            summary=summary,
            progress=progress,
            scrub=redactor([*secrets, secret.decode("utf-8")]),
            total=len(recipients),
        )
        dispatcher.run(plan(edition_key, recipients, journal, suppressions, options, summary))
    finally:
        for opened in transports:
            opened.close()
        if journal is not None:
            summary.journal_commits = journal.commits - commits_before
            journal.unlock(edition_key)
    logger.info(
        "edition %s: %d sent, %d failed, %d deferred, %d unknown, %d already sent",
        edition_key,
        summary.sent,
        summary.failed,
        summary.deferred,
        summary.unknown,
        summary.skipped,
    )
    return summary


def _fields(recipients: Sequence[Recipient] | RecipientList) -> frozenset[str]:
    """The merge fields every recipient can fill (a checked list knows them from its header)."""
    if isinstance(recipients, RecipientList):
        return recipients.fields
    return frozenset({"email", "name"} | {key for r in recipients for key, _ in r.fields})


def _connections(source: TransportSource, wanted: int) -> list[Transport]:
    """One transport per connection; a transport may allow fewer (an mbox file takes one)."""
    if isinstance(source, Transport):
        return [source]  # a single transport instance: one connection
    first = source()
    limit = getattr(first, "max_connections", None) or wanted
    return [first, *(source() for _ in range(min(wanted, limit) - 1))]
