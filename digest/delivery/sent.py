"""What a list send leaves in the edition history, and what it says about editions over time.

As a run starts (after everything is checked and the editor said yes), the version it delivers
is recorded with its stories and the corrections its "Corrections" block carries; a later run
of the same edition keeps the first version while any reader may have it. Before asking, the
send repeats what `digest check` says about editions over time: an edition that went out and
changed since, a story that ran before.
"""

from __future__ import annotations

from collections.abc import Callable

from digest.build import BuildResult
from digest.delivery.journal import Journal, State
from digest.history.memory import REPEAT_CODE, SENT, remembered_of
from digest.history.sends import MAY_HAVE_GONE
from digest.history.versions import CHANGED_CODE, record_sent, sent_version

# The findings a send repeats before it asks (check lists them all).
SAID_BY_SEND = (CHANGED_CODE, REPEAT_CODE)


def say_history(built: BuildResult, warn: Callable[[str], None]) -> None:
    """Warn about what changed since the edition went out and what ran before."""
    for finding in built.findings:
        if finding.code in SAID_BY_SEND:
            warn(f"warning: {finding.message}")


def record_delivery(
    built: BuildResult,
    journal: Journal,
    *,
    sender: str | None,
    approver: str | None,
) -> None:
    """Record the version this run delivers, unless a reader may have an earlier one."""
    loaded = built.loaded
    identity = loaded.identity
    counts = journal.counts(identity)
    if sent_version(loaded.root, identity) is not None and any(
        counts[State(state)] for state in MAY_HAVE_GONE
    ):
        return  # readers have the first version: it stays what "went out" means
    assert built.snapshot is not None
    record_sent(
        loaded.root,
        identity=identity,
        day=loaded.date,
        snapshot=built.snapshot,
        stories=remembered_of(built.edition, identity, SENT, built.origins),
        carried=[(c.edition, c.number) for c in built.edition.corrections],
        sender=sender,
        approver=approver,
    )
