"""Command delivery: run an argv (no shell) with the message on stdin, per recipient.

The command gets a minimal environment: PATH, LANG, the variables `[delivery] command_env`
names, and DIGEST_RECIPIENT / DIGEST_SENDER, never the SMTP password or the unsubscribe
secret unless listed. What it writes to stderr is cut to its end and scrubbed of every known
secret value before it is stored in the journal or shown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from digest.config import Delivery
from digest.delivery.redact import redactor
from digest.delivery.transports import OutcomeUnknown, PermanentFailure, TemporaryFailure
from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75  # sysexits.h: "try again later", as sendmail and procmail use it
# Only the end of stderr is kept: it is shown to people and stored in the journal.
MAX_STDERR_CHARS = 300
# After a timeout, how long the killed process group gets to go away before we stop waiting.
KILL_GRACE_SECONDS = 5.0
# Always passed on: where programs are, and the language of their messages.
BASE_ENV = ("PATH", "LANG")
# stderr read at most: a chatty or hostile command cannot fill memory.
MAX_STDERR_BYTES = 65_536


class CommandTransport:
    """Runs `argv` for each message; `{to}` and `{from}` in an argument are filled in."""

    name = "command"

    def __init__(
        self,
        argv: Sequence[str],
        timeout: float,
        cwd: Path,
        environ: Mapping[str, str],
        secrets: Sequence[str | None] = (),
    ) -> None:
        if not argv:
            raise DigestError(
                'the command transport needs [delivery] command = ["program", "arg", ...]',
                exit_code=ExitCode.CONFIG,
            )
        self.argv = list(argv)
        self.timeout = timeout
        self.cwd = cwd
        self.environ = dict(environ)  # already cut down to what the command may see
        self._redact = redactor(secrets)

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
        # stderr goes to a file, not a pipe: only its end is read, whatever the command writes.
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    cwd=self.cwd,
                    env=env,
                    start_new_session=True,  # so a timeout can kill the whole process group
                )
            except OSError as error:
                raise PermanentFailure(f"cannot run {argv[0]}: {error.strerror}") from None
            try:
                process.communicate(data, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                # It had the whole message: it may have passed it on before it hung.
                raise OutcomeUnknown(
                    f"{argv[0]} did not finish within {self.timeout:g} s and was stopped"
                ) from None
            errors.seek(max(0, errors.seek(0, os.SEEK_END) - MAX_STDERR_BYTES))
            text = self._redact(errors.read().decode("utf-8", "replace"))
        tail = " ".join(text.split())[-MAX_STDERR_CHARS:]
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


def command_environment(environ: Mapping[str, str], allowed: Sequence[str]) -> dict[str, str]:
    """PATH, LANG and the variables the publication allows, from `environ`."""
    return {name: environ[name] for name in (*BASE_ENV, *allowed) if name in environ}


def create(delivery: Delivery, root: Path, environ: Mapping[str, str]) -> CommandTransport:
    """The command transport from [delivery] command, command_timeout and command_env."""
    return CommandTransport(
        delivery.command,
        delivery.command_timeout,
        root,
        command_environment(environ, delivery.command_env),
        secrets=[environ.get(delivery.password_env)],
    )
