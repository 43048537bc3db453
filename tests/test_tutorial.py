"""The README's tutorial, run as written: every command, in order, in a fresh folder.

Each `sh` line runs in bash; `NAME=value` and `export NAME=value` lines set variables for the
lines after them. A line's trailing comment says what to expect: `exits N`, `Ctrl-C` (a
server: it is asked for its page, then stopped with Ctrl-C), `in a second terminal` (a
server left running), or text the output must contain. A `toml` block whose first line names
a file is applied to it, key by key (each key must already be in the file). Port 8025 is
replaced by a free port, so runs can go side by side.
"""

from __future__ import annotations

import os
import re
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

from .conftest import ROOT

README = ROOT / "README.md"
TUTORIAL = re.compile(r"<!-- tutorial -->(.*?)<!-- /tutorial -->", re.DOTALL)
BLOCK = re.compile(r"```(sh|toml)\n(.*?)```", re.DOTALL)
COMMENT = re.compile(r"\s{2,}#\s*(.*)$")
ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$")
TUTORIAL_PORT = "8025"
COMMAND_SECONDS = 120
SERVER_SECONDS = 30


@dataclass
class Session:
    """One reader working through the tutorial: a folder, variables, servers left running."""

    folder: Path
    port: str
    env: dict[str, str]
    servers: list[subprocess.Popen[str]] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

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

    def start(self, line: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {line}"],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.servers.append(process)
        return process


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _wait_for_port(port: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SERVER_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _apply_toml(session: Session, block: str) -> None:
    """Set each key of the block in the file its first line names, in the right table."""
    first, _, body = block.partition("\n")
    path = session.folder / first.lstrip("# ").strip()
    text = path.read_text(encoding="utf-8")
    for table, values in [("", tomllib.loads(body))]:
        for key, value in values.items():
            if isinstance(value, dict):
                for inner, inner_value in value.items():
                    text = _set_key(text, key, inner, inner_value)
            else:
                text = _set_key(text, table, key, value)
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
    line = raw.replace(TUTORIAL_PORT, session.port)
    match = COMMENT.search(line)
    comment = match.group(1) if match else ""
    command = line[: match.start()] if match else line
    session.transcript.append(command)
    assignment = ASSIGNMENT.match(command)
    if assignment:
        name, value = assignment.groups()
        result = session.bash(f"printf %s {value}")
        assert result.returncode == 0, result.stderr
        session.env[name] = result.stdout
    elif "second terminal" in comment:
        _wait_for_port(session.port, session.start(command))
    elif "Ctrl-C" in comment:
        _preview_then_stop(session, command)
    else:
        result = session.bash(command)
        output = result.stdout + result.stderr
        expected = re.match(r"exits (\d+)", comment)
        code = int(expected.group(1)) if expected else 0
        assert result.returncode == code, f"{command}\n{output}"
        assert "Traceback" not in output
        if comment and not expected:
            assert comment in output, f"{command}: expected {comment!r} in\n{output}"


def _preview_then_stop(session: Session, command: str) -> None:
    process = session.start(command)
    assert process.stdout is not None
    first = process.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:\d+/\S*", first)
    assert url, first
    with urllib.request.urlopen(url.group(0), timeout=SERVER_SECONDS) as page:
        assert page.status == 200 and b"<" in page.read()
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=SERVER_SECONDS)
    assert process.returncode == 0, rest
    assert "Preview stopped." in rest and "Traceback" not in rest
    session.servers.remove(process)


@pytest.fixture
def session(tmp_path: Path) -> Any:
    bin_folder = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",  # the SMTP server's printout arrives as it happens
        "BROWSER": "true",  # the preview "opens" a browser that does nothing
        "TERM": "dumb",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",  # no look for a newer pip on the network
    }
    opened = Session(tmp_path, _free_port(), env)
    yield opened
    for process in opened.servers:
        process.kill()
        process.communicate(timeout=SERVER_SECONDS)


def test_every_command_of_the_tutorial_runs(session: Session) -> None:
    section = TUTORIAL.search(README.read_text(encoding="utf-8"))
    assert section, "README.md has no <!-- tutorial --> section"
    blocks = BLOCK.findall(section.group(1))
    assert [kind for kind, _ in blocks].count("sh") >= 5
    for kind, body in blocks:
        if kind == "toml":
            _apply_toml(session, body.replace(TUTORIAL_PORT, session.port))
            continue
        for line in body.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                _run_line(session, line)
    # The test copy reached the SMTP server, whole.
    (smtp,) = session.servers
    smtp.send_signal(signal.SIGINT)
    printed, _ = smtp.communicate(timeout=SERVER_SECONDS)
    assert "you@example.org" in printed
    assert "Subject: [TEST] Morning Brief: Council approves" in printed
    assert "Content-Type: text/html" in printed and "List-Unsubscribe" in printed
    session.servers.clear()
    edition = next((session.folder / "newsroom" / "editions").glob("*.toml"))
    assert (session.folder / "newsroom" / "out" / edition.stem / "digest.html").is_file()
