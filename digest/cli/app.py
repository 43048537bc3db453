"""The Typer app, its shared options, and the one place errors become messages and exit codes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from digest.errors import DigestError

T = TypeVar("T")

app = typer.Typer(
    name="digest",
    help=(
        "Build a daily newsletter digest email from articles and ticker headlines.\n\n"
        "Typical day: `digest init newsroom/` once, then edit "
        "newsroom/editions/YYYY-MM-DD.toml and run `digest build` on it."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Locals in tracebacks could hold secrets (SMTP passwords); never print them.
    pretty_exceptions_show_locals=False,
)

EditionArgument = Annotated[
    Path,
    typer.Argument(
        help="The edition file, e.g. newsroom/editions/2024-11-22.toml. "
        "Its digest.toml is found in its folder or a parent.",
        show_default=False,
    ),
]


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn errors a person can cause into one clear message and a documented exit code."""
    try:
        yield
    except DigestError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


@app.callback()
def main_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what each stage does.")
    ] = False,
) -> None:
    """Options shared by every command."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def run_reported(action: Callable[[], T]) -> T:
    """Run one command's call; a DigestError becomes its message and exit code."""
    with reported_errors():
        return action()
