"""`digest correct`: record a correction, and with `--notify` tell the readers who got the edition.

The notice goes to the readers the journal holds as having the edition (sent, or unconfirmed:
they may have it), less the suppression list, each threaded to the reader's own copy
(In-Reply-To and References: its Message-ID, derived from the same secret as the send's). It is
a send of its own under the journal's guarantees, keyed `<edition>+correction-<n>` (a name no
edition can have), so running the command again mails nobody twice, and a lost journal is
refused as for any send.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from digest.build import archive_link, build_with_saved_cache
from digest.config import LoadedEdition, load_edition
from digest.delivery.ahead import already_note, nothing_to_send
from digest.delivery.guard import check_journal, check_journal_file, recorded
from digest.delivery.journal import Journal, State, default_journal_path
from digest.delivery.options import Progress, SendOptions, SendSummary
from digest.delivery.plan import outlook
from digest.delivery.recipients import Recipient
from digest.delivery.redact import credential_forms
from digest.delivery.send import send_edition
from digest.delivery.suppression import SuppressionList, default_suppression_path
from digest.errors import DigestError, ExitCode
from digest.history.corrections import CorrectionRecord, add_correction, pick_story
from digest.history.memory import BUILT, STORY, Remembered, remembered_of, stories_of
from digest.history.sends import MAY_HAVE_GONE
from digest.history.versions import sent_version
from digest.mail.headers import clean_subject
from digest.mail.notice import render_notice

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CorrectRequest:
    """What `digest correct` was asked to do."""

    edition_path: Path
    story: str  # its number as `digest history` lists them, or its link
    note: str
    notify: bool = False
    transport: str | None = None
    journal_path: Path | None = None
    options: SendOptions = SendOptions()


@dataclass(frozen=True, slots=True)
class Corrected:
    """What `digest correct` did."""

    loaded: LoadedEdition
    correction: CorrectionRecord
    new: bool  # False: the same note on the same story was recorded before
    summary: SendSummary | None  # the notice's send, with --notify


def _stories(loaded: LoadedEdition) -> list[Remembered]:
    """The edition's stories as it went out (as built, if the history has no record of it)."""
    stories = [s for s in stories_of(loaded.root, loaded.identity) if s.kind == STORY]
    if stories:
        return stories
    built = build_with_saved_cache(loaded)
    return remembered_of(built.edition, loaded.identity, BUILT, built.origins)


def correct_edition(
    request: CorrectRequest,
    *,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None = None,
    environ: Mapping[str, str],
) -> Corrected:
    """Record the correction; with `notify`, send the notice to the edition's readers."""
    loaded = load_edition(request.edition_path)
    story = pick_story(_stories(loaded), request.story, loaded.edition_path.name)
    correction, new = add_correction(loaded.root, story, request.note, loaded.publication.tz)
    summary = None
    if request.notify:
        summary = notify_readers(
            loaded, correction, request, confirm=confirm, progress=progress, environ=environ
        )
    return Corrected(loaded, correction, new, summary)


def notify_readers(
    loaded: LoadedEdition,
    correction: CorrectionRecord,
    request: CorrectRequest,
    *,
    confirm: Callable[[str], bool],
    progress: Callable[[Progress], None] | None,
    environ: Mapping[str, str],
) -> SendSummary:
    """Send the correction notice to every reader who may have the edition, once each."""
    from digest.delivery.transports import Transport, create_transport

    publication, root, identity = loaded.publication, loaded.root, loaded.identity
    journal_path = request.journal_path or default_journal_path(root)
    if not journal_path.exists():
        raise DigestError(
            f"no send journal at {journal_path}: digest does not know who received edition "
            f"{identity}, so it tells nobody (the correction is recorded; the next edition "
            "carries it)",
            exit_code=ExitCode.JOURNAL,
        )
    delivery = publication.delivery
    transport_name = request.transport or delivery.transport
    create_transport(transport_name, delivery, root, environ).close()
    key = correction.key
    version = sent_version(root, identity)
    original = (
        version.snapshot.subject if version else build_with_saved_cache(loaded).edition.subject
    )
    notice = render_notice(
        publication,
        root,
        correction.model(),
        subject=clean_subject(original),
        archive_url=archive_link(publication, loaded),
    )
    options = replace(request.options, connections=delivery.connections, rate=delivery.rate)
    with contextlib.ExitStack() as stack:
        record = check_journal_file(journal_path, root, key, resend_all=False)
        journal = stack.enter_context(Journal(journal_path))
        check_journal(journal, record, root, resend_all=False)
        had_it = journal.holding(identity, [State(state) for state in MAY_HAVE_GONE])
        readers = [Recipient(address) for address in had_it]
        suppressions = stack.enter_context(SuppressionList(default_suppression_path(root)))
        ahead = outlook(key, readers, journal, suppressions, options.on_unknown)
        if ahead.to_send == 0:
            return nothing_to_send(len(readers), ahead, notice.subject, transport_name)
        question = (
            f"Send the correction to {ahead.to_send:,} reader{'s' if ahead.to_send != 1 else ''}"
            f" of edition {identity} through {transport_name}?"
            + already_note(ahead.sent_earlier, ahead.suppressed, ahead.resend)
        )
        if not confirm(question):
            return SendSummary(total=len(readers), cancelled=True, subject=notice.subject)

        def connect() -> Transport:
            return create_transport(transport_name, delivery, root, environ)

        stack.enter_context(
            recorded(
                root,
                journal,
                record,
                identity=key,
                date=correction.day.isoformat(),
                fingerprint=ahead.fingerprint,
            )
        )
        summary = send_edition(
            publication,
            key,
            notice.subject,
            notice.text,
            notice.html,
            readers,
            connect,
            journal,
            options,
            progress,
            environ=environ,
            suppressions=suppressions,
            markers=notice.markers,
            secrets=credential_forms(delivery.username, environ.get(delivery.password_env)),
            replies_to=identity,
        )
    summary.subject, summary.transport = notice.subject, transport_name
    return summary
