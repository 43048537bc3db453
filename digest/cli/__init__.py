"""The `digest` command line: options -> one call per command; no logic, lazy imports.

Owns: parsing options, progress display, printing results and turning errors into exit codes.
May import anything in digest, always inside the command body so `digest --help` stays fast.
Nothing in digest imports `digest.cli`.
"""

from __future__ import annotations

import re
import sys
from typing import NoReturn

from digest.cli import (
    archive,
    bounces,
    edition,
    history,
    send,
    serve,
    start,
    stats,
    status,
    subscribers,
    theme,
)
from digest.cli.app import app, show_error
from digest.cli.helptext import COMMAND_ORDER
from digest.cli.shutdown import leave
from digest.errors import DigestError, ExitCode, describe_os_error

# -v, -vv, --verbose anywhere on the command line (the option itself is parsed by the app).
VERBOSE_FLAG = re.compile(r"^(?:--verbose|-v+)$")

del (
    archive,
    bounces,
    edition,
    history,
    send,
    serve,
    start,
    status,
    stats,
    subscribers,
    theme,
)  # imported for their @app.command registrations


def main() -> None:
    """Console-script entry point: no traceback for anything a person can cause, and for
    digest's own bugs a one-line message (the traceback with --verbose)."""
    try:
        app.only_for(sys.argv[1:])()
    except DigestError as error:  # raised outside a command body (should not happen)
        show_error(str(error))
        sys.exit(int(error.exit_code))
    except OSError as error:  # e.g. stdout closed or the disk full while printing
        show_error(describe_os_error(error))
        sys.exit(int(ExitCode.IO))
    except Exception as error:
        if wants_traceback():
            raise
        show_error(
            f"digest failed unexpectedly ({type(error).__name__}: {error}). This is a bug in "
            "digest, not in your files: run the command again with --verbose for the details, "
            "and report it."
        )
        sys.exit(int(ExitCode.BUG))


def run() -> NoReturn:
    """The `digest` console script: `main`, then out of the process without the interpreter's
    teardown once that is safe (`cli.shutdown`)."""
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    leave(code)


def wants_traceback() -> bool:
    """True when the command line asks for details (-v anywhere): then a bug shows its
    traceback instead of the one-line message."""
    return any(VERBOSE_FLAG.match(argument) for argument in sys.argv[1:])


__all__ = ["COMMAND_ORDER", "app", "main", "run"]
