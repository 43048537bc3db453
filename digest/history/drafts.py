"""Story memory for `digest new`: a candidate whose story went out lately, and whose page did
not change since, is left out of the draft (sources/draft.py asks through `StoryMemory`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from digest.history.memory import SENT, STORY, Remembered, page_hash, recall
from digest.history.snapshot import quoted
from digest.sources.dedupe import canonical_url
from digest.sources.sent_before import RanBefore


class SentStories:
    """Story memory as `digest new` asks it: did a story at this link go out lately?"""

    def __init__(self, root: Path, day: date, days: int) -> None:
        self._by_link: dict[str, Remembered] = {}
        for record in recall(root, "", day, days):  # newest first: the latest run wins
            if record.state == SENT and record.kind == STORY and record.canonical:
                self._by_link.setdefault(record.canonical, record)

    def ran(self, url: str) -> RanBefore | None:
        """Where the story at `url` ran, and a test of whether its page still reads the same."""
        record = self._by_link.get(canonical_url(url))
        if record is None:
            return None
        said = (
            f"ran on {record.date.isoformat()} in edition {record.edition} as "
            f"{quoted(record.title)}"
        )
        recorded = record.page_hash
        return RanBefore(said, lambda body: bool(recorded) and page_hash(body) == recorded)


def sent_stories(root: Path, day: date) -> SentStories:
    """The publication's story memory for a draft of `day` (its `memory_days`)."""
    from digest.config import find_publication, load_publication

    found = find_publication(root)
    days = load_publication(found).memory_days if found else 0
    return SentStories(root, day, days)
