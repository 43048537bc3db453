"""The `digest` command line: options -> one call per command; no logic, lazy imports.

Owns: parsing options, progress display, printing results and turning errors into exit codes.
May import anything in digest, always inside the command body so `digest --help` stays fast.
Nothing in digest imports `digest.cli`.
"""

from __future__ import annotations

import sys

import typer

from digest.cli import archive, edition, send, start, subscribers, theme
from digest.cli.app import app
from digest.errors import DigestError

# `digest --help` lists commands in this order.
COMMAND_ORDER = (
    "build",
    "init",
    "check",
    "summarize",
    "send",
    "status",
    "extract",
    "new",
    "preview",
    "archive",
    "serve-unsubscribe",
)
del (
    archive,
    edition,
    send,
    start,
    subscribers,
    theme,
)  # imported for their @app.command registrations
app.registered_commands.sort(
    key=lambda command: COMMAND_ORDER.index(command.name or command.callback.__name__)  # type: ignore[union-attr]
)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except DigestError as error:  # raised outside a command body (should not happen)
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        sys.exit(int(error.exit_code))


__all__ = ["app", "main"]
