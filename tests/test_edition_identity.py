"""An edition is its file, not its date: two editions of one day are sent, built and archived
apart; a file name that cannot name an edition, or that says another day, is refused."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_edition
from digest.delivery.journal import Journal, State, default_journal_path
from digest.errors import ConfigError, ExitCode
from tests.newsroom import ARTICLE, ENV, READERS, Newsroom, make_newsroom, parse, send
from tests.smtp_server import smtp_server

MORNING, EVENING = "2024-11-22", "2024-11-22-evening"


def _add_evening(newsroom: Newsroom) -> Path:
    """editions/2024-11-22-evening.toml: the same day, another story."""
    article = ARTICLE.format(title="The evening story", slug="evening")
    (newsroom.root / "articles" / "evening.md").write_text(article, encoding="utf-8")
    path = newsroom.edition(EVENING)
    path.write_text('[[articles]]\nsource = "../articles/evening.md"\n', encoding="utf-8")
    return path


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=ENV)
    return result.exit_code, result.output


def test_a_morning_and_an_evening_edition_of_one_day_both_go_to_every_reader(
    tmp_path: Path,
) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        _add_evening(newsroom)
        send(newsroom, MORNING)
        output = send(newsroom, EVENING)
        assert "nothing to send" not in output
        again = send(newsroom, EVENING)  # and each only once
        received = [(rcpt, parse(data)) for rcpt, data in smtp.handler.received]
    assert "nothing to send" in again.lower() or "already sent" in again.lower(), again
    copies: dict[tuple[str, str], int] = {}
    for rcpt, message in received:
        key = (rcpt, str(message["Subject"]))
        copies[key] = copies.get(key, 0) + 1
    subjects = {subject for _, subject in copies}
    assert len(subjects) == 2 and any("evening" in s for s in subjects), subjects
    assert copies == {(reader, s): 1 for reader in READERS for s in subjects}
    ids = [str(message["Message-ID"]) for _, message in received]
    assert len(set(ids)) == len(ids) == 2 * len(READERS)
    with Journal(default_journal_path(newsroom.root)) as journal:
        assert journal.counts(MORNING)[State.SENT] == len(READERS)
        assert journal.counts(EVENING)[State.SENT] == len(READERS)


def test_both_editions_of_one_day_are_built_and_archived_apart(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    _add_evening(newsroom)
    for day in (MORNING, EVENING):
        code, output = _invoke("build", str(newsroom.edition(day)))
        assert code == 0, output
        assert f"Built {day}:" in output
    reports = {
        day: json.loads((newsroom.root / "out" / day / "report.json").read_text("utf-8"))
        for day in (MORNING, EVENING)
    }
    assert {day: (r["edition"], r["date"]) for day, r in reports.items()} == {
        MORNING: (MORNING, MORNING),
        EVENING: (EVENING, MORNING),
    }
    assert reports[MORNING]["subject"] != reports[EVENING]["subject"]
    code, output = _invoke("archive", "--dir", str(newsroom.root))
    assert code == 0, output
    archive = newsroom.root / "archive"
    morning, evening = (archive / f"{day}.html" for day in (MORNING, EVENING))
    assert "Story number 1" in morning.read_text("utf-8")
    assert "The evening story" in evening.read_text("utf-8")
    record = json.loads((archive / "editions.json").read_text("utf-8"))
    assert [(e["id"], e["date"]) for e in record["editions"]] == [  # newest first
        ("2024-11-23", "2024-11-23"),
        (EVENING, MORNING),
        (MORNING, MORNING),
    ]
    feed = (archive / "feed.xml").read_text("utf-8")
    assert f"/archive/{EVENING}.html" in feed and f"/archive/{MORNING}.html" in feed


def test_an_edition_named_by_its_date_keeps_the_key_its_earlier_sends_used(
    tmp_path: Path,
) -> None:
    """Journals written when the key was the date still match: the stem is the date."""
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        with Journal(default_journal_path(newsroom.root)) as journal:  # an older digest's send
            journal.add(MORNING, READERS)
            for reader in READERS:
                journal.mark(MORNING, reader, State.SENT)
        assert load_edition(newsroom.edition(MORNING)).identity == MORNING
        output = send(newsroom, MORNING)
        assert smtp.handler.received == []
    assert "nothing to send" in output.lower(), output


def test_a_file_name_that_cannot_name_an_edition_says_how_to_fix_it(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    spaced = newsroom.root / "editions" / "Friday special.toml"
    spaced.write_text(newsroom.edition(MORNING).read_text("utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_edition(spaced)
    message = str(raised.value)
    assert "'Friday special.toml' cannot name the edition" in message
    assert 'rename the file or set id = "Friday-special"' in message
    named = 'id = "friday-special"\ndate = 2024-11-29\n' + spaced.read_text("utf-8")
    spaced.write_text(named, encoding="utf-8")
    assert load_edition(spaced).identity == "friday-special"
    code, output = _invoke("build", str(spaced))
    assert code == 0, output
    assert (newsroom.root / "out" / "friday-special" / "digest.html").is_file()


def test_a_file_name_and_a_date_that_disagree_are_refused_naming_both(tmp_path: Path) -> None:
    """2024-11-23.toml holding date = 2024-11-22 would be filed under the 22nd, over that
    day's own edition: refused when it loads, and nothing is built."""
    newsroom = make_newsroom(tmp_path / "news", 25)
    wrong = newsroom.edition("2024-11-23")
    wrong.write_text("date = 2024-11-22\n" + wrong.read_text("utf-8"), encoding="utf-8")
    code, output = _invoke("build", str(wrong))
    assert code == ExitCode.CONFIG, output
    assert "date = 2024-11-22" in output and "'2024-11-23' says 2024-11-23" in output
    assert "rename the file" in output
    assert not (newsroom.root / "out").exists()
    code, output = _invoke("send", str(wrong), "--to", str(newsroom.recipients), "--yes")
    assert code == ExitCode.CONFIG, output


def test_an_id_that_is_another_editions_file_name_is_refused(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    evening = _add_evening(newsroom)
    evening.write_text(f'id = "{MORNING}"\n' + evening.read_text("utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"is the name of another edition, {MORNING}.toml"):
        load_edition(evening)


def test_an_id_names_the_edition_everywhere(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    edition = newsroom.edition("2024-11-23")
    edition.write_text(
        textwrap.dedent('id = "2024-11-23-late"\n') + edition.read_text("utf-8"),
        encoding="utf-8",
    )
    code, output = _invoke("build", str(edition))
    assert code == 0, output
    assert "Built 2024-11-23-late:" in output
    assert (newsroom.root / "out" / "2024-11-23-late" / "report.json").is_file()
