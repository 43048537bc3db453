"""Commands that start a publication or an edition: init, new, extract, summarize."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import app, run_reported
from digest.errors import DigestError, ExitCode


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new publication.")],
    name: Annotated[
        str, typer.Option(help="The publication's name, shown in the masthead.")
    ] = "My Daily Digest",
) -> None:
    """Create a publication: a commented digest.toml, editions/ with today's example edition,
    an example article and templates/ for theme overrides. Never overwrites a file.
    """
    from digest.scaffold import scaffold

    created = run_reported(lambda: scaffold(folder, name=name))
    typer.echo(f"Created a publication in {folder}:")
    for path in created:
        typer.echo(f"  {path}")
    edition = next(path for path in created if path.parent.name == "editions")
    typer.echo(f"\nNext: edit {edition}, then run: digest build {edition}")


def _method_help() -> str:
    from digest.summarize import METHODS

    return "Summary method: " + "; ".join(f"{name} = {text}" for name, text in METHODS.items())


@app.command("summarize")
def summarize_command(
    file: Annotated[
        str,
        typer.Argument(
            help="A page (.html or .html.gz), page text, a Markdown article or an http(s) "
            "URL; '-' reads page text from stdin."
        ),
    ] = "-",
    max_chars: Annotated[
        int | None,
        typer.Option(
            "--max-chars",
            min=1,
            help="Hard limit on the summary's length, in characters. Default: summary_chars "
            "of the digest.toml around the current folder, else 350.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[str | None, typer.Option("--method", help=_method_help())] = None,
) -> None:
    """Print the summary of one article exactly as the build would put it in the email.

    The article is read as the build reads it (title, body, the page's own summary), and the
    publication's summary_chars and summary_method apply when a digest.toml is found here.

    Example: digest summarize story.html.gz --max-chars 280 --method lead
    """
    from digest.sources.extract import summarize_source, summary_settings

    def run() -> str:
        settings = summary_settings(max_chars, method)
        if file == "-":
            return summarize_source(file, settings, stdin=sys.stdin.buffer.read())
        return summarize_source(file, settings)

    typer.echo(run_reported(run))


@app.command("extract")
def extract_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Pages, feeds or article files: local paths or http(s) URLs.",
            show_default=False,
        ),
    ],
    json_lines: Annotated[
        bool, typer.Option("--json", help="One JSON object per line instead of a report.")
    ] = False,
    max_chars: Annotated[
        int | None,
        typer.Option(
            "--max-chars",
            min=1,
            help="Length limit of each summary. Default: the publication's summary_chars, "
            "else 350.",
            show_default=False,
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Read URLs from the cache only; no network.")
    ] = False,
) -> None:
    """Show what digest reads from pages, feeds and files: title, date, author, summary, body.

    Use it to see why a page came out wrong. Exits 3 (after printing the others) if any
    input could not be read.

    Example: digest extract https://example.org/story page.html.gz feed.xml --json
    """
    from digest.config import find_publication
    from digest.sources.extract import ExtractResult, cache_settings, extract, summary_settings

    def show(result: ExtractResult) -> None:
        if json_lines:
            typer.echo(result.to_json())
        elif result.ok:
            typer.echo(result.to_text() + "\n")
        else:
            typer.secho(f"error: {result.to_text()}", fg=typer.colors.RED, err=True)

    def run() -> list[ExtractResult]:
        publication = find_publication(Path.cwd())
        settings = cache_settings(publication.parent if publication else None, offline=offline)
        summary = summary_settings(max_chars, None)
        return extract(
            inputs,
            context=summary.context,
            settings=settings,
            summary_chars=summary.max_chars,
            method=summary.method,
            on_result=show,
        )

    results = run_reported(run)
    if not all(result.ok for result in results):
        raise typer.Exit(int(ExitCode.SOURCE))


@app.command("new")
def new_command(
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--from",
            help="A feed, page URL or local file to take candidates from (repeatable).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only feed entries newer than this: 24h, 2d, 1w, or a date."),
    ] = None,
    edition_date: Annotated[
        str | None,
        typer.Option("--date", help="The edition's date, YYYY-MM-DD. Default: today."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the edition file if it already exists.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Read URLs from the cache only; no network.")
    ] = False,
    folder: Annotated[
        Path, typer.Option("--dir", help="The publication folder (where digest.toml is).")
    ] = Path("."),
) -> None:
    """Draft an edition file from feeds, URLs or files, with summaries filled in.

    Candidates are deduplicated; delete or reorder them in the file, then `digest build`.
    Never overwrites an existing edition without --force.

    Example: digest new --from https://example.org/feed.xml --from story.html --since 24h
    """
    from datetime import date

    from digest.sources.draft import Draft, new_edition

    def run() -> Draft:
        day = None
        if edition_date is not None:
            try:
                day = date.fromisoformat(edition_date)
            except ValueError:
                raise DigestError(f"--date {edition_date!r}: use the form YYYY-MM-DD") from None
        return new_edition(
            sources or [],
            folder=folder,
            since=since,
            edition_date=day,
            force=force,
            offline=offline,
        )

    draft = run_reported(run)
    for failure in draft.failures:
        typer.secho(f"error: {failure}", fg=typer.colors.RED, err=True)
    for duplicate in draft.duplicates:
        typer.echo(f"left out (duplicate): {duplicate.title}", err=True)
    typer.echo(f"wrote {draft.path} with {len(draft.articles)} articles")
    if draft.exit_code != ExitCode.OK:
        raise typer.Exit(int(draft.exit_code))
