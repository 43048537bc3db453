"""The command line through Typer's CliRunner: output, files and exit codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode

from .conftest import PublicationFactory

runner = CliRunner()


def test_help_teaches_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "init"):
        assert command in result.output
    build_help = runner.invoke(app, ["build", "--help"])
    assert "102,400" in build_help.output and "--out" in build_help.output


def test_build_the_sample(sample_copy: Path) -> None:
    result = runner.invoke(app, ["build", str(sample_copy / "editions" / "2024-11-22.toml")])
    assert result.exit_code == 0, result.output
    assert "8 articles in 4 sections" in result.output
    assert "/ 102,400 bytes" in result.output
    assert "dropped" in result.output
    out = sample_copy / "out" / "2024-11-22"
    for name in ("digest.html", "digest.txt", "digest.mjml", "digest.eml", "report.json"):
        assert (out / name).is_file()


def test_build_with_out_folder(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    edition = str(sample_copy / "editions" / "2024-11-22.toml")
    result = runner.invoke(app, ["build", edition, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "digest.html").is_file()


def test_config_errors_exit_2_without_traceback(make_publication: PublicationFactory) -> None:
    edition = make_publication('[[articles]]\nsource = "nope.md"\ntypo = 1\n')
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert "2 problems" in result.output
    assert "articles[1].typo: unknown key" in result.output
    assert "Traceback" not in result.output


def test_unreadable_article_exits_3(make_publication: PublicationFactory) -> None:
    edition = make_publication(
        '[[articles]]\nsource = "../a.md"\n', files={"a.md": "---\nsection: x\n---\nno title"}
    )
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.SOURCE
    assert "needs a `title`" in result.output and "Traceback" not in result.output


def test_missing_edition_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "2024-11-22.toml")])
    assert result.exit_code == ExitCode.CONFIG
    assert "file not found" in result.output


def test_init_then_build_then_refuse_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "newsroom"
    result = runner.invoke(app, ["init", str(folder), "--name", "Morning Brief"])
    assert result.exit_code == 0, result.output
    today = date.today().isoformat()
    edition = folder / "editions" / f"{today}.toml"
    assert edition.is_file() and (folder / "templates").is_dir()
    assert 'name = "Morning Brief"' in (folder / "digest.toml").read_text()
    assert "#" in (folder / "digest.toml").read_text()  # commented for the editor

    built = runner.invoke(app, ["build", str(edition)])
    assert built.exit_code == 0, built.output
    assert (folder / "out" / today / "digest.html").is_file()

    before = (folder / "digest.toml").read_text()
    again = runner.invoke(app, ["init", str(folder)])
    assert again.exit_code == ExitCode.CONFIG
    assert "refusing to overwrite" in again.output
    assert (folder / "digest.toml").read_text() == before


def test_send_files_transport_then_rerun_sends_nothing_twice(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_UNSUBSCRIBE_SECRET", "a-test-secret-of-32-characters!!")
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,name\nann@example.org,Ann\nbob@example.org,Bob\nbad,X\n")
    edition = str(sample_copy / "editions" / "2024-11-22.toml")
    base = ["send", edition, "--to", str(recipients), "--transport", "files", "--yes"]

    refused = runner.invoke(app, base)
    assert refused.exit_code == ExitCode.RECIPIENTS
    assert "line 4" in refused.output

    first = runner.invoke(app, [*base, "--skip-invalid"])
    assert first.exit_code == 0, first.output
    assert "sent 2" in first.output
    outbox = sample_copy / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 2

    again = runner.invoke(app, [*base, "--skip-invalid"])
    assert again.exit_code == 0 and "nothing to send" in again.output and "2 sent" in again.output
    status = runner.invoke(app, ["status", edition])
    assert "sent 2" in status.output and "pending 0" in status.output


def test_send_needs_a_list_or_a_test_address(sample_copy: Path) -> None:
    result = runner.invoke(app, ["send", str(sample_copy / "editions" / "2024-11-22.toml")])
    assert result.exit_code == ExitCode.CONFIG
    assert "--to LIST.csv or --test ADDRESS" in result.output
