"""Commands on one edition: build, check, preview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import EditionArgument, app, run_reported

OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Read web pages from the fetch cache only, never the network; an article not "
        "in the cache is built from the edition's title and summary when it has both.",
    ),
]


@app.command()
def build(
    edition: EditionArgument,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            help="Where to write the files. Default: out/DATE/ beside digest.toml.",
        ),
    ] = None,
    archive: Annotated[
        bool,
        typer.Option(
            "--archive",
            help="Also add the edition's web version to the archive, its index and its feed "
            "(see `digest archive`).",
        ),
    ] = False,
    offline: OfflineOption = False,
) -> None:
    """Build an edition into digest.html, digest.txt, digest.mjml, digest.eml and report.json.

    Prints what went in, what was dropped and why, and the HTML size against Gmail's
    102,400-byte clipping limit. The files of the folder are replaced together, so a folder
    never mixes two builds.
    """
    from digest.build import build as run_build
    from digest.cli.summary import build_summary

    result, files = run_reported(lambda: run_build(edition, out, offline=offline))
    typer.echo(build_summary(result, files))
    if archive:
        from digest.archive.site import archive_editions

        archived = run_reported(lambda: archive_editions(edition.parent, [edition]))
        typer.echo(f"Archived in {archived.folder} ({archived.total} editions in the index)")
        for _, error in archived.failed:
            typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
            raise typer.Exit(int(error.exit_code))


@app.command()
def check(
    edition: EditionArgument,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings (errors exit 5).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object with every finding, for scripts.")
    ] = False,
    offline: OfflineOption = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help="Check embargoes (not_before) for a send at this time, as `digest send --at` "
            "takes it (06:30 on the edition's day, or 2024-11-22T06:30). Default: now.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check an edition for anything that would hurt the send.

    Looks at Gmail's size limits, images (alt text, https, width), links, the unsubscribe
    link, the postal address and the sender (placeholders left from `digest init` are
    errors), subject and preheader, the plain-text part, duplicate articles and colour
    contrast; embargoes (`not_before`), stories that ran in the last memory_days, and an
    edition that went out and changed since. `digest send` refuses an edition with errors.

    Exit codes: 0 clean or warnings only, 1 warnings with --strict, 5 errors, 9 an
    embargo not yet lifted (and no other error).
    """
    import json
    from datetime import datetime

    from digest.build import BuildResult, build_with_saved_cache
    from digest.config import load_edition
    from digest.errors import ExitCode
    from digest.history.schedule import only_embargoes, send_moment
    from digest.mail.check import Finding, exit_code_for, format_findings

    def run() -> BuildResult:
        loaded = load_edition(edition)
        moment = None
        if at is not None:
            tz = loaded.publication.tz
            moment = send_moment(at, loaded.date, tz, datetime.now(tz))
        return build_with_saved_cache(loaded, offline=offline, at=moment)

    result = run_reported(run)
    findings = [Finding("warning", "input", warning) for warning in result.warnings]
    findings = sorted([*result.findings, *findings], key=lambda item: item.severity != "error")
    code = exit_code_for(findings, strict=strict)
    if code == ExitCode.CHECK and only_embargoes(findings):
        code = ExitCode.EMBARGO  # ready, only early: its own code, so a script can wait
    if json_output:
        payload = {
            "edition": str(edition),
            "html_bytes": result.digest.html_bytes,
            "style_bytes": result.digest.style_bytes,
            "findings": [finding.to_json() for finding in findings],
            "exit_code": int(code),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        typer.echo(format_findings(findings))
    raise typer.Exit(int(code))


@app.command()
def preview(
    edition: EditionArgument,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            "-p",
            min=1,
            max=65535,
            metavar="PORT",
            help="The port on 127.0.0.1 to serve on. Default: a free port.",
        ),
    ] = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Print the URL but don't open a browser.")
    ] = False,
    offline: OfflineOption = False,
) -> None:
    """Preview an edition in the browser; it rebuilds as you edit. Ctrl-C stops it.

    Views: desktop and phone widths, dark mode, plain text, MJML, the checks and a gauge of
    where Gmail would clip. Saving the edition, digest.toml, an article or a template rebuilds
    it, including a template override newly created in the publication's templates/ folder;
    articles that did not change are not read or summarized again. Serves on 127.0.0.1 only,
    with a fixed pool of threads, writes no files and cannot send mail.
    """
    from digest.preview.server import serve

    def ready(url: str) -> None:
        typer.echo(f"Previewing {edition} at {url} (Ctrl-C to stop)")

    run_reported(lambda: serve(edition, port, not no_open, ready, offline=offline))
    typer.echo("Preview stopped.")
