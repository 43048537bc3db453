"""Commands that start a publication or an edition: init, new, extract, summarize."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digest.cli import conventions, jsonout
from digest.cli.app import app, run_reported, show_error
from digest.errors import DigestError, ExitCode

if TYPE_CHECKING:
    from digest.sources.draft import Draft


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
    json_lines: Annotated[bool, typer.Option("--json", help=jsonout.EXTRACT.help())] = False,
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
            show_error(result.to_text())

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
            help="Only feed entries newer than this: 24h, 90m, 2d, 1w (counted back from the "
            "end of the edition's day, or from now while that day is not over), or a date. "
            "Entries dated after the edition's day are never candidates. Default: every "
            "entry up to the end of the edition's day.",
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
    json_output: Annotated[bool, typer.Option("--json", help=jsonout.NEW.help())] = False,
) -> None:
    """Draft an edition file from feeds, URLs or files, with summaries filled in.

    Candidates are deduplicated; delete or reorder them in the file, then `digest build`.
    A story that went out in the last memory_days (digest.toml, default 7) is left out
    unless its page changed since (it is listed, commented out, at the end of the draft).
    Never overwrites an existing edition without --force. When the sources give no
    candidate at all, nothing is written and it says why: how many entries were seen, how
    many were too old for --since or dated after the edition's day (exit 10).

    Examples:
      digest new --from https://example.org/feed.xml --since 24h
      digest new --from saved-page.html.gz --date 2024-11-22
    """
    from digest.cli.progress import fetch_progress_line
    from digest.config.dates import parse_iso_date
    from digest.history.drafts import sent_stories
    from digest.sources.draft import new_edition

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

    with fetch_progress_line():
        draft = run_reported(run)
    for failure in draft.failures:
        show_error(failure)
    if json_output:
        jsonout.NEW.emit(_draft_json(draft))
        raise typer.Exit(int(draft.exit_code))
    for duplicate in draft.duplicates:
        conventions.note(f"left out (duplicate): {duplicate.title}")
    for article, said in draft.sent:
        conventions.note(f"left out (sent before, page unchanged): {article.title}: it {said}")
    for warning in draft.warnings:
        conventions.show_warning(warning)
    if not draft.written:
        show_error(draft.why_empty())
    else:
        typer.echo(f"wrote {draft.path} with {len(draft.articles)} articles")
    raise typer.Exit(int(draft.exit_code))


def _draft_json(draft: Draft) -> dict[str, Any]:
    """`digest new --json` (shape: jsonout.NEW)."""
    window = draft.window
    return {
        "path": str(draft.path),
        "written": draft.written,
        "date": window.day.isoformat() if window else None,
        "articles": [
            {
                "title": article.title,
                "url": article.url,
                "published": article.published.isoformat() if article.published else None,
            }
            for article in draft.articles
        ],
        "duplicates": [article.title for article in draft.duplicates],
        "failures": list(draft.failures),
        "warnings": list(draft.warnings),
        "window": {
            "start": window.start.isoformat() if window and window.start else None,
            "end": window.end.isoformat() if window else None,
        },
        "seen": draft.tally.seen,
        "too_old": draft.tally.too_old,
        "too_new": draft.tally.too_new,
        "exit_code": int(draft.exit_code),
    }
