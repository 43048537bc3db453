"""Snapshots say in words what changed between two versions of an edition."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from digest.history.snapshot import Snapshot, changes, snapshot_of
from digest.models import Edition, Section, Story, TickerItem


def _story(title: str, url: str | None, summary: str = "A summary.", **extra: object) -> Story:
    return Story(
        title=title, summary=summary, url=url, section="World", published=None, author=None,
        image=None, image_alt="", site_name=None, source=url or title, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


LEAD = _story("Lead story", "https://example.org/lead", lead=True)
ONE = _story("First story", "https://example.org/one")
TWO = _story("Second story", None)
EDITION = Edition(
    date=date(2024, 11, 22),
    subject="The Daily: Lead story",
    preheader="First story · Second story",
    lead=LEAD,
    sections=(Section("World", (ONE, TWO)),),
    ticker=(TickerItem("Metro runs late", "https://example.org/metro"),),
)


def _snap(edition: Edition, html: str = "<p>x nonce-1</p>", text: str = "x") -> Snapshot:
    return snapshot_of(edition, html=html, text=text, nonce="nonce-1")


def _with(*stories: Story) -> Edition:
    return replace(EDITION, sections=(Section("World", stories),))


def test_the_same_edition_has_no_changes_and_survives_json() -> None:
    snapshot = _snap(EDITION)
    assert changes(snapshot, _snap(EDITION)) == []
    assert Snapshot.loads(snapshot.dumps()) == snapshot
    # Only the marker nonce differs (another setting): the same hash, nothing changed.
    again = snapshot_of(EDITION, html="<p>x nonce-2</p>", text="x", nonce="nonce-2")
    assert again.content_hash == snapshot.content_hash


def test_each_kind_of_change_is_named() -> None:
    before = _snap(EDITION)
    edited = _with(replace(ONE, summary="Another summary."), TWO)
    assert changes(before, _snap(edited)) == ["story 2 'First story': summary edited"]
    retitled = _with(replace(ONE, title="First story, revised"), TWO)
    assert changes(before, _snap(retitled)) == [
        "story 2 'First story, revised': headline changed (was 'First story')"
    ]
    moved = _with(replace(ONE, url="https://example.org/one-v2"), TWO)
    assert changes(before, _snap(moved)) == ["story 2 'First story': link changed"]
    dropped = _with(ONE)
    assert changes(before, _snap(dropped)) == ["story 3 'Second story' removed"]
    added = _with(ONE, TWO, _story("Third story", "https://example.org/three"))
    assert changes(before, _snap(added)) == ["story 4 'Third story' added"]
    subject = replace(EDITION, subject="The Daily: another subject")
    assert changes(before, _snap(subject)) == ["the subject changed"]
    brief = replace(EDITION, ticker=())
    assert changes(before, _snap(brief)) == ["In brief item 'Metro runs late' removed"]
    follow_up = _with(replace(ONE, update=True), TWO)
    assert changes(before, _snap(follow_up)) == ["story 2 'First story': `update` changed"]


def test_bytes_that_change_without_a_story_are_still_named() -> None:
    before = _snap(EDITION)
    assert changes(before, _snap(EDITION, html="<p>y</p>")) == [
        "the HTML changed though no story did (a template, the theme or digest.toml)"
    ]
    assert changes(before, _snap(EDITION, text="y")) == [
        "the plain-text part changed though no story did (a template or digest.toml)"
    ]
    assert before.bound_hash("sha256-sum:1") != before.bound_hash(None)
