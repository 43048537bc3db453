"""The Typer app, its shared options, and the one place errors become messages and exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from digest.cli.helptext import DigestGroup, DigestTyper
from digest.errors import DigestError, ExitCode, describe_os_error

T = TypeVar("T")

app = DigestTyper(
    name="digest",
    cls=DigestGroup,
    help=(
        "Build a daily newsletter email from the articles and ticker headlines an editor "
        "picks: summaries in sections, an In brief block, responsive HTML, a plain-text part.\n\n"
        "Start with `digest init newsroom`, then edit newsroom/editions/YYYY-MM-DD.toml, "
        "preview it, check it, build it and send it. Every command has --help."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Locals in tracebacks could hold secrets (SMTP passwords); never print them.
    pretty_exceptions_show_locals=False,
)

EditionArgument = Annotated[
    Path,
    typer.Argument(
        metavar="EDITION",
        help="The edition file, e.g. newsroom/editions/2024-11-22.toml. "
        "Its digest.toml is found in its folder or a parent.",
        show_default=False,
    ),
]


def show_error(message: str) -> None:
    """One error, in red on stderr."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn errors a person can cause into one clear message and a documented exit code."""
    try:
        yield
    except DigestError as error:
        show_error(str(error))
        raise typer.Exit(int(error.exit_code)) from None
    except OSError as error:  # disk full, permission denied, a folder where a file should be
        show_error(describe_os_error(error))
        raise typer.Exit(int(ExitCode.IO)) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None


def _show_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"digest {version('digest')}")
        except PackageNotFoundError:  # running from a checkout that was never installed
            typer.echo("digest (not installed)")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="Show what each stage does and how long it took, on stderr; -vv adds the "
            "libraries' own debug lines. Accepted before or after the command name.",
        ),
    ] = 0,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print nothing but errors (a --json document still prints). Accepted before "
            "or after the command name.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version of digest and exit.",
        ),
    ] = False,
) -> None:
    """Options shared by every command.

    -v and -q are declared here so Typer builds them once; the group copies them onto every
    command and takes their values itself (`cli.conventions`), so they never arrive here.
    """
    del verbose, quiet


def run_reported(action: Callable[[], T]) -> T:
    """Run one command's call; a DigestError becomes its message and exit code."""
    with reported_errors():
        return action()
