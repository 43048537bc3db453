"""What every command does the same way: -v/-q anywhere, log lines, prompts, exit codes."""

from __future__ import annotations

import logging
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from digest.cli import app
from digest.cli.app import main_options
from digest.cli.helptext import DigestGroup, DigestTyper
from digest.errors import ExitCode

from .conftest import ROOT, SAMPLE_EDITION
from .newsroom import ENV, Newsroom, files_newsroom

runner = CliRunner()
DIGEST = str(Path(sys.executable).parent / "digest")
SHARED_FLAGS = {"-v", "--verbose", "-q", "--quiet"}
PROCESS_SECONDS = 120
# A foreign logger's line, as the CLI prints it with -vv: `debug: [markdown_it.rules_block] …`.
FOREIGN_LINE = re.compile(r"^\w+: \[(?!digest\b)[\w.]+\] ")


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


def test_every_command_and_group_takes_verbose_and_quiet() -> None:
    for path, command in _walk(typer.main.get_command(app)):
        flags = {flag for param in command.params for flag in getattr(param, "opts", ())}
        assert flags >= SHARED_FLAGS, f"digest {' '.join(path)} lacks {SHARED_FLAGS - flags}"


def _later_app() -> typer.Typer:
    """A `digest` built like the real one, with commands added later by someone else."""
    fresh = DigestTyper(cls=DigestGroup, no_args_is_help=True)
    fresh.callback()(main_options)

    @fresh.command()
    def later() -> None:
        """Added later: logs at every level, prints a result."""
        logging.getLogger("digest.later").debug("a stage of digest")
        logging.getLogger("digest.later").warning("worth a look")
        logging.getLogger("markdown_it.rules_block").debug("a library's noise")
        typer.echo("the result")

    inner = DigestTyper(cls=DigestGroup, no_args_is_help=True)
    fresh.add_typer(inner, name="group")

    @inner.command("inner")
    def inner_command() -> None:
        """A command in a sub-group."""
        logging.getLogger("digest.inner").debug("inner stage")
        typer.echo("inner result")

    return fresh


def test_a_command_added_later_gets_the_conventions_without_asking() -> None:
    later = _later_app()
    plain = runner.invoke(later, ["later"])
    assert plain.exit_code == 0, plain.output
    assert plain.stdout == "the result\n"
    assert plain.stderr == "warning: worth a look\n"  # a log record, as the CLI's own line
    for args in (["-v", "later"], ["later", "-v"], ["later", "--verbose"]):
        verbose = runner.invoke(later, args)
        assert verbose.stderr == "debug: a stage of digest\nwarning: worth a look\n", args
    both = runner.invoke(later, ["-vv", "later"]).stderr
    assert "debug: [markdown_it.rules_block] a library's noise" in both
    assert runner.invoke(later, ["-v", "later", "-v"]).stderr == both  # counts add up
    for args in (["-q", "later"], ["later", "-q"], ["later", "--quiet"]):
        quiet = runner.invoke(later, args)
        assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", ""), args
    nested = runner.invoke(later, ["-v", "group", "inner"])
    assert nested.stdout == "inner result\n" and "debug: inner stage" in nested.stderr
    assert runner.invoke(later, ["group", "-q", "inner"]).stdout == ""
    assert runner.invoke(later, ["group", "inner", "-q"]).stdout == ""


def test_log_records_read_as_warning_lines(tmp_path: Path) -> None:
    article = tmp_path / "far.md"
    article.write_text("---\ntitle: Far\ndate: 2099-01-01\n---\nA story. Another sentence.\n")
    result = runner.invoke(app, ["extract", str(article)])
    assert result.exit_code == 0, result.output
    assert f"warning: {article}: ignoring the impossible date 2099-01-01" in result.stderr
    assert "WARNING" not in result.stderr and "digest.sources" not in result.stderr


@pytest.fixture
def newsroom(tmp_path: Path) -> Newsroom:
    """A publication that builds cleanly and sends to a folder (the files transport)."""
    return files_newsroom(tmp_path / "newsroom")


def test_quiet_prints_nothing_on_success(newsroom: Newsroom, tmp_path: Path) -> None:
    edition = str(newsroom.edition("2024-11-22"))
    article = str(newsroom.root / "articles" / "story-1.md")
    root = str(newsroom.root)
    commands = [
        ["-q", "init", str(tmp_path / "another")],
        ["build", edition, "-q"],
        ["-q", "check", edition],
        ["send", edition, "--to", str(newsroom.recipients), "--yes", "-q"],
        ["send", edition, "--test", "me@example.org", "--quiet"],
        ["status", edition, "-q"],
        ["archive", "--dir", root, "-q"],
        ["new", "--dir", root, "--date", "2024-12-01", "-q"],
        ["extract", article, "-q"],
        ["summarize", article, "-q"],
        ["theme", "export", str(tmp_path / "theme"), "-q"],
        ["-q", "subscribers", "list", "--dir", root],
    ]
    for args in commands:
        result = runner.invoke(app, args, env=ENV)
        assert result.exit_code == 0, (args, result.output)
        assert (result.stdout, result.stderr) == ("", ""), args


def test_quiet_still_prints_errors_and_the_json_asked_for(newsroom: Newsroom) -> None:
    missing = runner.invoke(app, ["build", str(newsroom.root / "editions" / "nope.toml"), "-q"])
    assert missing.exit_code == ExitCode.CONFIG and "file not found" in missing.stderr
    built = runner.invoke(app, ["build", str(newsroom.edition("2024-11-22")), "--json", "-q"])
    assert built.exit_code == 0 and built.stdout.startswith("{") and built.stderr == ""


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIGEST, *args],
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
        env={**os.environ, "DIGEST_DISK_CACHE": "0", **(env or {})},
    )


def test_verbose_shows_digest_stages_and_no_other_package(sample_copy: Path) -> None:
    """The sample's intro is Markdown: markdown-it logs every rule it tries at DEBUG."""
    edition = str(sample_copy / SAMPLE_EDITION.relative_to(SAMPLE_EDITION.parents[1]))
    for args in (["-v", "build", edition], ["build", edition, "-v"]):
        result = _run(*args)
        assert result.returncode == 0, result.stderr
        lines = result.stderr.splitlines()
        assert all(re.match(r"^(debug|warning): ", line) for line in lines), lines
        assert not [line for line in lines if FOREIGN_LINE.match(line)]
        for stage in ("read", "summarize", "arrange", "render", "compile", "message", "check"):
            assert any(re.match(rf"^debug: {stage}: \d+ ms$", line) for line in lines), stage
        assert any(line.startswith("debug: read 8 articles") for line in lines)
        assert any(line.startswith("debug: dropped the ticker") for line in lines)
    everything = _run("build", edition, "-vv").stderr.splitlines()
    assert any(line.startswith("debug: [markdown_it.") for line in everything)


def test_without_a_terminal_a_question_exits_8_saying_pass_yes(newsroom: Newsroom) -> None:
    result = runner.invoke(
        app, ["subscribers", "unsuppress", "ann@example.org", "--dir", str(newsroom.root)]
    )
    assert result.exit_code == ExitCode.NEEDS_YES
    assert "pass --yes to take them off the list" in result.stderr


def _on_a_terminal(args: list[str], answer: bytes, cwd: Path) -> tuple[int, str]:
    """Run digest with a real terminal (a pty) as stdin and stdout; answer its question."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [DIGEST, *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env={**os.environ, **ENV, "TERM": "dumb"},
    )
    os.close(follower)
    printed, answered = b"", False
    deadline = time.monotonic() + PROCESS_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process is gone
                break
            printed += chunk
            if not answered and b"[y/N]" in printed:
                os.write(leader, answer)
                answered = True
        code = process.wait(timeout=PROCESS_SECONDS)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    assert answered, printed
    return code, printed.decode("utf-8", "replace")


def test_on_a_terminal_the_question_is_asked_and_answered(newsroom: Newsroom) -> None:
    edition = str(newsroom.edition("2024-11-22"))
    base = ["send", edition, "--to", str(newsroom.recipients)]
    code, printed = _on_a_terminal(base, b"n\n", newsroom.root)
    assert code == 0 and "not sent: cancelled" in printed, printed
    assert "Send the 2024-11-22 edition to 4 recipients through files" in printed
    assert not (newsroom.root / "outbox").exists()
    code, printed = _on_a_terminal([*base, "-q"], b"y\n", newsroom.root)  # asked even with -q
    assert code == 0, printed
    assert len(list((newsroom.root / "outbox").glob("*.eml"))) == 4


def test_a_second_send_of_the_same_edition_exits_75(newsroom: Newsroom, tmp_path: Path) -> None:
    """Two real processes: the first holds the edition's lock while its command runs."""
    started = tmp_path / "started"
    toml = newsroom.root / "digest.toml"
    toml.write_text(
        toml.read_text().replace(
            'transport = "files"',
            f'transport = "command"\ncommand = ["sh", "-c", "touch {started}; sleep 3; '
            'cat > /dev/null"]',
        )
    )
    edition = str(newsroom.edition("2024-11-22"))
    first = subprocess.Popen(
        [DIGEST, "send", edition, "--to", str(newsroom.recipients), "--yes", "--connections", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **ENV},
    )
    try:
        deadline = time.monotonic() + PROCESS_SECONDS
        while not started.exists():
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        second = _run("send", edition, "--to", str(newsroom.recipients), "--yes", env=ENV)
        assert second.returncode == ExitCode.TEMPFAIL, second.stderr
        assert "another send of edition 2024-11-22 is running" in second.stderr
        assert "again when it has finished" in second.stderr
    finally:
        printed, _ = first.communicate(timeout=PROCESS_SECONDS)
    assert first.returncode == 0, printed


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def test_a_test_send_to_a_closed_port_fails_at_once_in_one_line(newsroom: Newsroom) -> None:
    port = _closed_port()
    edition = str(newsroom.edition("2024-11-22"))
    args = ["send", edition, "--test", "me@example.org", "--transport", "smtp"]
    result = runner.invoke(app, [*args, "--smtp-port", str(port)], env=ENV)
    assert result.exit_code == ExitCode.DELIVERY
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert f"127.0.0.1:{port} (connection refused)" in line
    assert "[delivery] host and port" in line and "--smtp-port" in line
    assert "journal" not in line and "later" not in line


def test_a_test_send_to_a_host_that_does_not_exist_names_it(newsroom: Newsroom) -> None:
    edition = str(newsroom.edition("2024-11-22"))
    args = ["send", edition, "--test", "me@example.org", "--transport", "smtp"]
    result = runner.invoke(
        app, [*args, "--smtp-host", "relay.invalid", "--smtp-security", "starttls"], env=ENV
    )
    assert result.exit_code == ExitCode.DELIVERY
    (line,) = result.stderr.splitlines()
    assert "the SMTP host 'relay.invalid' cannot be found" in line
    assert "[delivery] host" in line


def test_the_readme_exit_code_table_is_exit_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = [int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)]
    assert documented == sorted(int(code) for code in ExitCode)


def test_main_shows_the_traceback_with_more_than_one_v(monkeypatch: pytest.MonkeyPatch) -> None:
    from digest.cli import wants_traceback

    for argv, wanted in ((["build", "-vv"], True), (["-v", "x"], True), (["build"], False)):
        monkeypatch.setattr("sys.argv", ["digest", *argv])
        assert wants_traceback() is wanted
