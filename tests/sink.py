"""Postfix's smtp-sink on 127.0.0.1 as a test server: fast, real, with faults on demand.

`smtp-sink -q .` drops the connection after the final dot, `-Q .` says 421 there, `-W .:N`
waits N seconds before answering it. With `-d` every message is dumped to a file, so a test
can count the copies each recipient got.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
START_TIMEOUT = 10.0
BACKLOG = "256"
# Dropped privileges when started as root (smtp-sink requires -u then).
UNPRIVILEGED_USER = "nobody"
_RCPT = re.compile(rb"^X-Rcpt-Args: <([^>]*)>", re.MULTILINE)


def available() -> bool:
    """True when Debian's postfix package (smtp-sink) is installed."""
    return os.path.exists(SMTP_SINK)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    """Return when 127.0.0.1:port accepts connections; fail if the process died first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on port {port}")


@dataclass
class Sink:
    """A running smtp-sink: where it listens and where it dumps messages (None: no dumps)."""

    port: int
    dump: Path | None

    def copies(self) -> Counter[str]:
        """Copies received per recipient address (needs dumps)."""
        counts: Counter[str] = Counter()
        if self.dump is None:
            return counts
        for path in self.dump.rglob("*"):
            if path.is_file():
                counts.update(m.decode() for m in _RCPT.findall(path.read_bytes()[:4096]))
        return counts


@contextmanager
def smtp_sink(options: Sequence[str] = (), *, dump: bool = True) -> Iterator[Sink]:
    """Run smtp-sink for the block with extra `options` (e.g. ["-q", "."])."""
    folder = Path(tempfile.mkdtemp(prefix="digest-sink-")) if dump else None
    port = free_port()
    argv = [SMTP_SINK]
    if os.geteuid() == 0:
        argv += ["-u", UNPRIVILEGED_USER]
    if folder is not None:
        folder.chmod(0o777)  # the unprivileged sink writes its dumps here
        argv += ["-d", f"{folder}/%H%M%S."]
    argv += [*options, f"127.0.0.1:{port}", BACKLOG]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "smtp-sink")
        yield Sink(port, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
