"""Story memory: what earlier editions ran, so `digest check` can say a story ran before.

Every build and every list send records the edition's stories and In brief items (link, the
link's canonical form, headline, summary, a hash of the page as read). A story of today's
edition that ran within `memory_days` — the same link, or the same news by the near-duplicate
test the edition uses between its own stories (so a syndicated copy at a new address or a
re-headlined story is caught, and a story that only shares a place name is not) — is a warning
naming the edition it ran in, unless the entry says `update = true`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from digest.edition.duplicates import same_story_texts
from digest.history.records import opened
from digest.history.snapshot import quoted
from digest.mail.findings import Finding
from digest.models import Edition
from digest.sources.dedupe import canonical_url

if TYPE_CHECKING:
    from digest.store import Connection

STORY = "story"
TICKER = "ticker"
BUILT = "built"
SENT = "sent"
REPEAT_CODE = "story-ran-before"


def page_hash(body: Sequence[str]) -> str:
    """A hash of a page's text as read (spacing ignored): tells whether the page changed."""
    text = "\n".join(" ".join(paragraph.split()) for paragraph in body)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a story of the edition came from: its entry ("articles[2]") and its page's hash."""

    source: str  # Story.source: the path or URL it was read from
    entry: str
    page_hash: str


@dataclass(frozen=True, slots=True)
class Remembered:
    """One story or In brief item an edition ran (or will run: `state` built)."""

    edition: str
    date: date
    state: str  # built or sent
    kind: str  # story or ticker
    position: int  # 1-based: stories in reading order, lead first; items in their order
    entry: str
    title: str
    summary: str
    url: str | None
    page_hash: str = ""
    update: bool = False

    @property
    def canonical(self) -> str | None:
        """The link without tracking parameters, fragment or trailing slash."""
        return canonical_url(self.url) if self.url else None


@dataclass(frozen=True, slots=True)
class Repeat:
    """A story of this edition that ran before, and where."""

    entry: str  # "articles[2]", or "In brief" for an item
    title: str
    earlier: Remembered
    same_link: bool


def remembered_of(
    edition: Edition, identity: str, state: str, origins: Iterable[Origin]
) -> list[Remembered]:
    """What to record of one edition: its stories in reading order, then its In brief items."""
    by_source = {origin.source: origin for origin in origins}
    records = []
    for number, story in enumerate(edition.stories, 1):
        origin = by_source.get(story.source)
        records.append(
            Remembered(
                identity,
                edition.date,
                state,
                STORY,
                number,
                origin.entry if origin else "",
                story.title,
                story.summary,
                story.url,
                origin.page_hash if origin else "",
                story.update,
            )
        )
    for number, item in enumerate(edition.ticker, 1):
        records.append(
            Remembered(
                identity,
                edition.date,
                state,
                TICKER,
                number,
                "In brief",
                item.text,
                "",
                item.url,
                "",
                item.update,
            )
        )
    return records


def replace_stories(
    connection: Connection, identity: str, state: str, records: Sequence[Remembered]
) -> None:
    """Inside the caller's transaction: the edition's records in this state, replaced."""
    now = time.time()
    connection.execute("DELETE FROM stories WHERE edition = ? AND state = ?", (identity, state))
    connection.executemany(
        "INSERT INTO stories (edition, state, kind, position, date, entry, title, summary, "
        "url, canonical, page_hash, is_update, recorded) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                identity,
                state,
                r.kind,
                r.position,
                r.date.isoformat(),
                r.entry,
                r.title,
                r.summary,
                r.url,
                r.canonical,
                r.page_hash,
                int(r.update),
                now,
            )
            for r in records
        ],
    )


def record_stories(root: Path, identity: str, state: str, records: Sequence[Remembered]) -> None:
    """Replace what the history holds of the edition in this state (built or sent)."""
    with opened(root, create=True) as database:
        assert database is not None
        with database.transaction() as connection:
            replace_stories(connection, identity, state, records)


_COLUMNS = "edition, date, state, kind, position, entry, title, summary, url, page_hash, is_update"


def _row(row: tuple[object, ...]) -> Remembered:
    edition, day, state, kind, position, entry, title, summary, url, page, update = row
    return Remembered(
        str(edition),
        date.fromisoformat(str(day)),
        str(state),
        str(kind),
        int(str(position)),
        str(entry),
        str(title),
        str(summary),
        None if url is None else str(url),
        str(page),
        bool(update),
    )


def _as_sent(rows: Iterable[Remembered]) -> list[Remembered]:
    """An edition that went out counts as sent; its built records (perhaps edited) do not."""
    rows = list(rows)
    sent = {row.edition for row in rows if row.state == SENT}
    return [row for row in rows if row.state == SENT or row.edition not in sent]


def recall(root: Path, identity: str, day: date, days: int) -> list[Remembered]:
    """What other editions of the `days` before `day` (and of `day` itself) ran, newest first."""
    if days <= 0:
        return []
    with opened(root, create=False) as database:
        if database is None:
            return []
        rows = database.read(
            f"SELECT {_COLUMNS} FROM stories WHERE date BETWEEN ? AND ? AND edition != ? "
            "ORDER BY date DESC, edition DESC, kind, position",
            ((day - timedelta(days=days)).isoformat(), day.isoformat(), identity),
        )
    return _as_sent(_row(row) for row in rows)


def stories_of(root: Path, identity: str) -> list[Remembered]:
    """One edition's stories as it went out (as last built, if it never went out)."""
    with opened(root, create=False) as database:
        if database is None:
            return []
        rows = database.read(
            f"SELECT {_COLUMNS} FROM stories WHERE edition = ? ORDER BY kind, position",
            (identity,),
        )
    return _as_sent(_row(row) for row in rows)


def _match(
    title: str, summary: str, url: str | None, earlier: Sequence[Remembered]
) -> tuple[Remembered, bool] | None:
    """The newest earlier story with the same link, else the newest telling the same news."""
    link = canonical_url(url) if url else None
    for record in earlier:  # newest first
        if link is not None and record.canonical == link:
            return record, True
    for record in earlier:
        if same_story_texts(record.title, record.summary, title, summary):
            return record, False
    return None


def repeats(
    edition: Edition, origins: Iterable[Origin], earlier: Sequence[Remembered]
) -> list[Repeat]:
    """The stories and In brief items of `edition` that ran before (follow-ups excepted)."""
    if not earlier:
        return []
    entries = {origin.source: origin.entry for origin in origins}
    found = []
    items: list[tuple[str, str, str | None, str, bool]] = [
        (story.title, story.summary, story.url, entries.get(story.source, ""), story.update)
        for story in edition.stories
    ]
    items += [(item.text, "", item.url, "In brief", item.update) for item in edition.ticker]
    for title, summary, url, entry, update in items:
        if update:
            continue
        match = _match(title, summary, url, earlier)
        if match is not None:
            found.append(Repeat(entry, title, match[0], match[1]))
    return found


def repeat_finding(repeat: Repeat, file_name: str) -> Finding:
    """The warning for one repeat, naming the edition it ran in."""
    earlier = repeat.earlier
    how = "the same link" if repeat.same_link else "the same news at another link"
    if earlier.url and not repeat.same_link:
        how = f"the same news, then at {earlier.url}"
    where = f"{file_name}: {repeat.entry}: " if repeat.entry else f"{file_name}: "
    if earlier.state == SENT:
        when = f"ran on {earlier.date.isoformat()} in edition {earlier.edition}"
    else:
        when = (
            f"is also in edition {earlier.edition} of {earlier.date.isoformat()} (built, "
            "not sent by digest)"
        )
    return Finding(
        "warning",
        REPEAT_CODE,
        f"{where}{quoted(repeat.title)} {when} as {quoted(earlier.title)} ({how}); if it is "
        "a follow-up, set `update = true` on the entry, otherwise leave it out",
    )
