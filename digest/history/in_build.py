"""What the history adds to a build: the corrections it carries, and what `digest check` says.

Called by `digest.build` for every build (check, preview, send, archive): the "Corrections"
block, a web version's own corrections, and the findings of editions over time — an embargo
not yet lifted, a story that ran before, an edition that went out and changed since. A
publication without a history (it never sent a list) costs nothing here: no file is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from digest.config import LoadedEdition
from digest.history.corrections import corrections_of, to_carry
from digest.history.memory import (
    BUILT,
    Origin,
    page_hash,
    recall,
    record_stories,
    remembered_of,
    repeat_finding,
    repeats,
)
from digest.history.records import has_history
from digest.history.schedule import embargo_findings
from digest.history.snapshot import Snapshot
from digest.history.versions import changed_finding, sent_version
from digest.mail.findings import Finding
from digest.models import Edition
from digest.sources.read import SourcedArticle


def origins_of(articles: Sequence[SourcedArticle]) -> tuple[Origin, ...]:
    """Each article's entry and page hash, by the source its story names."""
    return tuple(
        Origin(item.article.source, item.key, page_hash(item.article.body)) for item in articles
    )


def with_corrections(loaded: LoadedEdition, edition: Edition, *, own: bool) -> Edition:
    """The edition with the corrections it carries (and, for a web version, its own)."""
    root, identity = loaded.root, loaded.identity
    if not has_history(root):
        return edition
    sent = sent_version(root, identity) is not None
    carried = tuple(record.model() for record in to_carry(root, identity, loaded.date, sent=sent))
    mine = tuple(record.model() for record in corrections_of(root, identity)) if own else ()
    return replace(edition, corrections=carried, own_corrections=mine)


def history_findings(
    loaded: LoadedEdition,
    edition: Edition,
    origins: Sequence[Origin],
    snapshot: Snapshot,
    at: datetime,
) -> list[Finding]:
    """Embargoes (against `at`, when the send would start), repeats, and changes since sent."""
    entries = {origin.source: origin.entry for origin in origins}
    titles = {entries[s.source]: s.title for s in edition.stories if s.source in entries}
    findings = embargo_findings(loaded, at, titles)
    root, identity = loaded.root, loaded.identity
    if not has_history(root):
        return findings
    file_name = loaded.edition_path.name
    earlier = recall(root, identity, loaded.date, loaded.publication.memory_days)
    findings += [repeat_finding(found, file_name) for found in repeats(edition, origins, earlier)]
    changed = changed_finding(root, identity, file_name, snapshot)
    if changed is not None:
        findings.append(changed)
    return findings


def record_build(loaded: LoadedEdition, edition: Edition, origins: Sequence[Origin]) -> None:
    """`digest build` leaves its stories in the history (once the publication keeps one)."""
    if has_history(loaded.root):
        records = remembered_of(edition, loaded.identity, BUILT, origins)
        record_stories(loaded.root, loaded.identity, BUILT, records)
