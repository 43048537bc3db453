"""`--json` on every command that has it: the output parses and holds the fields --help names.

The field list is read from each command's `--help` as a person sees it, so help, output and
README.md's "JSON output" section cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.cli.jsonout import FIELDS_LABEL, SHAPES
from digest.errors import ExitCode

from .conftest import DATA, ROOT
from .newsroom import ENV, Newsroom, files_newsroom
from .smtp_server import FaultHandler, smtp_server

runner = CliRunner()
# Rich draws the help in boxes; these characters are its frame, not text.
FRAME = re.compile(r"[│╭╮╰╯─]")
FEED = DATA / "feeds" / "rss20.xml"


def help_fields(*command: str) -> list[str]:
    """The fields a command's --help promises for --json."""
    shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "100", "TERM": "dumb"})
    assert shown.exit_code == 0, shown.output
    text = " ".join(FRAME.sub(" ", shown.stdout).split())
    found = re.search(re.escape(FIELDS_LABEL) + r" ([\w, ]+)\.", text)
    assert found, f"digest {' '.join(command)} --help names no {FIELDS_LABEL!r}"
    return [name.strip() for name in found.group(1).split(",")]


@pytest.fixture
def newsroom(tmp_path: Path) -> Newsroom:
    return files_newsroom(tmp_path / "newsroom")


def run_json(*args: str) -> tuple[dict[str, Any], int]:
    result = runner.invoke(app, [*args, "--json"], env=ENV)
    assert result.stdout.startswith("{"), (args, result.output)
    return json.loads(result.stdout), result.exit_code


def assert_shape(command: str, document: dict[str, Any], exit_code: int) -> None:
    named = help_fields(command)
    assert named == list(SHAPES[command].fields)
    missing = [name for name in named if name not in document]
    assert not missing, f"digest {command} --json lacks {missing}"
    if "exit_code" in named:
        assert document["exit_code"] == exit_code


def test_build_json(newsroom: Newsroom) -> None:
    edition = str(newsroom.edition("2024-11-22"))
    document, code = run_json("build", edition, "--archive")
    assert_shape("build", document, code)
    assert code == 0 and document["articles"][0]["title"] == "Story number 1"
    assert Path(document["files"]["html"]).is_file()
    assert document["archive"]["total"] == 1
    report = json.loads(Path(document["files"]["report"]).read_text(encoding="utf-8"))
    assert {key: document[key] for key in report} == report  # the same document, two fields more


def test_check_json(newsroom: Newsroom) -> None:
    document, code = run_json("check", str(newsroom.edition("2024-11-22")))
    assert_shape("check", document, code)
    assert all({"severity", "code", "message"} <= set(f) for f in document["findings"])


def test_send_and_status_json(newsroom: Newsroom) -> None:
    edition = str(newsroom.edition("2024-11-22"))
    document, code = run_json("send", edition, "--to", str(newsroom.recipients), "--yes")
    assert_shape("send", document, code)
    assert (code, document["sent"], document["total"], document["transport"]) == (0, 4, 4, "files")
    again, code = run_json("send", edition, "--to", str(newsroom.recipients), "--yes")
    assert again["nothing_to_send"] and again["sent_earlier"] == 4
    status, code = run_json("status", edition)
    assert_shape("status", status, code)
    assert (code, status["counts"]["sent"], status["total"]) == (0, 4, 4)


def test_status_exits_75_while_some_are_deferred(newsroom: Newsroom) -> None:
    toml = newsroom.root / "digest.toml"
    handler = FaultHandler(defer_times={"bob@example.org": 99})
    with smtp_server(handler) as server:
        toml.write_text(
            toml.read_text()
            .replace('transport = "files"', 'transport = "smtp"')
            .replace("port = 1\n", f"port = {server.port}\n")
        )
        edition = str(newsroom.edition("2024-11-22"))
        sent, code = run_json("send", edition, "--to", str(newsroom.recipients), "--yes")
    assert code == ExitCode.TEMPFAIL and sent["deferred"] == 1 and sent["sent"] == 3
    status, code = run_json("status", edition)
    assert code == ExitCode.TEMPFAIL == status["exit_code"]
    assert status["deferred"][0]["address"] == "bob@example.org"
    text = runner.invoke(app, ["status", edition])
    assert text.exit_code == ExitCode.TEMPFAIL


def test_new_json(newsroom: Newsroom) -> None:
    document, code = run_json(
        "new", "--dir", str(newsroom.root), "--from", str(FEED), "--date", "2024-11-21"
    )
    assert_shape("new", document, code)
    assert code == 0 and document["written"] and document["date"] == "2024-11-21"
    assert document["seen"] == 4 and document["too_new"] == 2  # two stories of the 22nd
    assert len(document["articles"]) == 2


def test_archive_json(newsroom: Newsroom) -> None:
    document, code = run_json("archive", "--dir", str(newsroom.root))
    assert_shape("archive", document, code)
    assert code == 0 and document["archived"] == ["2024-11-22", "2024-11-23"]


def test_extract_json_lines(newsroom: Newsroom) -> None:
    article = str(newsroom.root / "articles" / "story-1.md")
    missing = str(newsroom.root / "articles" / "missing.md")
    result = runner.invoke(app, ["extract", article, missing, "--json"])
    assert result.exit_code == ExitCode.SOURCE
    read, failed = (json.loads(line) for line in result.stdout.splitlines())
    named = help_fields("extract")
    assert named == list(SHAPES["extract"].fields)
    assert not [name for name in named if name not in read]
    assert set(failed) == {"input", "error"}


def test_every_json_command_is_tested_and_documented() -> None:
    tested = {"build", "check", "send", "status", "new", "archive", "extract"}
    assert set(SHAPES) == tested
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command, shape in SHAPES.items():
        paragraph = re.search(rf"<!-- json: {command} -->\n(.*?)(?:\n\n|$)", readme, re.DOTALL)
        assert paragraph, f"README.md's JSON output section has no paragraph for {command}"
        documented = set(re.findall(r"`(\w+)`", paragraph.group(1)))
        assert set(shape.fields) <= documented, set(shape.fields) - documented
