"""`digest subscribers ...`: a newsroom's exports in, the list out, and back again."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from digest.cli import app
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.errors import ExitCode
from digest.subscribers.export_file import read_export
from tests.conftest import DATA
from tests.newsroom import make_newsroom

EXPORTS = DATA / "suppressions"
runner = CliRunner()


@pytest.fixture
def newsroom_dir(tmp_path: Path) -> Path:
    return make_newsroom(tmp_path / "news", 25).root


def entries(root: Path) -> dict[str, tuple[Reason, str]]:
    with SuppressionList(default_suppression_path(root)) as suppressions:
        return {
            e.address: (e.reason, datetime.fromtimestamp(e.created, UTC).date().isoformat())
            for e in suppressions.entries()
        }


def test_mailchimp_semicolon_export_with_bom_and_crlf(newsroom_dir: Path) -> None:
    export = EXPORTS / "mailchimp-unsubscribed-semicolon.csv"
    result = runner.invoke(
        app, ["subscribers", "import-suppressions", str(export), "--dir", str(newsroom_dir)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "5 rows read (CSV, semicolon-separated, with a header row, UTF-8 with a byte-order mark "
        "(Mailchimp unsubscribed export))"
    ) in result.output
    assert "added 3" in result.output and "duplicates in the file 1" in result.output
    assert "line 4: 'not an address' is not an email address (" in result.output
    assert "line 6: date 'yesterday' not understood" in result.output
    got = entries(newsroom_dir)
    assert got["ann@example.org"] == (Reason.UNSUBSCRIBED, "2024-11-20")
    assert got["bob@example.org"] == (Reason.UNSUBSCRIBED, "2024-11-21")
    assert set(got) == {"ann@example.org", "bob@example.org", "cat@example.org"}
    again = runner.invoke(
        app, ["subscribers", "import-suppressions", str(export), "--dir", str(newsroom_dir)]
    )
    assert "added 0, already on the list 3" in again.output


def test_tab_separated_with_reason_column_and_a_plain_list(newsroom_dir: Path) -> None:
    tab = read_export(EXPORTS / "buttondown-tab.tsv", Reason.MANUAL, "test")
    assert [(e.address, e.reason) for e in tab.entries] == [
        ("zed@example.org", Reason.UNSUBSCRIBED),
        ("yan@example.org", Reason.HARD_BOUNCE),
    ]
    plain = read_export(EXPORTS / "plain-list.txt", Reason.MANUAL, "test")
    assert plain.layout == "one address per line (no header row), UTF-8"
    assert [e.address for e in plain.entries] == ["kim@example.org", "lee@example.org"]


def test_mailchimp_cleaned_export_means_bounces(tmp_path: Path) -> None:
    export = tmp_path / "cleaned.csv"
    export.write_text("Email Address,CLEAN_TIME\nold@example.org,2023-05-01 00:00:00\n")
    read = read_export(export, Reason.UNSUBSCRIBED, "test")
    assert read.entries[0].reason is Reason.HARD_BOUNCE


def test_a_file_without_an_address_column_says_which_columns_it_saw(
    newsroom_dir: Path, tmp_path: Path
) -> None:
    export = tmp_path / "people.csv"
    export.write_text("name,phone\nAnn,123\n")
    result = runner.invoke(
        app, ["subscribers", "import-suppressions", str(export), "--dir", str(newsroom_dir)]
    )
    assert result.exit_code == ExitCode.RECIPIENTS
    assert "no column holds the addresses" in result.output and "'phone'" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(
        app,
        [
            "subscribers",
            "import-suppressions",
            str(tmp_path / "nope.csv"),
            "--dir",
            str(newsroom_dir),
        ],
    )
    assert missing.exit_code == ExitCode.RECIPIENTS  # as `digest send --to nope.csv`
    assert "nope.csv: file not found" in missing.output


def test_list_export_and_remove(newsroom_dir: Path, tmp_path: Path) -> None:
    runner.invoke(
        app,
        [
            "subscribers",
            "import-suppressions",
            str(EXPORTS / "plain-list.txt"),
            "--dir",
            str(newsroom_dir),
            "--reason",
            "manual",
        ],
    )
    listed = runner.invoke(app, ["subscribers", "list", "--suppressed", "--dir", str(newsroom_dir)])
    assert "2 suppressed (manual 2)" in listed.output
    target = tmp_path / "out.csv"
    exported = runner.invoke(
        app, ["subscribers", "export", str(target), "--suppressed", "--dir", str(newsroom_dir)]
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(target.open()))
    assert [row["email"] for row in rows] == ["kim@example.org", "lee@example.org"]
    assert read_export(target, Reason.UNSUBSCRIBED, "x").entries[0].reason is Reason.MANUAL
    removed = runner.invoke(
        app,
        [
            "subscribers",
            "unsuppress",
            "KIM@example.org",
            "nobody@example.org",
            "--yes",
            "--dir",
            str(newsroom_dir),
        ],
    )
    assert "Removed 1 of 2" in removed.output and "not on the list: nobody@example.org" in (
        removed.output
    )
    assert set(entries(newsroom_dir)) == {"lee@example.org"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=8)
)
def test_any_text_is_read_or_refused_with_a_message(lines: list[str]) -> None:
    import tempfile

    from digest.delivery.lists import ListFileError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            read = read_export(path, Reason.MANUAL, "fuzz")
        except ListFileError as error:
            assert str(error).startswith(f"{path}: ")
            return
        assert all("@" in entry.address for entry in read.entries)
