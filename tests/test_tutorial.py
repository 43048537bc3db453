"""README.md, run as written: every shell block that can run offline, in order, in a fresh folder.

The tutorial starts the session (a fresh publication); later blocks (Sending) run in the same
session, with its variables, files and servers. A block the test cannot run is marked for it,
invisibly to a reader, by an HTML comment on the line before it:

- `<!-- not run: why -->`: skipped, with the reason said; its `digest` lines are still checked
  (each command and option must exist) and its `make` targets must be in the Makefile.
- `<!-- run first: LINE -->`: LINE runs before the block (a file the block needs).

Each `sh` line runs in bash; `NAME=value` and `export NAME=value` lines set variables for the
lines after them. A line's trailing comment says what to expect: `exits N`, `prints "TEXT"`
(the output holds TEXT), `Ctrl-C` (a server: its page is fetched, then it is stopped with
Ctrl-C), `in a second terminal` (a server left running); anything else is for the reader.
A line ending in `&` starts a background job, `kill %N` stops the Nth. A `toml` block in the
tutorial whose first line names a file is applied to it, key by key (each key must already
be in the file); every other `toml` block must parse. Ports 2525 and 8080 are replaced by
free ports, so runs can go side by side.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer

from digest.cli import app

from .conftest import ROOT

README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
TUTORIAL = re.compile(r"<!-- tutorial -->(.*?)<!-- /tutorial -->", re.DOTALL)
# A fenced block, with the HTML comment on the line before it when there is one.
BLOCK = re.compile(r"(?:^<!--[ \t]*([^\n]*?)[ \t]*-->\n)?^```(\w*)\n(.*?)^```", re.DOTALL | re.M)
COMMENT = re.compile(r"\s{2,}#\s*(.*)$")
ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$")
PRINTS = re.compile(r'prints "([^"]+)"')
KILL_JOB = re.compile(r"^kill %(\d+)$")
# The ports the README names, each replaced by a free one for the run.
README_PORTS = ("2525", "8080")
COMMAND_SECONDS = 120
SERVER_SECONDS = 30


@dataclass(frozen=True)
class Block:
    """One fenced block of the README, where it is and what the comment before it says."""

    kind: str
    body: str
    marker: str
    in_tutorial: bool


@dataclass
class Session:
    """One reader working through the README: a folder, variables, servers left running."""

    folder: Path
    ports: dict[str, str]
    env: dict[str, str]
    servers: list[subprocess.Popen[str]] = field(default_factory=list)
    jobs: list[subprocess.Popen[str]] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    log_of: dict[int, Path] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.folder.parent / f"{self.folder.name}-logs"

    def bash(self, line: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", line],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            **options,
        )

    def start(self, line: str, *, piped: bool = False) -> subprocess.Popen[str]:
        """A server; its output goes to a log file (a pipe nobody reads would fill and stall
        it), or to a pipe when `piped`, for reading its first line."""
        log = self.logs / f"{len(self.servers) + 1}.log"
        process = subprocess.Popen(
            ["bash", "-c", f"exec {line}"],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE if piped else log.open("w", encoding="utf-8"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.servers.append(process)
        self.log_of[process.pid] = log
        return process

    def stop(self, process: subprocess.Popen[str], signum: int) -> str:
        """Stop a server with a signal; what it printed."""
        process.send_signal(signum)
        piped, _ = process.communicate(timeout=SERVER_SECONDS)
        self.servers.remove(process)
        log = self.log_of[process.pid]
        return piped or (log.read_text(encoding="utf-8") if log.exists() else "")

    def localize(self, text: str) -> str:
        for port, free in self.ports.items():
            text = text.replace(port, free)
        return text


def readme_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    tutorial = TUTORIAL.search(text)
    assert tutorial, "README.md has no <!-- tutorial --> section"
    return [
        Block(kind, body, marker or "", tutorial.start() <= match.start() < tutorial.end())
        for match in BLOCK.finditer(text)
        for marker, kind, body in [match.groups()]
    ]


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _wait_for_port(port: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SERVER_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server stopped: {process.communicate()[0]}"
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _port_in(session: Session, line: str) -> str:
    found = [port for port in session.ports.values() if port in line]
    assert len(found) == 1, f"a server line names one of the README's ports: {line}"
    return found[0]


def _apply_toml(session: Session, block: str) -> None:
    """Set each key of the block in the file its first line names, in the right table."""
    first, _, body = block.partition("\n")
    path = session.folder / first.lstrip("# ").strip()
    text = path.read_text(encoding="utf-8")
    for key, value in tomllib.loads(body).items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                text = _set_key(text, key, inner, inner_value)
        else:
            text = _set_key(text, "", key, value)
    path.write_text(text, encoding="utf-8")
    tomllib.loads(text)  # still valid


def _set_key(text: str, table: str, key: str, value: object) -> str:
    lines = text.splitlines()
    current = ""
    for index, line in enumerate(lines):
        header = re.match(r"^\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            current = header.group(1).strip()
            continue
        if current == table and re.match(rf"^#?\s*{re.escape(key)}\s*=", line):
            rendered = f'"{value}"' if isinstance(value, str) else str(value).lower()
            lines[index] = f"{key} = {rendered}"
            return "\n".join(lines) + "\n"
    raise AssertionError(f"the tutorial sets {table}.{key}, which the scaffold does not have")


def _run_line(session: Session, raw: str) -> None:
    line = session.localize(raw)
    match = COMMENT.search(line)
    comment = match.group(1) if match else ""
    command = (line[: match.start()] if match else line).strip()
    session.transcript.append(command)
    assignment = ASSIGNMENT.match(command)
    job = KILL_JOB.match(command)
    if assignment:
        name, value = assignment.groups()
        result = session.bash(f"printf %s {value}")
        assert result.returncode == 0, result.stderr
        session.env[name] = result.stdout
    elif "terminal" in comment:
        _wait_for_port(_port_in(session, command), session.start(command))
    elif command.endswith("&"):
        process = session.start(command[:-1].strip())
        session.jobs.append(process)
        _wait_for_port(_port_in(session, command), process)
    elif job:
        _stop_job(session, int(job.group(1)))
    elif "Ctrl-C" in comment:
        _preview_then_stop(session, command)
    else:
        result = session.bash(command)
        output = result.stdout + result.stderr
        expected = re.match(r"exits (\d+)", comment)
        code = int(expected.group(1)) if expected else 0
        assert result.returncode == code, f"{command}\n{output}"
        assert "Traceback" not in output
        printed = PRINTS.search(comment)
        if printed:
            assert printed.group(1) in output, (
                f"{command}: expected {printed.group(1)!r} in\n{output}"
            )


def _stop_job(session: Session, number: int) -> None:
    printed = session.stop(session.jobs[number - 1], signal.SIGTERM)  # what `kill %N` sends
    assert "Traceback" not in printed, printed


def _preview_then_stop(session: Session, command: str) -> None:
    process = session.start(command, piped=True)
    assert process.stdout is not None
    first = process.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:\d+/\S*", first)
    assert url, first
    with urllib.request.urlopen(url.group(0), timeout=SERVER_SECONDS) as page:
        assert page.status == 200 and b"<" in page.read()
    rest = session.stop(process, signal.SIGINT)
    assert process.returncode == 0, rest
    assert "Preview stopped." in rest and "Traceback" not in rest


def _check_not_run(body: str) -> None:
    """A block that is not run still names only commands and options that exist."""
    targets = set(re.findall(r"^([\w-]+):", MAKEFILE.read_text(encoding="utf-8"), re.M))
    root = typer.main.get_command(app)
    # A line ending in a backslash goes on in the next one, as in the shell.
    for raw in body.replace("\\\n", " ").splitlines():
        line = COMMENT.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line)
        if words[0] == "make":
            assert set(words[1:]) - {"UPGRADE=1"} <= targets, f"no such make target: {line}"
            continue
        if "digest" not in words:
            continue
        words = words[words.index("digest") + 1 :]
        command = root
        while words and words[0] in getattr(command, "commands", {}):
            command = command.commands[words.pop(0)]
        assert command is not root or not words, f"no such command: {line}"
        known = {flag for param in command.params for flag in getattr(param, "opts", ())}
        for word in words:
            if word.startswith("--"):
                assert word.split("=")[0] in known | {"--help"}, f"{line}: no option {word}"


@pytest.fixture
def session(tmp_path: Path) -> Any:
    bin_folder = str(Path(sys.executable).parent)
    folder = tmp_path / "tutorial"
    folder.mkdir()
    env = {
        "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",  # the SMTP server's printout arrives as it happens
        "BROWSER": "true",  # the preview "opens" a browser that does nothing
        "TERM": "dumb",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",  # no look for a newer pip on the network
    }
    opened = Session(folder, {port: _free_port() for port in README_PORTS}, env)
    opened.logs.mkdir()
    yield opened
    for process in opened.servers:
        process.kill()
        process.communicate(timeout=SERVER_SECONDS)


def test_every_runnable_block_of_the_readme_runs(session: Session) -> None:
    blocks = readme_blocks()
    assert [block.kind for block in blocks if block.in_tutorial].count("sh") >= 5
    ran = skipped = 0
    for block in blocks:
        if block.kind == "toml":
            if block.in_tutorial:
                _apply_toml(session, session.localize(block.body))
            else:
                tomllib.loads(block.body)  # an example of a setting: at least valid TOML
            continue
        if block.kind != "sh":
            continue
        if block.marker.startswith("not run:"):
            assert block.marker.removeprefix("not run:").strip(), "say why it is not run"
            assert not block.in_tutorial, "every block of the tutorial runs"
            _check_not_run(block.body)
            skipped += 1
            continue
        if block.marker.startswith("run first:"):
            _run_line(session, block.marker.removeprefix("run first:").strip())
        else:
            assert not block.marker, f"unknown marker <!-- {block.marker} -->"
        for line in block.body.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                _run_line(session, line)
        ran += 1
    assert ran >= 8 and skipped >= 4, (ran, skipped)
    # The test copies and the list send reached the SMTP server, whole.
    (smtp,) = session.servers
    printed = session.stop(smtp, signal.SIGINT)
    for address in ("you@example.org", "me@example.org", "ann@example.org", "bob@example.org"):
        assert address in printed
    assert "Subject: [TEST] Morning Brief: Council approves" in printed
    assert "Content-Type: text/html" in printed and "List-Unsubscribe" in printed
    edition = next((session.folder / "newsroom" / "editions").glob("*.toml"))
    assert (session.folder / "newsroom" / "out" / edition.stem / "digest.html").is_file()
