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
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER",
            help="The folder for the new publication; created if it does not exist.",
            show_default=False,
        ),
    ],
    name: Annotated[
        str,
        typer.Option(metavar="NAME", help="The publication's name, shown in the masthead."),
    ] = "My Daily Digest",
) -> None:
    """Create a publication: a commented digest.toml, today's example edition, example
    articles, and templates/ for theme overrides. Never overwrites a file.

    Then set your sender, postal address and unsubscribe URL in digest.toml (`digest check`
    names what is still a placeholder), and preview the example edition.
    """
    from digest.scaffold import scaffold

    created = run_reported(lambda: scaffold(folder, name=name))
    typer.echo(f"Created a publication in {folder}:")
    for path in created:
        typer.echo(f"  {path}")
    edition = next(path for path in created if path.parent.name == "editions")
    settings = folder / "digest.toml"
    typer.echo(
        f"\nBefore the first send, set in {settings}: `from`, [brand] postal_address and "
        "[unsubscribe] url (they are placeholders now).\nNext:"
    )
    typer.echo(f"  digest preview {edition}   # see the example edition; it updates as you edit")
    typer.echo(f"  digest check {edition}     # what to fix before sending")
    typer.echo(f"  digest build {edition}     # write the email files to {folder / 'out'}/")


def _method_help() -> str:
    from digest.summarize import DEFAULT_METHOD, METHODS

    methods = "; ".join(f"{name}: {text}" for name, text in METHODS.items())
    return (
        f"How to summarize: {methods}. Default: summary_method of the digest.toml around the "
        f"current folder, else {DEFAULT_METHOD}."
    )


@app.command("summarize")
def summarize_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="PAGE",
            help="A saved web page (HTML, gzipped or not), page text, a Markdown article or an "
            "http(s) URL; '-' reads page text from stdin.",
        ),
    ] = "-",
    max_chars: Annotated[
        int | None,
        typer.Option(
            "--max-chars",
            min=1,
            metavar="N",
            help="Hard limit on the summary's length, in characters. Default: summary_chars "
            "of the digest.toml around the current folder, else 350.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", metavar="METHOD", help=_method_help())
    ] = None,
) -> None:
    """Print the summary of one article exactly as the build would put it in the email.

    The article is read as the build reads it (title, body, the page's own summary), and the
    publication's summary_chars and summary_method apply when a digest.toml is found here.

    Example: digest summarize story.html.gz --max-chars 280 --method lead
    """
    from digest.sources.extract import defaults_near, summarize_source, summary_settings

    def run() -> str:
        settings = summary_settings(max_chars, method)
        if file == "-":
            return summarize_source(file, settings, stdin=sys.stdin.buffer.read())
        _context, fetch_settings = defaults_near()
        return summarize_source(file, settings, fetch_settings=fetch_settings)

    typer.echo(run_reported(run))


@app.command("extract")
def extract_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="SOURCE",
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
            metavar="N",
            help="Length limit of each summary. Default: the publication's summary_chars, "
            "else 350.",
            show_default=False,
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="Read URLs from the fetch cache only; never use the network."
        ),
    ] = False,
) -> None:
    """Show what digest reads from pages, feeds and files: title, date, author, summary, body.

    Use it to see why a page came out wrong. Exits 3 (after printing the others) if any
    input could not be read.

    Example, one JSON line per article:
      digest extract https://example.org/story page.html.gz feed.xml --json
    """
    from digest.sources.extract import ExtractResult, defaults_near, extract, summary_settings

    def show(result: ExtractResult) -> None:
        if json_lines:
            typer.echo(result.to_json())
        elif result.ok:
            typer.echo(result.to_text() + "\n")
        else:
            typer.secho(f"error: {result.to_text()}", fg=typer.colors.RED, err=True)

    def run() -> list[ExtractResult]:
        context, settings = defaults_near(offline=offline)
        summary = summary_settings(max_chars, None)
        return extract(
            inputs,
            context=context,
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
            metavar="SOURCE",
            help="A feed, a page URL or a local file to take candidates from. Repeat it for "
            "more. Local files are named as `source` in the draft, so the build reads them, "
            "not the live page. Default: none, for an empty draft to fill in by hand.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only feed entries newer than this: 24h, 90m, 2d, 1w, or a date. "
            "Default: every entry.",
        ),
    ] = None,
    edition_date: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="The edition's date. Default: today."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the edition file if it already exists.")
    ] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="Read URLs from the fetch cache only; never use the network."
        ),
    ] = False,
    folder: Annotated[
        Path,
        typer.Option(
            "--dir",
            metavar="FOLDER",
            help="The publication folder (where digest.toml is, or below it).",
        ),
    ] = Path("."),
) -> None:
    """Draft an edition file from feeds, URLs or files, with summaries filled in.

    Candidates are deduplicated; delete or reorder them in the file, then `digest build`.
    A story that went out in the last memory_days (digest.toml, default 7) is left out
    unless its page changed since (it is listed, commented out, at the end of the draft).
    Never overwrites an existing edition without --force.

    Examples:
      digest new --from https://example.org/feed.xml --since 24h
      digest new --from saved-page.html.gz --date 2024-11-22
    """
    from digest.config.dates import parse_iso_date
    from digest.history.drafts import sent_stories
    from digest.sources.draft import Draft, new_edition

    def run() -> Draft:
        day = None
        if edition_date is not None:
            try:
                day = parse_iso_date(edition_date)
            except ValueError as error:
                raise DigestError(f"--date: {error}") from None
        return new_edition(
            sources or [],
            folder=folder,
            since=since,
            edition_date=day,
            force=force,
            offline=offline,
            memory=sent_stories,
        )

    draft = run_reported(run)
    for failure in draft.failures:
        typer.secho(f"error: {failure}", fg=typer.colors.RED, err=True)
    for duplicate in draft.duplicates:
        typer.echo(f"left out (duplicate): {duplicate.title}", err=True)
    for article, said in draft.sent:
        typer.echo(f"left out (sent before, page unchanged): {article.title}: it {said}", err=True)
    for warning in draft.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"wrote {draft.path} with {len(draft.articles)} articles")
    if draft.exit_code != ExitCode.OK:
        raise typer.Exit(int(draft.exit_code))
