"""What each list send leaves outside the journal: no addresses, so safe to commit and share.

`<publication>/history/sends/<identity>.json` holds when the edition's sends ran, how many
recipients were in each state after the latest run, and a fingerprint of the list (a sum of
SHA-256 values: the same addresses in any order give the same fingerprint, and no address can
be read back from it). It is written atomically when a run starts and when it ends, so a send
killed half-way is on record too. `digest send` compares it with the journal: a journal that is
missing, or knows fewer messages sent than this record, is not believed (see delivery/guard.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest.atomic import write_atomic
from digest.errors import DigestError, ExitCode, OutputError, describe_os_error

HISTORY_FOLDER = "history"
SENDS_FOLDER = "sends"
RECORD_VERSION = 1
FINGERPRINT_BITS = 256
# Journal states of a message that may be in a reader's mailbox.
MAY_HAVE_GONE = ("sent", "unknown", "sending")


class Fingerprint:
    """An order-free fingerprint of a list's addresses, built one address at a time."""

    def __init__(self) -> None:
        self.total = 0
        self.count = 0

    def add(self, address: str) -> None:
        """Count one (normalized) address."""
        value = int.from_bytes(hashlib.sha256(address.encode("utf-8")).digest(), "big")
        self.total = (self.total + value) % (1 << FINGERPRINT_BITS)
        self.count += 1

    def add_all(self, addresses: Sequence[str]) -> None:
        """Count many (normalized) addresses: the same sum as `add` one by one, in half the
        time (a send counts a million before it asks)."""
        sha256, number = hashlib.sha256, int.from_bytes
        added = sum(number(sha256(a.encode("utf-8")).digest(), "big") for a in addresses)
        self.total = (self.total + added) % (1 << FINGERPRINT_BITS)
        self.count += len(addresses)

    def merge(self, other: Fingerprint) -> None:
        """Count every address `other` counted (the sum does not depend on order)."""
        self.total = (self.total + other.total) % (1 << FINGERPRINT_BITS)
        self.count += other.count

    @property
    def text(self) -> str:
        """`sha256-sum:<hex>`, the form the record keeps."""
        return f"sha256-sum:{self.total:064x}"


@dataclass(frozen=True, slots=True)
class SendRecord:
    """One edition's list sends, without a single address."""

    identity: str
    date: str  # the edition's date (ISO)
    started: str  # when the first run started (ISO, UTC)
    updated: str  # when this record was last written
    runs: int
    finished: bool  # the latest run reached its end (False while running, or after a kill)
    recipients: int  # on the list of the latest run
    fingerprint: str  # of that list's addresses
    counts: dict[str, int] = field(default_factory=dict)  # journal states after the latest run

    @property
    def sent(self) -> int:
        """Messages the journal held as sent when the record was written."""
        return self.counts.get("sent", 0)

    @property
    def may_have_gone(self) -> bool:
        """Whether any reader may have the edition: a message sent or unconfirmed, or a run
        that never recorded its end (killed: its messages are not counted here)."""
        return not self.finished or any(self.counts.get(s, 0) for s in MAY_HAVE_GONE)

    def to_json(self) -> dict[str, Any]:
        """The record as JSON values (the file's content)."""
        return {
            "version": RECORD_VERSION,
            "edition": self.identity,
            "date": self.date,
            "started": self.started,
            "updated": self.updated,
            "runs": self.runs,
            "finished": self.finished,
            "list": {"recipients": self.recipients, "fingerprint": self.fingerprint},
            "counts": dict(sorted(self.counts.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SendRecord:
        """Read a record back."""
        listed = data["list"]
        return cls(
            identity=str(data["edition"]),
            date=str(data["date"]),
            started=str(data["started"]),
            updated=str(data["updated"]),
            runs=int(data["runs"]),
            finished=bool(data["finished"]),
            recipients=int(listed["recipients"]),
            fingerprint=str(listed["fingerprint"]),
            counts={str(k): int(v) for k, v in dict(data["counts"]).items()},
        )


def send_record_path(root: Path, identity: str) -> Path:
    """`<publication>/history/sends/<identity>.json`."""
    return root / HISTORY_FOLDER / SENDS_FOLDER / f"{identity}.json"


def read_send_record(root: Path, identity: str) -> SendRecord | None:
    """The edition's record, or None when it was never sent to a list."""
    path = send_record_path(root, identity)
    try:
        return SendRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DigestError(describe_os_error(error, "cannot read"), exit_code=ExitCode.IO) from None
    except (ValueError, KeyError, TypeError) as error:
        raise DigestError(
            f"{path} is damaged ({error}); restore it from version control or a backup. It "
            "says whether this edition went out: without it, digest cannot check the journal",
            exit_code=ExitCode.JOURNAL,
        ) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_started(
    previous: SendRecord | None,
    *,
    identity: str,
    date: str,
    fingerprint: Fingerprint,
    counts: Mapping[str, int],
) -> SendRecord:
    """The record as a new run starts: one run more, not finished."""
    now = _now()
    return SendRecord(
        identity=identity,
        date=date,
        started=previous.started if previous else now,
        updated=now,
        runs=(previous.runs if previous else 0) + 1,
        finished=False,
        recipients=fingerprint.count,
        fingerprint=fingerprint.text,
        counts=dict(counts),
    )


def run_ended(record: SendRecord, counts: Mapping[str, int], *, finished: bool) -> SendRecord:
    """The record as a run ends, with the journal's counts."""
    return replace(record, updated=_now(), finished=finished, counts=dict(counts))


def write_send_record(root: Path, record: SendRecord) -> Path:
    """Write the record atomically (readable by all: it holds no personal data)."""
    path = send_record_path(root, record.identity)
    text = json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"), private=False)
    except OSError as error:
        raise OutputError(describe_os_error(error, "cannot write")) from None
    return path


def forget_send_record(root: Path, identity: str) -> None:
    """Remove the record of a run that journaled nothing (so it sent nothing)."""
    send_record_path(root, identity).unlink(missing_ok=True)
