"""`digest status`: what the journal holds for one edition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from digest.delivery.journal import Journal, State, default_journal_path
from digest.delivery.suppression import (
    SuppressionList,
    UnverifiedReport,
    default_suppression_path,
)
from digest.history.sends import SendRecord, read_send_record

# The text report lists this many addresses per state; --json lists them all.
TEXT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Problem:
    """One recipient that was not delivered (yet), with the server's words."""

    address: str
    state: State
    reply: str


@dataclass(slots=True)
class EditionStatus:
    """Counts per state, the problems, and when the first and last message went."""

    edition: str
    journal: Path
    counts: dict[State, int]
    first_sent: datetime | None = None
    last_sent: datetime | None = None
    problems: list[Problem] = field(default_factory=list)
    # Bounces and complaints about this edition that nothing proves (`digest bounces import`).
    unverified: list[UnverifiedReport] = field(default_factory=list)
    history: SendRecord | None = None  # history/sends/<edition>.json, kept outside the journal

    @property
    def total(self) -> int:
        """Recipients the journal knows for the edition."""
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        """The status as plain JSON values."""

        def listed(state: State) -> list[dict[str, str]]:
            return [
                {"address": p.address, "reply": p.reply} for p in self.problems if p.state is state
            ]

        return {
            "edition": self.edition,
            "journal": str(self.journal),
            "total": self.total,
            "counts": {state.value: count for state, count in self.counts.items()},
            "first_sent": self.first_sent.isoformat() if self.first_sent else None,
            "last_sent": self.last_sent.isoformat() if self.last_sent else None,
            "failed": listed(State.FAILED),
            "deferred": listed(State.DEFERRED),
            "unknown": listed(State.UNKNOWN),
            "suppressed": self.counts[State.SUPPRESSED],
            "reported_unverified": [
                {"address": r.address, "kind": r.kind, "status": r.status, "why": r.why}
                for r in self.unverified
            ],
            "history": self.history.to_json() if self.history else None,
        }


def edition_status(
    edition_path: Path, journal_path: Path | None = None, *, limit: int | None = None
) -> EditionStatus:
    """Read the journal for the edition's identity (nothing is written)."""
    from digest.config import load_edition

    loaded = load_edition(edition_path)
    path = journal_path or default_journal_path(loaded.root)
    key = loaded.identity
    zone = ZoneInfo(loaded.publication.timezone)
    unverified = _unverified(default_suppression_path(loaded.root), key)
    history = read_send_record(loaded.root, key)
    if not path.exists():
        return EditionStatus(
            key, path, dict.fromkeys(State, 0), unverified=unverified, history=history
        )
    with Journal(path) as journal:
        status = EditionStatus(
            key, path, journal.counts(key), unverified=unverified, history=history
        )
        between = journal.sent_between(key)
        if between is not None:
            status.first_sent = datetime.fromtimestamp(between[0], zone)
            status.last_sent = datetime.fromtimestamp(between[1], zone)
        for wanted in (State.FAILED, State.DEFERRED, State.UNKNOWN):
            status.problems += [
                Problem(address, state, reply)
                for address, state, reply in journal.errors(key, (wanted,), limit)
            ]
    return status


def _unverified(path: Path, edition: str) -> list[UnverifiedReport]:
    """The reports nothing proves about this edition (none before the list exists)."""
    if not path.exists():
        return []
    with SuppressionList(path) as suppressions:
        return suppressions.unverified(edition)
