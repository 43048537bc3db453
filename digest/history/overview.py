"""`digest history`: what the history holds, per edition or for the whole publication."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.history.approvals import Approval, approvals_of
from digest.history.corrections import CorrectionRecord, corrections_of
from digest.history.memory import STORY, TICKER, Remembered, stories_of
from digest.history.records import iso, opened
from digest.history.schedule import schedules_of
from digest.history.sends import HISTORY_FOLDER, SENDS_FOLDER, SendRecord, read_send_record
from digest.history.versions import SentVersion, sent_version


@dataclass(frozen=True, slots=True)
class NoticeSent:
    """How many readers a correction's notice reached."""

    correction: CorrectionRecord
    send: SendRecord | None


@dataclass(frozen=True, slots=True)
class EditionHistory:
    """Everything the history holds about one edition."""

    identity: str
    date: str
    version: SentVersion | None  # what went out first
    send: SendRecord | None  # the list sends' counts (history/sends/)
    stories: tuple[Remembered, ...]  # as sent (as built, if it never went out)
    corrections: tuple[NoticeSent, ...]
    approvals: tuple[Approval, ...]
    schedules: tuple[tuple[str, str, str], ...]  # (moment, state, last change)

    @property
    def state(self) -> str:
        """'sent', 'built' or 'known' (only approvals, corrections or schedules)."""
        if self.send is not None and self.send.may_have_gone:
            return "sent"
        return "built" if self.stories else "known"

    def to_json(self) -> dict[str, Any]:
        """The edition's history as JSON values."""

        def story(record: Remembered) -> dict[str, Any]:
            return {
                "number": record.position,
                "title": record.title,
                "url": record.url,
                "entry": record.entry,
                "update": record.update,
            }

        return {
            "edition": self.identity,
            "date": self.date,
            "state": self.state,
            "sent": None
            if self.version is None
            else {
                "first": iso(self.version.sent),
                "sender": self.version.sender,
                "approver": self.version.approver,
                "subject": self.version.snapshot.subject,
            },
            "send": None if self.send is None else self.send.to_json(),
            "stories": [story(r) for r in self.stories if r.kind == STORY],
            "in_brief": [story(r) for r in self.stories if r.kind == TICKER],
            "corrections": [
                {
                    **notice.correction.to_json(),
                    "notified": notice.send.sent if notice.send is not None else None,
                }
                for notice in self.corrections
            ],
            "approvals": [approval.to_json() for approval in self.approvals],
            "scheduled": [
                {"at": at, "state": state, "updated": updated}
                for at, state, updated in self.schedules
            ],
        }


def edition_history(root: Path, identity: str, date: str = "") -> EditionHistory:
    """What the history holds about one edition (`date`: its date, if known elsewhere)."""
    stories = tuple(stories_of(root, identity))
    send = read_send_record(root, identity)
    version = sent_version(root, identity)
    day = (
        date
        or (version.date.isoformat() if version else "")
        or (stories[0].date.isoformat() if stories else "")
        or (send.date if send else "")
    )
    return EditionHistory(
        identity=identity,
        date=day,
        version=version,
        send=send,
        stories=stories,
        corrections=tuple(
            NoticeSent(c, read_send_record(root, c.key)) for c in corrections_of(root, identity)
        ),
        approvals=tuple(approvals_of(root, identity)),
        schedules=tuple(schedules_of(root, identity)),
    )


def known_editions(root: Path) -> list[str]:
    """Every edition the history names, newest first."""
    found: dict[str, str] = {}
    with opened(root, create=False) as database:
        if database is not None:
            for table in ("stories", "versions", "corrections"):
                for edition, day in database.read(f"SELECT DISTINCT edition, date FROM {table}"):
                    found.setdefault(str(edition), str(day))
            for table in ("approvals", "schedules"):
                for (edition,) in database.read(f"SELECT DISTINCT edition FROM {table}"):
                    found.setdefault(str(edition), "")
    for path in sorted((root / HISTORY_FOLDER / SENDS_FOLDER).glob("*.json")):
        if "+" not in path.stem:  # a correction's notice, not an edition
            found.setdefault(path.stem, "")
    return sorted(found, key=lambda edition: (found[edition], edition), reverse=True)


def publication_history(root: Path) -> list[EditionHistory]:
    """The history of every edition it names, newest first."""
    editions = [edition_history(root, identity) for identity in known_editions(root)]
    return sorted(editions, key=lambda e: (e.date, e.identity), reverse=True)
