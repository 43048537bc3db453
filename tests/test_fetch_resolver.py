"""Name lookups end by the fetch's deadline, against a DNS server that never answers.

The commands run for real in a namespace of their own (`unshare --mount --net`, as root):
/etc/resolv.conf there names 127.0.0.1, where a UDP socket takes every query and answers
none, with glibc told to wait 30 s per try, five tries. Without a deadline on the lookup a
fetch would wait minutes whatever `[fetch] timeout` says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MINIMAL_PUBLICATION, PublicationFactory

DEADLINE = 2  # [fetch] timeout, seconds
# Starting the interpreter and importing the CLI, on a box shared with other test runs.
MARGIN = 3.0
RUN_SECONDS = 120
SILENT_RESOLVER = "nameserver 127.0.0.1\noptions timeout:30 attempts:5\n"
STALLED = "news.stalls.test"

# Runs inside the namespace: loopback up, the silent resolver in place, a UDP socket on port
# 53 that never replies; proves that a plain lookup really hangs, then times each command.
HARNESS = """
import json, socket, subprocess, sys, threading, time
resolv, name, limit, commands = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True)
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(("127.0.0.1", 53))
probe = threading.Thread(target=socket.getaddrinfo, args=(name, 80), daemon=True)
probe.start()
probe.join(3)
report = {"lookup_hangs": probe.is_alive(), "runs": []}
for command in commands:
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    report["runs"].append(
        {"seconds": time.monotonic() - start, "code": done.returncode, "stderr": done.stderr}
    )
print(json.dumps(report))
"""


def _namespace_problem() -> str | None:
    """Why this box cannot make the namespace (None when it can)."""
    if not sys.platform.startswith("linux"):
        return "mount and network namespaces are Linux's"
    if os.geteuid() != 0:
        return "making a mount namespace with its own /etc/resolv.conf needs root (CI is root)"
    missing = [tool for tool in ("unshare", "ip", "mount") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed"
    tried = subprocess.run(
        ["unshare", "--mount", "--net", "true"], capture_output=True, text=True, timeout=30
    )
    if tried.returncode != 0:
        return f"unshare --mount --net is not allowed here: {tried.stderr.strip()}"
    return None


def test_a_resolver_that_never_answers_ends_by_the_deadline(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    problem = _namespace_problem()
    if problem:
        pytest.skip(problem)
    publication = MINIMAL_PUBLICATION + f"[fetch]\ntimeout = {DEADLINE}\n"
    edition = make_publication(
        f'[[articles]]\nurl = "http://{STALLED}/story"\n', publication=publication
    )
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(SILENT_RESOLVER, encoding="utf-8")
    cli = [sys.executable, "-c", "from digest.cli import main; main()"]
    commands = [
        [*cli, "new", "--from", f"http://{STALLED}/feed.xml", "--dir", str(tmp_path)],
        [*cli, "build", str(edition)],
    ]
    finished = subprocess.run(
        ["unshare", "--mount", "--net", sys.executable, "-c", HARNESS, str(resolv),
         STALLED, str(RUN_SECONDS), json.dumps(commands)],
        capture_output=True, text=True, timeout=RUN_SECONDS * 3, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["lookup_hangs"], "the silent resolver answered: the test proves nothing"
    for run in report["runs"]:
        assert run["code"] == 3, run["stderr"]  # a source could not be read, no traceback
        assert f"{STALLED}: the name lookup got no answer within {DEADLINE} s" in run["stderr"]
        assert "Traceback" not in run["stderr"]
        assert run["seconds"] < DEADLINE + MARGIN, run
