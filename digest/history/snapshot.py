"""What an edition says, part by part, so two versions of it can be told apart in words.

An approval and a sent version keep a snapshot; `changes(before, after)` says what differs
("story 2 'NATO, Ukraine to meet': summary edited"). The hashes are of the bodies every reader's
message is made from, with the build's marker nonce replaced: a setting that changes no byte a
reader sees changes no hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from digest.models import Edition, Sponsor, Story, TickerItem

SNAPSHOT_VERSION = 1
NONCE_STANDIN = "nonce"
# Words for a changed field of a story, ticker item or sponsor.
FIELD_WORDS = {
    "headline": "headline changed",
    "summary": "summary edited",
    "link": "link changed",
    "section": "moved to another section",
    "image": "image changed",
    "update": "`update` changed",
    "text": "text edited",
    "label": "label changed",
}
# A headline quoted in a message is cut here.
QUOTED_CHARS = 60


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def body_hash(body: str, nonce: str) -> str:
    """The hash of one body part, the build's marker nonce replaced by a fixed word."""
    return _sha256(body.replace(nonce, NONCE_STANDIN) if nonce else body)


def quoted(text: str) -> str:
    """A headline as messages quote it, cut to QUOTED_CHARS."""
    text = " ".join(text.split())
    return repr(text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…")


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of the edition: a story, an In brief item, a sponsor, the subject..."""

    kind: str  # story, ticker, sponsor, subject, preheader, intro
    key: str  # what identifies it across versions (its link, else its text)
    label: str  # how messages name it: "story 2 'Headline'"
    fields: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        """The part as JSON values."""
        return {
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "fields": [list(pair) for pair in self.fields],  # in order: a list of pairs
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Part:
        """Read a part back."""
        fields = tuple((str(name), str(value)) for name, value in data["fields"])
        return cls(str(data["kind"]), str(data["key"]), str(data["label"]), fields)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An edition as a reader would get it: the subject, the bodies' hashes, its parts."""

    subject: str
    html_hash: str
    text_hash: str
    parts: tuple[Part, ...]

    @property
    def content_hash(self) -> str:
        """The hash of what every reader gets: subject, HTML and text."""
        return _sha256(self.subject, self.html_hash, self.text_hash)

    def bound_hash(self, list_fingerprint: str | None) -> str:
        """The content hash bound to a recipient list's fingerprint (None: any list)."""
        return _sha256(self.content_hash, list_fingerprint or "")

    def to_json(self) -> dict[str, Any]:
        """The snapshot as JSON values."""
        return {
            "version": SNAPSHOT_VERSION,
            "subject": self.subject,
            "html_hash": self.html_hash,
            "text_hash": self.text_hash,
            "parts": [part.to_json() for part in self.parts],
        }

    def dumps(self) -> str:
        """The snapshot as one JSON text (how the history keeps it)."""
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Snapshot:
        """Read a snapshot back from `dumps`."""
        data = json.loads(text)
        return cls(
            subject=str(data["subject"]),
            html_hash=str(data["html_hash"]),
            text_hash=str(data["text_hash"]),
            parts=tuple(Part.from_json(part) for part in data["parts"]),
        )


def _story_part(number: int, story: Story) -> Part:
    return Part(
        "story",
        story.url or f"headline:{story.title}",
        f"story {number} {quoted(story.title)}",
        (
            ("headline", story.title),
            ("summary", story.summary),
            ("link", story.url or ""),
            ("section", "" if story.lead else story.section),
            ("image", story.image or ""),
            ("update", "yes" if story.update else ""),
        ),
    )


def _ticker_part(item: TickerItem) -> Part:
    return Part(
        "ticker",
        item.url or f"text:{item.text}",
        f"In brief item {quoted(item.text)}",
        (("text", item.text), ("link", item.url or ""), ("update", "yes" if item.update else "")),
    )


def _sponsor_part(sponsor: Sponsor) -> Part:
    return Part(
        "sponsor",
        sponsor.url,
        f"sponsor {quoted(sponsor.text)}",
        (("text", sponsor.text), ("link", sponsor.url), ("label", sponsor.label or "")),
    )


def snapshot_of(edition: Edition, *, html: str, text: str, nonce: str) -> Snapshot:
    """The snapshot of a build: its edition and the bodies every reader's copy is made from."""
    parts = [
        Part("subject", "subject", "the subject", (("text", edition.subject),)),
        Part("preheader", "preheader", "the preheader", (("text", edition.preheader),)),
        Part("intro", "intro", "the editor's note (intro)", (("text", edition.intro or ""),)),
        *(_story_part(number, story) for number, story in enumerate(edition.stories, 1)),
        *(_ticker_part(item) for item in edition.ticker),
        *(_sponsor_part(sponsor) for sponsor in edition.sponsors),
    ]
    return Snapshot(
        subject=edition.subject,
        html_hash=body_hash(html, nonce),
        text_hash=body_hash(text, nonce),
        parts=tuple(parts),
    )


def _pairs(
    before: Sequence[Part], after: Sequence[Part]
) -> Iterable[tuple[Part | None, Part | None]]:
    """Parts of one kind matched across versions: by key, then by position among the rest."""
    by_key = {part.key: part for part in before}
    matched = {part.key for part in after if part.key in by_key}
    removed = [part for part in before if part.key not in matched]
    for part in after:
        if part.key in by_key:
            yield by_key[part.key], part
        elif removed:
            yield removed.pop(0), part  # the same place, edited (a new link or headline)
        else:
            yield None, part
    for part in removed:
        yield part, None


def _field_changes(before: Part, after: Part) -> list[str]:
    old, new = dict(before.fields), dict(after.fields)
    changed = [name for name in new if old.get(name, "") != new[name]]
    if before.kind in ("subject", "preheader", "intro"):
        return [f"{after.label} changed"] if changed else []
    words = []
    for name in changed:
        word = FIELD_WORDS.get(name, f"{name} changed")
        if name == "headline":
            word += f" (was {quoted(old.get(name, ''))})"
        words.append(word)
    return [f"{after.label}: {', '.join(words)}"] if words else []


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs between two versions of an edition, in words; [] when nothing does."""
    found: list[str] = []
    for kind in ("subject", "preheader", "intro", "story", "ticker", "sponsor"):
        old = [part for part in before.parts if part.kind == kind]
        new = [part for part in after.parts if part.kind == kind]
        for was, now in _pairs(old, new):
            if was is None and now is not None:
                found.append(f"{now.label} added")
            elif now is None and was is not None:
                found.append(f"{was.label} removed")
            elif was is not None and now is not None:
                found += _field_changes(was, now)
    if not found and before.html_hash != after.html_hash:
        found.append("the HTML changed though no story did (a template, the theme or digest.toml)")
    if not found and before.text_hash != after.text_hash:
        found.append("the plain-text part changed though no story did (a template or digest.toml)")
    return found
