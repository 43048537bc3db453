"""Commands that publish the web archive: archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli import jsonout
from digest.cli.app import app, run_reported, show_error


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
    json_output: Annotated[bool, typer.Option("--json", help=jsonout.ARCHIVE.help())] = False,
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

    def progress(day: str) -> None:
        if not json_output:
            typer.echo(f"  archived {day}")

    result = run_reported(
        lambda: archive_editions(directory, editions or (), out=out, progress=progress)
    )
    code = int(result.failed[0][1].exit_code or ExitCode.CONFIG) if result.failed else 0
    for path, error in result.failed:
        show_error(f"{path}: {error}")
    if json_output:
        failed = [
            {"edition": path, "error": str(error), "exit_code": int(error.exit_code)}
            for path, error in result.failed
        ]
        jsonout.ARCHIVE.emit(
            {
                "folder": str(result.folder),
                "archived": result.archived,
                "total": result.total,
                "future": result.future,
                "failed": failed,
                "exit_code": code,
            }
        )
    else:
        typer.echo(
            f"Archive in {result.folder}: {len(result.archived)} edition(s) written, "
            f"{result.total} in the index and feed"
        )
        if result.future:
            typer.echo(f"  not yet due: {', '.join(result.future)}")
    raise typer.Exit(code)
