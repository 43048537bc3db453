"""`digest approve`, and the approval a list send must match under `[delivery] require_approval`.

Approving builds the edition exactly as `digest send` would and records a snapshot and the hash
of its subject, HTML and text, bound to a recipient list's fingerprint when `--to` names one
(digest.history.approvals). The send compares its own build with the latest approval and refuses
one that no longer matches, naming what changed, or one approved by the person sending when
`require_second_person` asks for two people.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.build import BuildResult, build_with_saved_cache
from digest.config import LoadedEdition, load_edition
from digest.delivery.suppression import normalize_address
from digest.errors import DigestError, ExitCode
from digest.history.approvals import (
    APPROVER_ENV,
    Approval,
    approval_problems,
    approvals_of,
    person,
    record_approval,
)
from digest.history.schedule import EMBARGO_CODE
from digest.history.sends import Fingerprint

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Approved:
    """What `digest approve` recorded."""

    loaded: LoadedEdition
    approval: Approval
    stories: int
    html_bytes: int
    list_name: str | None


def name_of(given: str | None, environ: Mapping[str, str], what: str) -> str | None:
    """A person's name from `--as`, else DIGEST_APPROVER; None when neither says."""
    return person(given, f"--as ({what})") or person(environ.get(APPROVER_ENV), APPROVER_ENV)


def list_fingerprint(path: Path) -> tuple[Fingerprint, int]:
    """The fingerprint a send to this list would record, and how many addresses it holds."""
    from digest.delivery.recipient_list import describe_problems, load_recipients

    fingerprint = Fingerprint()
    with load_recipients(path, skip_invalid=False) as listing:
        if listing.check.problem_count:
            raise DigestError(describe_problems(listing.check), exit_code=ExitCode.RECIPIENTS)
        for recipient in listing:
            fingerprint.add(normalize_address(recipient.email))
    return fingerprint, fingerprint.count


def approve_edition(
    edition_path: Path,
    *,
    approver: str | None,
    recipients: Path | None,
    environ: Mapping[str, str],
) -> Approved:
    """Build the edition as a send would, check it, and record who approved exactly that."""
    name = name_of(approver, environ, "the approver")
    if name is None:
        raise DigestError(
            f"say who approves: --as NAME, or set {APPROVER_ENV} (digest never guesses a name)",
            exit_code=ExitCode.CONFIG,
        )
    loaded = load_edition(edition_path)
    built = build_with_saved_cache(loaded)
    errors = [f for f in built.findings if f.severity == "error" and f.code != EMBARGO_CODE]
    if errors:  # an embargo is no reason not to approve: the send waits for it
        listed = "\n".join(f"  - {finding.message}" for finding in errors)
        raise DigestError(
            f"not approved: `digest check` finds {len(errors)} error(s):\n{listed}",
            exit_code=ExitCode.CHECK,
        )
    assert built.snapshot is not None
    fingerprint, size = list_fingerprint(recipients) if recipients else (None, None)
    approval = record_approval(
        loaded.root,
        loaded.identity,
        name,
        built.snapshot,
        list_fingerprint=fingerprint.text if fingerprint else None,
        list_size=size,
    )
    logger.info("edition %s approved by %s (%s)", loaded.identity, name, approval.hash[:12])
    return Approved(
        loaded,
        approval,
        len(built.edition.stories),
        built.digest.html_bytes,
        str(recipients) if recipients else None,
    )


def check_approval(
    built: BuildResult,
    fingerprint: Fingerprint,
    *,
    sender: str | None,
) -> str | None:
    """The approver of what this list send delivers; refuses (exit 12) what may not go out.

    Without `[delivery] require_approval` (or `require_second_person`) nothing is refused.
    """
    loaded = built.loaded
    delivery = loaded.publication.delivery
    approvals = approvals_of(loaded.root, loaded.identity)
    latest = approvals[-1] if approvals else None
    assert built.snapshot is not None
    problems = approval_problems(
        latest,
        built.snapshot,
        file_name=loaded.edition_path.name,
        list_fingerprint=fingerprint.text,
        list_size=fingerprint.count,
        sender=sender,
        second_person=delivery.require_second_person,
    )
    if not delivery.needs_approval:
        return latest.approver if latest is not None and not problems else None
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise DigestError(
            f"not sending: [delivery] require_approval is on and\n{listed}",
            exit_code=ExitCode.APPROVAL,
        )
    assert latest is not None
    return latest.approver
