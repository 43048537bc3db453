"""Approval bound to the bytes: who approved an edition, and a hash of exactly what goes out.

`digest approve` records the approver's name (from `--as` or DIGEST_APPROVER, never guessed), a
snapshot of the build and the hash of its subject, HTML and text (the bodies every reader's copy
is made from), bound to a recipient list's fingerprint when one is given. With `[delivery]
require_approval`, a list send whose build no longer matches the latest approval is refused,
naming what changed; `require_second_person` also refuses an approval by the person sending.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.errors import DigestError, ExitCode
from digest.history.records import iso, opened, utc_now
from digest.history.snapshot import Snapshot, changes
from digest.history.versions import describe_changes

APPROVER_ENV = "DIGEST_APPROVER"
MAX_NAME_CHARS = 100


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval of one edition."""

    edition: str
    approver: str
    approved: datetime  # UTC
    hash: str  # content hash bound to the list's fingerprint (or to none: any list)
    content_hash: str
    list_fingerprint: str | None
    list_size: int | None
    snapshot: Snapshot

    def to_json(self) -> dict[str, object]:
        """The approval as JSON values (`digest history --json`)."""
        return {
            "approver": self.approver,
            "approved": iso(self.approved),
            "hash": self.hash,
            "list": None
            if self.list_fingerprint is None
            else {"recipients": self.list_size, "fingerprint": self.list_fingerprint},
        }


def person(name: str | None, what: str) -> str | None:
    """A person's name as given (`--as` or DIGEST_APPROVER), checked; None when not given."""
    if name is None or not name.strip():
        return None
    cleaned = " ".join(part for part in name.split(" ") if part)  # tabs, line ends refused
    if len(cleaned) > MAX_NAME_CHARS or any(
        unicodedata.category(ch).startswith(("C", "Zl", "Zp")) for ch in cleaned
    ):
        raise DigestError(
            f"{what} {name!r}: a name of at most {MAX_NAME_CHARS} characters, on one line",
            exit_code=ExitCode.CONFIG,
        )
    return cleaned


def same_person(first: str, second: str) -> bool:
    """Whether two names are one person's (case and spacing ignored)."""
    return " ".join(first.casefold().split()) == " ".join(second.casefold().split())


def record_approval(
    root: Path,
    identity: str,
    approver: str,
    snapshot: Snapshot,
    *,
    list_fingerprint: str | None = None,
    list_size: int | None = None,
    now: datetime | None = None,
) -> Approval:
    """Record an approval of what the build `snapshot` shows (for one list, or any)."""
    approval = Approval(
        edition=identity,
        approver=approver,
        approved=now or utc_now(),
        hash=snapshot.bound_hash(list_fingerprint),
        content_hash=snapshot.content_hash,
        list_fingerprint=list_fingerprint,
        list_size=list_size,
        snapshot=snapshot,
    )
    with opened(root, create=True) as database:
        assert database is not None
        with database.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO approvals (edition, approved, approver, hash, "
                "content_hash, list_fingerprint, list_size, snapshot) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    identity,
                    iso(approval.approved),
                    approver,
                    approval.hash,
                    approval.content_hash,
                    list_fingerprint,
                    list_size,
                    snapshot.dumps(),
                ),
            )
    return approval


def approvals_of(root: Path, identity: str) -> list[Approval]:
    """Every approval of an edition, the latest last."""
    with opened(root, create=False) as database:
        if database is None:
            return []
        rows = database.read(
            "SELECT approver, approved, hash, content_hash, list_fingerprint, list_size, "
            "snapshot FROM approvals WHERE edition = ? ORDER BY approved, approver",
            (identity,),
        )
    return [
        Approval(
            identity,
            approver,
            datetime.fromisoformat(approved),
            digest,
            content,
            fingerprint,
            size,
            Snapshot.loads(snapshot),
        )
        for approver, approved, digest, content, fingerprint, size, snapshot in rows
    ]


def approval_problems(
    approval: Approval | None,
    current: Snapshot,
    *,
    file_name: str,
    list_fingerprint: str,
    list_size: int,
    sender: str | None,
    second_person: bool,
) -> list[str]:
    """Why a list send may not go out under `[delivery] require_approval`; [] when it may."""
    if approval is None:
        return [
            f"edition {file_name} has no approval: review it, then digest approve {file_name} "
            "--as NAME"
        ]
    who = f"{approval.approver} approved it at {approval.approved:%Y-%m-%d %H:%M} UTC"
    problems = []
    if approval.content_hash != current.content_hash:
        found = changes(approval.snapshot, current) or ["the email's bytes differ"]
        problems.append(
            f"it changed since {who}: {describe_changes(found)}; review it and approve again"
        )
    if approval.list_fingerprint is not None and approval.list_fingerprint != list_fingerprint:
        problems.append(
            f"the recipient list is not the one approved: {approval.approver} approved a list "
            f"of {approval.list_size:,} addresses, this one has {list_size:,} (or others); "
            "approve again with this list (--to)"
        )
    if second_person:
        if sender is None:
            problems.append(
                "[delivery] require_second_person is on: say who is sending with --as NAME "
                f"(or {APPROVER_ENV})"
            )
        elif same_person(sender, approval.approver):
            problems.append(
                f"{approval.approver} approved it and is sending it: [delivery] "
                "require_second_person needs the approval of someone else"
            )
    return problems
