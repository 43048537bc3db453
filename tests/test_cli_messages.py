"""Messages that teach: what went wrong, in the words of the fix.

`digest new --since` counts from the edition's day, not the wall clock, and a draft with no
candidate says why; the publication file given as an edition names the file to pass; a path
outside the publication is named once.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode
from digest.sources.draft import candidate_window, new_edition

from .conftest import DATA, PublicationFactory

runner = CliRunner()
# Entries of 1, 21 and 22 November 2024 (two on the 22nd: 10:00 and 14:48 UTC).
FEED = DATA / "feeds" / "rss20.xml"
# Long after the feed was written: the wall clock must not matter.
LATER = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    (tmp_path / "digest.toml").write_text('name = "City"\nfrom = "news@city.example"\n')
    return tmp_path


def test_since_counts_back_from_the_end_of_the_editions_day() -> None:
    day = date(2024, 11, 22)
    window = candidate_window("24h", day, UTC, LATER)
    assert window.start == datetime(2024, 11, 22, tzinfo=UTC)
    assert window.end == datetime(2024, 11, 23, tzinfo=UTC) and window.day == day
    # While the edition's day is not over, "24h" is the last 24 hours.
    morning = datetime(2024, 11, 22, 6, 0, tzinfo=UTC)
    assert candidate_window("24h", day, UTC, morning).start == datetime(2024, 11, 21, 6, tzinfo=UTC)
    assert candidate_window(None, day, UTC, LATER).start is None


def test_new_since_takes_the_editions_day_however_late_it_runs(newsroom: Path) -> None:
    draft = new_edition(
        [str(FEED)], folder=newsroom, since="24h", edition_date=date(2024, 11, 22), now=LATER
    )
    assert draft.exit_code == ExitCode.OK
    titles = [entry["title"] for entry in tomllib.loads(draft.path.read_text())["articles"]]
    assert "Tram line approved after long debate" in titles
    assert (draft.tally.seen, draft.tally.too_old, draft.tally.too_new) == (4, 2, 0)


def test_stories_after_the_editions_day_are_never_candidates(newsroom: Path) -> None:
    draft = new_edition([str(FEED)], folder=newsroom, edition_date=date(2024, 11, 21), now=LATER)
    assert draft.tally.too_new == 2 and len(draft.articles) == 2
    assert all(article.published and article.published.day <= 21 for article in draft.articles)


def test_a_draft_with_no_candidate_says_why_writes_nothing_and_exits_9(newsroom: Path) -> None:
    args = ["new", "--dir", str(newsroom), "--from", str(FEED), "--date", "2024-11-30"]
    result = runner.invoke(app, [*args, "--since", "2d"])
    assert result.exit_code == ExitCode.NO_CANDIDATES == 10
    assert result.stdout == ""
    message = result.stderr
    assert "no candidates, nothing written: 4 feed entries seen" in message
    assert "4 published before 2024-11-29 00:00 UTC" in message and "--since" in message
    assert not (newsroom / "editions" / "2024-11-30.toml").exists()
    before = runner.invoke(
        app, ["new", "--dir", str(newsroom), "--from", str(FEED), "--date", "2024-10-31"]
    )
    assert before.exit_code == ExitCode.NO_CANDIDATES
    assert "4 dated after the edition's day (2024-10-31)" in before.stderr


def test_a_draft_without_sources_is_still_an_empty_file_to_fill(newsroom: Path) -> None:
    result = runner.invoke(app, ["new", "--dir", str(newsroom), "--date", "2024-11-30"])
    assert result.exit_code == 0 and "with 0 articles" in result.stdout


def test_the_publication_file_given_as_an_edition(make_publication: PublicationFactory) -> None:
    edition = make_publication(
        '[[articles]]\ntitle = "T"\nsummary = "S."\nurl = "https://e.org/"\n'
    )
    publication = edition.parents[1] / "digest.toml"
    for command in (["build"], ["check"], ["preview"], ["send", "--test", "me@example.org"]):
        result = runner.invoke(app, [command[0], str(publication), *command[1:]])
        assert result.exit_code == ExitCode.CONFIG, command
        assert (
            "this is the publication file (digest.toml); pass an edition file such as "
            "editions/2024-11-22.toml" in result.stderr
        )
        assert "unknown key" not in result.stderr


def test_a_path_outside_the_publication_is_named_once(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text("---\ntitle: Out\n---\nText.\n")
    edition = make_publication(f'[[articles]]\nsource = "{outside}"\n')
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert f"{outside} is outside the publication folder" in result.stderr
    assert result.stderr.count(str(outside)) == 1
    relative = make_publication(f'[[articles]]\nsource = "../../{outside.name}"\n')
    named = runner.invoke(app, ["build", str(relative)]).stderr
    assert f"../../{outside.name} is {outside}, outside the publication folder" in named
