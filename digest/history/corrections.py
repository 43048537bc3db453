"""Corrections: dated notes on a story of an edition, after the send (`digest correct`).

A correction is shown by the corrected edition's web version (beside the story, and in a list at
the end), changes its feed entry's `updated`, and is carried by the next edition's "Corrections"
block: every build of a later edition shows the corrections no edition has carried yet, and the
list send of one marks them as carried by it, so the edition after that does not repeat them.
Recording the same note on the same story again is the same correction, not a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.errors import DigestError, ExitCode
from digest.history.memory import STORY, Remembered
from digest.history.records import iso, opened, utc_now
from digest.history.snapshot import quoted
from digest.models import Correction
from digest.sources.dedupe import canonical_url

# A correction is a sentence or two; a longer note belongs in a story of its own.
MAX_NOTE_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    """A correction as the history keeps it."""

    edition: str
    edition_date: date
    number: int
    story: int  # the story's number in the edition (reading order, lead first)
    story_title: str
    story_url: str | None
    note: str
    created: datetime  # UTC
    day: date  # the publication's local date when it was made
    carried_by: str | None  # the edition whose "Corrections" block carried it

    @property
    def key(self) -> str:
        """The journal's name for the notice sent to readers: never an edition's identity."""
        return f"{self.edition}+correction-{self.number}"

    def model(self) -> Correction:
        """The plain value the templates show."""
        return Correction(
            edition=self.edition,
            edition_date=self.edition_date,
            number=self.number,
            story_title=self.story_title,
            story_url=self.story_url,
            note=self.note,
            day=self.day,
        )

    def to_json(self) -> dict[str, object]:
        """The correction as JSON values (`digest history --json`)."""
        return {
            "edition": self.edition,
            "number": self.number,
            "story": self.story,
            "story_title": self.story_title,
            "story_url": self.story_url,
            "note": self.note,
            "created": iso(self.created),
            "day": self.day.isoformat(),
            "carried_by": self.carried_by,
        }


_COLUMNS = "edition, date, number, story, story_title, story_url, note, created, day, carried_by"


def _record(row: tuple[object, ...]) -> CorrectionRecord:
    edition, day, number, story, title, url, note, created, made, carried = row
    return CorrectionRecord(
        edition=str(edition),
        edition_date=date.fromisoformat(str(day)),
        number=int(str(number)),
        story=int(str(story)),
        story_title=str(title),
        story_url=None if url is None else str(url),
        note=str(note),
        created=datetime.fromisoformat(str(created)),
        day=date.fromisoformat(str(made)),
        carried_by=None if carried is None else str(carried),
    )


def add_correction(
    root: Path, story: Remembered, note: str, tz: ZoneInfo, now: datetime | None = None
) -> tuple[CorrectionRecord, bool]:
    """Record a correction of one story; (the correction, whether it is new)."""
    note = checked_note(note)
    now = now or utc_now()
    with opened(root, create=True) as database:
        assert database is not None
        with database.transaction() as connection:
            same = connection.execute(
                f"SELECT {_COLUMNS} FROM corrections WHERE edition = ? AND story = ? AND note = ?",
                (story.edition, story.position, note),
            ).fetchone()
            if same is not None:
                return _record(same), False
            number = connection.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM corrections WHERE edition = ?",
                (story.edition,),
            ).fetchone()[0]
            record = CorrectionRecord(
                edition=story.edition,
                edition_date=story.date,
                number=int(number),
                story=story.position,
                story_title=story.title,
                story_url=story.url,
                note=note,
                created=now,
                day=now.astimezone(tz).date(),
                carried_by=None,
            )
            connection.execute(
                f"INSERT INTO corrections ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.edition,
                    record.edition_date.isoformat(),
                    record.number,
                    record.story,
                    record.story_title,
                    record.story_url,
                    record.note,
                    iso(record.created),
                    record.day.isoformat(),
                    None,
                ),
            )
    return record, True


def _select(root: Path, where: str, parameters: Sequence[object]) -> list[CorrectionRecord]:
    with opened(root, create=False) as database:
        if database is None:
            return []
        rows = database.read(
            f"SELECT {_COLUMNS} FROM corrections WHERE {where} ORDER BY date, edition, number",
            parameters,
        )
    return [_record(row) for row in rows]


def corrections_of(root: Path, identity: str) -> list[CorrectionRecord]:
    """Every correction of one edition, in the order they were made."""
    return _select(root, "edition = ?", (identity,))


def all_corrections(root: Path) -> list[CorrectionRecord]:
    """Every correction the history holds."""
    return _select(root, "1 = 1", ())


def to_carry(root: Path, identity: str, day: date, *, sent: bool) -> list[CorrectionRecord]:
    """The corrections edition `identity` (of `day`) carries in its "Corrections" block.

    Once it went out, exactly those its send carried; before, also every correction of an
    earlier edition (or another of the same day) that no edition has carried yet.
    """
    if sent:
        return _select(root, "carried_by = ?", (identity,))
    return _select(
        root,
        "carried_by = ? OR (carried_by IS NULL AND edition != ? AND date <= ?)",
        (identity, identity, day.isoformat()),
    )


def pick_story(stories: Sequence[Remembered], given: str, file_name: str) -> Remembered:
    """The story `--story` names: its number as `digest history` lists them, or its link."""
    listed = [story for story in stories if story.kind == STORY]
    wanted = given.strip()
    found: Remembered | None = None
    if wanted.isdigit():
        found = next((s for s in listed if s.position == int(wanted)), None)
    else:
        link = canonical_url(wanted)
        found = next((s for s in listed if s.canonical == link), None)
    if found is not None:
        return found
    names = "; ".join(f"{s.position} {quoted(s.title)}" for s in listed) or "none"
    raise DigestError(
        f"--story {given!r}: no such story in {file_name} (give its number or its link; its "
        f"stories: {names})",
        exit_code=ExitCode.CONFIG,
    )


def checked_note(note: str) -> str:
    """The note as recorded: one line, not empty, not a story of its own."""
    cleaned = " ".join(note.split())
    if not cleaned:
        raise DigestError("--note is empty: say what was wrong and what is right")
    if len(cleaned) > MAX_NOTE_CHARS:
        raise DigestError(
            f"--note has {len(cleaned):,} characters; a correction is at most {MAX_NOTE_CHARS:,}"
        )
    return cleaned
