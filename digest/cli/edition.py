"""Commands on one edition: build, check, preview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import EditionArgument, app, run_reported


@app.command()
def build(
    edition: EditionArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder. Default: out/<date>/ beside digest.toml."),
    ] = None,
    archive: Annotated[
        bool,
        typer.Option(
            "--archive",
            help="Also add the edition's web version to the archive, its index and its feed "
            "(see `digest archive`).",
        ),
    ] = False,
) -> None:
    """Build an edition: writes digest.html, .txt, .mjml, .eml and report.json.

    Prints a summary with the HTML size against Gmail's 102,400-byte clipping limit.
    """
    from digest.build import build as run_build
    from digest.cli.summary import build_summary

    result, files = run_reported(lambda: run_build(edition, out))
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
) -> None:
    """Check an edition before sending: Gmail's size limits, images (alt, https, width),
    links, unsubscribe link and postal address, subject and preheader, the plain-text
    part, duplicate articles, colour contrast.

    Exit codes: 0 clean or warnings only, 1 warnings with --strict, 5 errors.
    """
    import json

    from digest.build import build_with_saved_cache
    from digest.config import load_edition
    from digest.mail.check import Finding, exit_code_for, format_findings

    result = run_reported(lambda: build_with_saved_cache(load_edition(edition)))
    findings = [Finding("warning", "input", warning) for warning in result.warnings]
    findings = sorted([*result.findings, *findings], key=lambda item: item.severity != "error")
    code = exit_code_for(findings, strict=strict)
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
            "--port", "-p", min=1, max=65535, help="Port on 127.0.0.1. Default: a free port."
        ),
    ] = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Print the URL but don't open a browser.")
    ] = False,
) -> None:
    """Preview an edition in the browser; it rebuilds as you edit. Ctrl-C stops it.

    Views: desktop, mobile, dark mode, plain text, MJML, checks, Gmail clipping gauge.
    Saving the edition, digest.toml, an article or a template rebuilds it, including a
    template override newly created in the publication's templates/ folder; articles that
    did not change are not read or summarized again. Serves on 127.0.0.1 only, with a fixed
    pool of threads, writes no files and cannot send mail.
    """
    from digest.preview.server import serve

    def ready(url: str) -> None:
        typer.echo(f"Previewing {edition} at {url} (Ctrl-C to stop)")

    run_reported(lambda: serve(edition, port, not no_open, ready))
    typer.echo("Preview stopped.")
