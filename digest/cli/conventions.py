"""What every command does the same way, without asking: -v/-q, log lines, prompts.

`-v/--verbose` and `-q/--quiet` are declared once, on the `digest` group (`app.main_options`);
the group hands a copy of them to every command and sub-group beneath it when it is built
(`share_options`), so `digest -v build X` and `digest build X -v` mean the same, and a command
added later has them too. Each command then runs inside `conventions(...)`:

- log records become the CLI's own lines on stderr (`warning: …`, like `show_error`);
- `-v` shows digest's own debug lines (stages, reads, fetches, timings), never another
  package's; `-vv` shows everything;
- `-q` shows errors only, and nothing on stdout unless the command was asked for `--json`.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import typer

from digest.errors import DigestError, ExitCode

# The parameters shared by every command (their names in Python, as Typer gives them).
VERBOSE = "verbose"
QUIET = "quiet"
SHARED = (VERBOSE, QUIET)
# ctx.meta is one dict for the whole chain (`digest -v subscribers -v list`): counts add up.
META_VERBOSE = "digest.verbose"
META_QUIET = "digest.quiet"
# Our own loggers; anything else is "another package" and stays quiet below -vv.
OWN_LOGGER = "digest"
# Verbosity levels.
OWN_DEBUG = 1
EVERYTHING = 2
# An option a command takes to print JSON: with it, -q keeps stdout (the document asked for).
JSON_FLAG = "--json"
COLOURS = {"error": typer.colors.RED, "warning": typer.colors.YELLOW}


@dataclass(frozen=True, slots=True)
class Settings:
    """How the running command should talk."""

    verbose: int = 0
    quiet: bool = False


_current = Settings()


def current() -> Settings:
    """The settings of the command that is running (defaults outside a command)."""
    return _current


def quiet() -> bool:
    """True when the person asked for errors only (-q)."""
    return _current.quiet


def share_options(group: Any) -> None:
    """Give every command and sub-group under `group` a copy of its shared options."""
    shared = [param for param in group.params if param.name in SHARED]
    if not shared:
        return
    for command in _walk(group):
        names = {param.name for param in command.params}
        flags = {flag for param in command.params for flag in getattr(param, "opts", ())}
        for param in shared:
            if param.name in names or flags & set(param.opts):
                continue  # a command with its own meaning for the name keeps it
            twin = copy.copy(param)
            command.params.append(twin)


def _walk(group: Any) -> Iterator[Any]:
    for command in getattr(group, "commands", {}).values():
        yield command
        yield from _walk(command)


def take_shared(ctx: Any) -> None:
    """Move this level's -v/-q values out of the command's arguments into the chain's total."""
    meta = ctx.meta
    for name in SHARED:
        if name not in ctx.params:
            continue
        value = ctx.params.pop(name)
        if name == VERBOSE:
            meta[META_VERBOSE] = meta.get(META_VERBOSE, 0) + int(value or 0)
        else:
            meta[META_QUIET] = bool(meta.get(META_QUIET)) or bool(value)


def settings_of(ctx: Any) -> Settings:
    """The chain's -v count and -q, as collected by `take_shared`."""
    return Settings(int(ctx.meta.get(META_VERBOSE, 0)), bool(ctx.meta.get(META_QUIET, False)))


def wants_json(command: Any, ctx: Any) -> bool:
    """True when the command was given its --json flag."""
    return any(
        JSON_FLAG in getattr(param, "opts", ()) and ctx.params.get(param.name)
        for param in command.params
    )


@contextlib.contextmanager
def conventions(settings: Settings, *, keep_stdout: bool = False) -> Iterator[None]:
    """Run one command with its log lines, verbosity and quietness; restored afterwards."""
    global _current
    previous = _current
    _current = settings
    handler = CliLogHandler(settings)
    root, own = logging.getLogger(), logging.getLogger(OWN_LOGGER)
    levels = root.level, own.level
    for old in [h for h in root.handlers if isinstance(h, CliLogHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    if settings.verbose >= EVERYTHING:
        root.setLevel(logging.DEBUG)
    elif root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    own.setLevel(logging.DEBUG if settings.verbose >= OWN_DEBUG else logging.NOTSET)
    silence = settings.quiet and not keep_stdout
    try:
        with contextlib.redirect_stdout(io.StringIO()) if silence else contextlib.nullcontext():
            yield
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        own.setLevel(levels[1])
        _current = previous


class CliLogHandler(logging.Handler):
    """Log records as the CLI's own lines on stderr: `warning: …`, `error: …`, `debug: …`.

    Another package's records show its name in brackets, and only from WARNING up unless
    -vv; with -q only errors show.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(logging.DEBUG)
        self.settings = settings

    def shows(self, record: logging.LogRecord) -> bool:
        """Whether this record is for the person at the chosen verbosity."""
        if self.settings.quiet:
            return record.levelno >= logging.ERROR
        if record.levelno >= logging.WARNING:
            return True
        if _is_own(record.name):
            return self.settings.verbose >= OWN_DEBUG
        return self.settings.verbose >= EVERYTHING

    def emit(self, record: logging.LogRecord) -> None:
        """Print one record, if it is shown."""
        if not self.shows(record):
            return
        try:
            text = record.getMessage()
            if record.exc_info and self.settings.verbose >= EVERYTHING:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # a broken log call must not break the command
            self.handleError(record)
            return
        label = label_of(record.levelno)
        origin = "" if _is_own(record.name) else f"[{record.name}] "
        typer.secho(f"{label}: {origin}{text}", fg=COLOURS.get(label), err=True)


def label_of(level: int) -> str:
    """'error', 'warning' or 'debug' (INFO and DEBUG are both details for -v)."""
    if level >= logging.ERROR:
        return "error"
    if level >= logging.WARNING:
        return "warning"
    return "debug"


def _is_own(name: str) -> bool:
    return name == OWN_LOGGER or name.startswith(OWN_LOGGER + ".")


def show_warning(message: str) -> None:
    """One warning, in yellow on stderr (not with -q)."""
    if not _current.quiet:
        typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def note(message: str) -> None:
    """A line for the person on stderr that is neither result nor warning (not with -q)."""
    if not _current.quiet:
        typer.echo(message, err=True)


def confirm(question: str, *, yes: bool, action: str) -> bool:
    """Ask on the terminal; without one, refuse with NEEDS_YES instead of guessing.

    The question goes to stderr, so stdout stays the command's result. `action` finishes
    "pass --yes to ..." (e.g. "send").
    """
    if yes:
        return True
    if not sys.stdin.isatty():
        raise DigestError(
            f"there is no terminal to ask on, so pass --yes to {action}. The question was: "
            f"{question}",
            exit_code=ExitCode.NEEDS_YES,
        )
    try:
        return bool(typer.confirm(question, default=False, err=True))
    except typer.Abort:  # Ctrl-D or Ctrl-C at the prompt: a no
        return False
