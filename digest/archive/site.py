"""`digest archive`, top to bottom: web versions of editions, then the index and the feed.

The folder is a static site: upload it to where `archive_url` points and every email's "View in
your browser" link works. Links inside it are relative, nothing needs JavaScript, and every
file is written atomically, so a half-finished run never leaves a broken page behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from digest.archive.feed import atom_feed
from digest.archive.index import index_html
from digest.archive.layout import FEED_FILE, INDEX_FILE, MANIFEST_FILE, Layout, inside, layout_for
from digest.archive.record import (
    ArchivedCorrection,
    ArchivedEdition,
    ArchivedStory,
    read_record,
    record_bytes,
)
from digest.archive.webpage import build_web_version, web_page
from digest.atomic import write_atomic
from digest.build import EDITION_HOUR
from digest.config import (
    PUBLICATION_FILE,
    LoadedEdition,
    Publication,
    find_publication,
    load_edition,
    load_publication,
)
from digest.errors import DigestError, ExitCode
from digest.history.corrections import corrections_of
from digest.history.schedule import EMBARGO_CODE
from digest.mail.render import safe_url

logger = logging.getLogger(__name__)

EDITIONS_FOLDER = "editions"


@dataclass(slots=True)
class ArchiveResult:
    """What a run wrote, and what it left out and why."""

    folder: Path
    archived: list[str] = field(default_factory=list)  # editions rendered this run
    future: list[str] = field(default_factory=list)  # editions not yet due
    failed: list[tuple[str, DigestError]] = field(default_factory=list)
    total: int = 0  # editions in the archive after the run
    files: list[Path] = field(default_factory=list)


def _write(folder: Path, relative: str, data: bytes, result: ArchiveResult) -> None:
    path = inside(folder, relative)  # never a file outside the archive folder
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError as error:
        raise DigestError(
            f"cannot write {path}: {error.strerror or error}", exit_code=ExitCode.CONFIG
        ) from None
    result.files.append(path)


def _read(folder: Path, relative: str) -> bytes:
    """A page of the archive (one outside the folder is refused)."""
    try:
        return inside(folder, relative).read_bytes()
    except OSError as error:
        raise DigestError(
            f"cannot read {folder / relative}: {error.strerror or error}", exit_code=ExitCode.CONFIG
        ) from None


def _publication_at(where: Path) -> tuple[Publication, Path]:
    found = find_publication(where.resolve())
    if found is None:
        raise DigestError(
            f"{where}: no {PUBLICATION_FILE} here or in a parent folder; give the publication "
            "folder with --dir",
            exit_code=ExitCode.CONFIG,
        )
    return load_publication(found), found.parent


def _due_editions(root: Path, publication: Publication, result: ArchiveResult) -> list[Path]:
    """Every edition file whose day has come in the publication's time zone."""
    today = datetime.now(publication.tz).date()
    due = []
    for path in sorted((root / EDITIONS_FOLDER).glob("*.toml")):
        try:
            loaded = load_edition(path)
        except DigestError as error:
            result.failed.append((str(path), error))
            continue
        if loaded.date > today:
            result.future.append(loaded.identity)
        else:
            due.append(path)
    return due


def is_archived(loaded: LoadedEdition) -> bool:
    """Whether the edition's web version is in the publication's archive folder."""
    folder = loaded.root / loaded.publication.archive.folder
    return (folder / MANIFEST_FILE).is_file() and loaded.identity in read_record(
        folder / MANIFEST_FILE
    )


def archived_corrections(loaded: LoadedEdition) -> tuple[ArchivedCorrection, ...]:
    """The edition's corrections, for its feed entry (its page shows them too)."""
    return tuple(
        ArchivedCorrection(c.story_title, c.note, c.day.isoformat(), c.created)
        for c in corrections_of(loaded.root, loaded.identity)
    )


def _archive_one(
    loaded: LoadedEdition, layout: Layout, folder: Path, result: ArchiveResult
) -> ArchivedEdition:
    built = build_web_version(loaded)
    embargoes = [f.message for f in built.findings if f.code == EMBARGO_CODE]
    if embargoes:  # the web page would publish the story before the email may
        raise DigestError(
            "not archived while an embargo holds: " + "; ".join(embargoes),
            exit_code=ExitCode.EMBARGO,
        )
    page_path = layout.page_path(loaded.identity)
    html = web_page(
        built.digest.html,
        title=loaded.publication.name,
        canonical_url=layout.url(page_path),
        index_link=layout.link(page_path, INDEX_FILE),
        feed_link=layout.link(page_path, FEED_FILE),
        link_color=loaded.publication.brand.color,
    )
    _write(folder, page_path, html.encode("utf-8"), result)
    edition = built.edition
    return ArchivedEdition(
        identity=loaded.identity,
        date=loaded.date.isoformat(),
        subject=edition.subject,
        preheader=edition.preheader,
        published=datetime.combine(loaded.date, EDITION_HOUR, tzinfo=loaded.publication.tz),
        path=page_path,
        stories=tuple(
            ArchivedStory(story.title, safe_url(story.url) if story.url else None)
            for story in edition.stories
        ),
        corrections=archived_corrections(loaded),
    )


def archive_editions(
    where: Path,
    edition_paths: Sequence[Path] = (),
    *,
    out: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ArchiveResult:
    """Archive the given editions (or every edition whose day has come), then the index and feed.

    `where` finds the publication when no edition is given. An edition that fails to build is
    reported and the others are archived.
    """
    if edition_paths:
        publication, root = _publication_at(edition_paths[0].parent)
    else:
        publication, root = _publication_at(where)
    layout = layout_for(publication.archive_url, str(root / PUBLICATION_FILE))
    folder = out or root / publication.archive.folder
    result = ArchiveResult(folder)
    record = read_record(folder / MANIFEST_FILE)
    paths = list(edition_paths) or _due_editions(root, publication, result)
    for path in paths:
        try:
            loaded = load_edition(path)
            if loaded.root != root:
                raise DigestError(f"{path} belongs to another publication ({loaded.root})")
            entry = _archive_one(loaded, layout, folder, result)
        except DigestError as error:
            result.failed.append((str(path), error))
            continue
        record[entry.identity] = entry
        result.archived.append(entry.identity)
        if progress is not None:
            progress(entry.identity)
    # Newest first; two editions of one day by their morning hour, then by name.
    editions = sorted(
        record.values(), key=lambda e: (e.date, e.published, e.identity), reverse=True
    )
    result.total = len(editions)
    if not editions:
        raise DigestError(
            f"no edition to archive in {root / EDITIONS_FOLDER} (editions dated after today "
            "wait for their day)",
            exit_code=ExitCode.CONFIG,
        )
    if layout.latest_page:  # archive_url without {date}: that one page is the newest edition
        newest = _read(folder, editions[0].path)
        _write(folder, layout.latest_page, newest, result)
    feed = atom_feed(
        publication,
        editions[: publication.archive.feed_entries],
        feed_url=layout.url(FEED_FILE),
        index_url=layout.url(INDEX_FILE),
        url_of={e.identity: layout.url(e.path) for e in editions},
    )
    _write(folder, FEED_FILE, feed, result)
    index = index_html(publication, root, editions, layout, FEED_FILE)
    _write(folder, INDEX_FILE, index.encode("utf-8"), result)
    _write(folder, MANIFEST_FILE, record_bytes(editions), result)
    logger.info("archive: %d editions rendered, %d in all", len(result.archived), result.total)
    return result
