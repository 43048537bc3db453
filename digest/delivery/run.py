"""`digest send`, top to bottom: build and check the edition, load recipients, confirm, send."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.delivery.journal import Journal
from digest.delivery.options import Progress, SendOptions, SendSummary
from digest.delivery.recipients import Recipient
from digest.delivery.send import send_edition
from digest.delivery.suppression import SuppressionList, default_suppression_path
from digest.errors import DigestError, ExitCode

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
    from digest.delivery.journal import default_journal_path
    from digest.delivery.recipients import check_address, describe_problems, load_recipients
    from digest.delivery.transports import create_transport

    if (request.recipients_csv is None) == (request.test_address is None):
        raise DigestError("give exactly one of --to LIST.csv or --test ADDRESS")
    environ = os.environ if environ is None else environ
    loaded = load_edition(request.edition_path)
    publication = loaded.publication
    built = build_in_memory(loaded)
    assert built.personal is not None
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
    # A test send goes where the editor said; a list send honours every unsubscribe and bounce.
    suppressions = (
        None if request.test_address else SuppressionList(default_suppression_path(loaded.root))
    )
    try:
        return send_edition(
            publication,
            loaded.date.isoformat(),
            built.edition.subject,
            built.personal.text,
            built.personal.html,
            recipients,
            transport,
            journal,
            options,
            progress,
            environ=environ,
            suppressions=suppressions,
            markers=built.personal.markers,
        )
    finally:
        if journal is not None:
            journal.close()
        if suppressions is not None:
            suppressions.close()
