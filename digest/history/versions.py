"""What went out: the version of an edition a list send delivered, and whether it changed since.

A list send records, as it starts, a snapshot of what it sends, the stories (story memory, as
sent) and which corrections its "Corrections" block carries, in one transaction. A later run of
the same send keeps the first version while any reader may have it. `digest check`, `build` and
`send` compare today's build with it: an edition that went out and changed since is a warning
saying what changed and what to do, since a re-run mails the new version only to the readers
not sent it yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from digest.history.memory import SENT, Remembered, replace_stories
from digest.history.records import iso, opened, utc_now
from digest.history.sends import read_send_record
from digest.history.snapshot import Snapshot, changes
from digest.mail.findings import Finding

CHANGED_CODE = "edition-changed-since-sent"
# Changes named in one message; the rest are counted.
MAX_NAMED_CHANGES = 5


@dataclass(frozen=True, slots=True)
class SentVersion:
    """The version of an edition that went out first."""

    edition: str
    date: date
    sent: datetime  # when its first list send started (UTC)
    sender: str | None
    approver: str | None
    snapshot: Snapshot


def sent_version(root: Path, identity: str) -> SentVersion | None:
    """The version of the edition that went out, if a list send recorded one."""
    with opened(root, create=False) as database:
        if database is None:
            return None
        rows = database.read(
            "SELECT date, sent, sender, approver, snapshot FROM versions WHERE edition = ?",
            (identity,),
        )
    if not rows:
        return None
    day, sent, sender, approver, snapshot = rows[0]
    return SentVersion(
        identity,
        date.fromisoformat(day),
        datetime.fromisoformat(sent),
        sender,
        approver,
        Snapshot.loads(snapshot),
    )


def record_sent(
    root: Path,
    *,
    identity: str,
    day: date,
    snapshot: Snapshot,
    stories: Sequence[Remembered],
    carried: Sequence[tuple[str, int]],
    sender: str | None,
    approver: str | None,
) -> None:
    """Record the version a list send is about to deliver (replacing one nobody received)."""
    with opened(root, create=True) as database:
        assert database is not None
        with database.transaction() as connection:
            replace_stories(connection, identity, SENT, stories)
            connection.execute(
                "INSERT INTO versions (edition, date, sent, sender, approver, snapshot) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (edition) DO UPDATE SET "
                "date = excluded.date, sent = excluded.sent, sender = excluded.sender, "
                "approver = excluded.approver, snapshot = excluded.snapshot",
                (identity, day.isoformat(), iso(utc_now()), sender, approver, snapshot.dumps()),
            )
            connection.executemany(
                "UPDATE corrections SET carried_by = ? WHERE edition = ? AND number = ? "
                "AND carried_by IS NULL",
                [(identity, edition, number) for edition, number in carried],
            )


def went_out(root: Path, identity: str) -> SentVersion | None:
    """The sent version, when the send record also says a reader may have the edition."""
    version = sent_version(root, identity)
    if version is None:
        return None
    record = read_send_record(root, identity)
    return version if record is not None and record.may_have_gone else None


def describe_changes(found: Sequence[str]) -> str:
    """Changes as one clause: the first few named, the rest counted."""
    named = "; ".join(found[:MAX_NAMED_CHANGES])
    more = len(found) - MAX_NAMED_CHANGES
    return named + (f"; and {more} more" if more > 0 else "")


def changed_finding(root: Path, identity: str, file_name: str, current: Snapshot) -> Finding | None:
    """A warning when the edition went out and today's build differs from what went out."""
    version = went_out(root, identity)
    if version is None:
        return None
    found = changes(version.snapshot, current)
    if not found:
        return None
    record = read_send_record(root, identity)
    sent = f" to {record.sent:,} readers" if record is not None and record.sent else ""
    return Finding(
        "warning",
        CHANGED_CODE,
        f"{file_name}: edition {identity} went out{sent} on {version.sent:%Y-%m-%d %H:%M} UTC "
        f"and has changed since: {describe_changes(found)}. Readers who have it keep what "
        "they got, and sending again mails the new version only to readers not sent it yet. "
        f'To tell readers of a mistake: digest correct {file_name} --story N --note "..." '
        "--notify; to send the new version to everyone, save it as a new edition (a new file "
        "name, or id = ...)",
    )
