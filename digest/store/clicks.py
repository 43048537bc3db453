"""Click counts: which links each edition carries, and how often each was followed.

Nothing here is about a reader: a send registers its edition's links (story, section, title,
where it leads), the endpoint adds counts per link and counts what it did not count (scanners,
prefetches, repeats) per reason. The endpoint recognises repeats and scanners in memory only;
no address, token or client address is ever written to this file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.errors import ExitCode
from digest.store.base import StoreFile
from digest.store.database import StoreError
from digest.store.schemas import CLICKS

logger = logging.getLogger(__name__)

CLICKS_FILE = "clicks.sqlite"


class ClickStoreError(StoreError):
    """The click counts cannot be opened, read or written."""

    exit_code = ExitCode.IO


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One link of one story of an edition, and (in a report) how often it was followed."""

    story: int
    link: str
    section: str
    title: str
    url: str
    clicks: int = 0


@dataclass(frozen=True, slots=True)
class ClickReport:
    """An edition's links with their counts, and what was not counted, by reason."""

    edition: str
    links: tuple[LinkRow, ...]
    not_counted: tuple[tuple[str, int], ...]
    counting_since: float | None


LinkKey = tuple[str, int, str]  # edition, story, link


def default_clicks_path(root: Path) -> Path:
    """`<publication>/.digest/clicks.sqlite`."""
    return root / ".digest" / CLICKS_FILE


class ClickStore(StoreFile):
    """The publication's click counts; a context manager."""

    schema = CLICKS
    error = ClickStoreError
    damaged_advice = (
        "Without it, click links of sent editions lead nowhere: restore .digest/ from a backup"
    )

    def register(
        self, edition: str, links: Iterable[LinkRow], *, counting: bool, when: float | None = None
    ) -> None:
        """Keep where an edition's links lead (before any message carries them).

        `counting`: a list send; clicks count from now on. A test send registers only, so its
        copy's links work and the editor's clicks count for nothing.
        """
        moment = time.time() if when is None else when
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO editions (edition, registered, counting_since) VALUES (?, ?, ?) "
                "ON CONFLICT (edition) DO UPDATE SET counting_since = "
                "COALESCE(editions.counting_since, excluded.counting_since)",
                (edition, moment, moment if counting else None),
            )
            connection.executemany(
                "INSERT INTO links (edition, story, link, section, title, url) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (edition, story, link) DO UPDATE SET "
                "section = excluded.section, title = excluded.title, url = excluded.url",
                [(edition, r.story, r.link, r.section, r.title, r.url) for r in links],
            )

    def target(self, key: LinkKey) -> tuple[str, bool] | None:
        """Where a registered link leads, and whether its edition's clicks count yet."""
        rows = self._db.read(
            "SELECT l.url, e.counting_since IS NOT NULL FROM links l JOIN editions e "
            "ON e.edition = l.edition WHERE l.edition = ? AND l.story = ? AND l.link = ?",
            key,
        )
        return (str(rows[0][0]), bool(rows[0][1])) if rows else None

    def add(self, counted: Mapping[LinkKey, int], skipped: Mapping[tuple[str, str], int]) -> None:
        """Add clicks per link and fetches not counted per (edition, reason), in one commit."""
        if not counted and not skipped:
            return
        with self._db.transaction() as connection:
            connection.executemany(
                "INSERT INTO clicks (edition, story, link, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (edition, story, link) DO UPDATE SET count = count + excluded.count",
                [(*key, count) for key, count in counted.items()],
            )
            connection.executemany(
                "INSERT INTO not_counted (edition, reason, count) VALUES (?, ?, ?) "
                "ON CONFLICT (edition, reason) DO UPDATE SET count = count + excluded.count",
                [(*key, count) for key, count in skipped.items()],
            )

    def report(self, edition: str) -> ClickReport | None:
        """An edition's links in reading order with their clicks; None if it registered none."""
        since = self._db.read("SELECT counting_since FROM editions WHERE edition = ?", (edition,))
        if not since:
            return None
        rows = self._db.read(
            "SELECT l.story, l.link, l.section, l.title, l.url, COALESCE(c.count, 0) "
            "FROM links l LEFT JOIN clicks c ON c.edition = l.edition AND c.story = l.story "
            "AND c.link = l.link WHERE l.edition = ? ORDER BY l.story, l.link",
            (edition,),
        )
        links = tuple(
            LinkRow(int(story), str(link), str(section), str(title), str(url), int(count))
            for story, link, section, title, url, count in rows
        )
        skipped = self._db.read(
            "SELECT reason, count FROM not_counted WHERE edition = ? ORDER BY reason", (edition,)
        )
        return ClickReport(
            edition,
            links,
            tuple((str(reason), int(count)) for reason, count in skipped),
            None if since[0][0] is None else float(since[0][0]),
        )
