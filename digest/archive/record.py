"""The archive's record of its editions (editions.json beside the pages), read and written.

Each `digest archive` run renders only the editions it is given; the index and the feed are
made from this record, so editions archived earlier stay listed without being rebuilt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from digest.archive.layout import escapes
from digest.errors import DigestError, ExitCode

RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class ArchivedStory:
    """A headline on the index and in the feed."""

    title: str
    url: str | None


@dataclass(frozen=True, slots=True)
class ArchivedCorrection:
    """A correction on the edition's page and in its feed entry."""

    story_title: str
    note: str
    day: str  # ISO date it was made, in the publication's time zone
    made: datetime  # when it was made (the feed entry's `updated`)


@dataclass(frozen=True, slots=True)
class ArchivedEdition:
    """One edition in the archive."""

    identity: str  # the edition's file name (or `id =`), the key
    date: str  # ISO date
    subject: str
    preheader: str
    published: datetime  # the edition's morning in the publication's time zone
    path: str  # the page, relative to the archive folder
    stories: tuple[ArchivedStory, ...]
    corrections: tuple[ArchivedCorrection, ...] = ()

    @property
    def updated(self) -> datetime:
        """When the edition last changed: its morning, or its latest correction."""
        return max([self.published, *(c.made for c in self.corrections)])

    def to_json(self) -> dict[str, Any]:
        """A JSON object for editions.json."""
        return {
            "id": self.identity,
            "date": self.date,
            "subject": self.subject,
            "preheader": self.preheader,
            "published": self.published.isoformat(),
            "path": self.path,
            "stories": [{"title": s.title, "url": s.url} for s in self.stories],
            **(
                {
                    "corrections": [
                        {
                            "story_title": c.story_title,
                            "note": c.note,
                            "day": c.day,
                            "made": c.made.isoformat(),
                        }
                        for c in self.corrections
                    ]
                }
                if self.corrections
                else {}
            ),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArchivedEdition:
        """Read one edition back from editions.json (a path leaving the folder is refused)."""
        if escapes(str(data["path"])):
            raise ValueError(f"the page path {str(data['path'])!r} leaves the archive folder")
        return cls(
            identity=str(data.get("id", data["date"])),  # records before ids: the date
            date=str(data["date"]),
            subject=str(data["subject"]),
            preheader=str(data.get("preheader", "")),
            published=datetime.fromisoformat(str(data["published"])),
            path=str(data["path"]),
            stories=tuple(
                ArchivedStory(str(s["title"]), s.get("url")) for s in data.get("stories", [])
            ),
            corrections=tuple(
                ArchivedCorrection(
                    str(c["story_title"]),
                    str(c["note"]),
                    str(c["day"]),
                    datetime.fromisoformat(str(c["made"])),
                )
                for c in data.get("corrections", [])
            ),
        )


def read_record(path: Path) -> dict[str, ArchivedEdition]:
    """The editions an earlier run archived, by identity (none if the file does not exist)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        editions = (ArchivedEdition.from_json(e) for e in data["editions"])
        return {edition.identity: edition for edition in editions}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DigestError(
            f"{path} is damaged ({error}); delete it and run `digest archive` "
            "without arguments to archive every edition again",
            exit_code=ExitCode.CONFIG,
        ) from None


def record_bytes(editions: list[ArchivedEdition]) -> bytes:
    """editions.json, newest first, stable for the same editions."""
    payload = {"version": RECORD_VERSION, "editions": [e.to_json() for e in editions]}
    return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
