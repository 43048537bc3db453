"""Command delivery: run an argv (no shell) with the message on stdin, per recipient."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from digest.config import Delivery
from digest.delivery.transports import PermanentFailure, TemporaryFailure
from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75  # sysexits.h: "try again later", as sendmail and procmail use it
# Only the end of stderr is kept: it is shown to people and stored in the journal.
MAX_STDERR_CHARS = 300
# After a timeout, how long the killed process group gets to go away before we stop waiting.
KILL_GRACE_SECONDS = 5.0


class CommandTransport:
    """Runs `argv` for each message; `{to}` and `{from}` in an argument are filled in."""

    name = "command"

    def __init__(
        self, argv: Sequence[str], timeout: float, cwd: Path, environ: Mapping[str, str]
    ) -> None:
        if not argv:
            raise DigestError(
                'the command transport needs [delivery] command = ["program", "arg", ...]',
                exit_code=ExitCode.CONFIG,
            )
        self.argv = list(argv)
        self.timeout = timeout
        self.cwd = cwd
        self.environ = dict(environ)

    def open(self) -> None:
        """Nothing to connect."""

    def close(self) -> None:
        """Nothing to disconnect."""

    def send(
        self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None]
    ) -> None:
        """Run the command once; exit 0 = sent, 75 = try later, anything else = failed."""
        if recipient.startswith("-") or sender.startswith("-"):
            # An address that looks like an option could change what the program does.
            raise PermanentFailure("an address starting with '-' is refused by the command")
        argv = [arg.replace("{to}", recipient).replace("{from}", sender) for arg in self.argv]
        env = {**self.environ, "DIGEST_RECIPIENT": recipient, "DIGEST_SENDER": sender}
        before_data()
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd=self.cwd,
                env=env,
                start_new_session=True,  # so a timeout can kill the whole process group
            )
        except OSError as error:
            raise PermanentFailure(f"cannot run {argv[0]}: {error.strerror}") from None
        try:
            _, stderr = process.communicate(data, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise TemporaryFailure(
                f"{argv[0]} did not finish within {self.timeout:g} s and was stopped"
            ) from None
        tail = " ".join(stderr.decode("utf-8", "replace").split())[-MAX_STDERR_CHARS:]
        if process.returncode == 0:
            return
        detail = f"{argv[0]} exited with status {process.returncode}" + (
            f": {tail}" if tail else ""
        )
        if process.returncode == EX_TEMPFAIL:
            raise TemporaryFailure(detail, code=process.returncode)
        raise PermanentFailure(detail, code=process.returncode)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.communicate(timeout=KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning("the delivery command (pid %d) did not exit after SIGKILL", process.pid)


def create(delivery: Delivery, root: Path, environ: Mapping[str, str]) -> CommandTransport:
    """The command transport from [delivery] command and command_timeout."""
    return CommandTransport(delivery.command, delivery.command_timeout, root, environ)
