"""Commands that publish the web archive: archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import app, run_reported


@app.command()
def archive(
    editions: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Edition files to add or update. Default: every edition in editions/ whose "
            "day has come (in the publication's time zone).",
            show_default=False,
        ),
    ] = None,
    directory: Annotated[
        Path,
        typer.Option("--dir", help="The publication folder, when no edition is given."),
    ] = Path("."),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The archive folder. Default: \\[archive] folder in digest.toml (archive/ "
            "beside digest.toml).",
        ),
    ] = None,
) -> None:
    """Write the web archive: each edition's web version, an index by month and an Atom feed.

    Pages go where archive_url in digest.toml promises (https://example.org/digest/{date}.html
    makes 2024-11-22.html in the folder), so uploading the folder makes every email's "View
    in your browser" link work. Web versions carry no unsubscribe link, no merge fields and
    no tracking; links between pages are relative and nothing needs JavaScript. editions.json
    records what is archived, so later runs add to the index and feed without rebuilding.
    """
    from digest.archive.site import archive_editions
    from digest.errors import ExitCode

    result = run_reported(
        lambda: archive_editions(
            directory,
            editions or (),
            out=out,
            progress=lambda day: typer.echo(f"  archived {day}"),
        )
    )
    typer.echo(
        f"Archive in {result.folder}: {len(result.archived)} edition(s) written, "
        f"{result.total} in the index and feed"
    )
    if result.future:
        typer.echo(f"  not yet due: {', '.join(result.future)}")
    for path, error in result.failed:
        typer.secho(f"error: {path}: {error}", fg=typer.colors.RED, err=True)
    if result.failed:
        raise typer.Exit(int(result.failed[0][1].exit_code or ExitCode.CONFIG))
