"""The `digest` command line: options -> one call per command. Imports are lazy for speed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from digest.errors import DigestError, ExitCode

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


def _run(action: Callable[[], T]) -> T:
    with reported_errors():
        return action()


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


@app.command()
def build(
    edition: EditionArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder. Default: out/<date>/ beside digest.toml."),
    ] = None,
) -> None:
    """Build an edition: writes digest.html, .txt, .mjml, .eml and report.json.

    Prints a summary with the HTML size against Gmail's 102,400-byte clipping limit.
    """
    from digest.build import build as run_build
    from digest.summary import build_summary

    result, files = _run(lambda: run_build(edition, out))
    typer.echo(build_summary(result, files))


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

    created = _run(lambda: scaffold(folder, name=name))
    typer.echo(f"Created a publication in {folder}:")
    for path in created:
        typer.echo(f"  {path}")
    edition = next(path for path in created if path.parent.name == "editions")
    typer.echo(f"\nNext: edit {edition}, then run: digest build {edition}")


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

    from digest.build import build_in_memory
    from digest.check import Finding, exit_code_for, format_findings
    from digest.config import load_edition

    result = _run(lambda: build_in_memory(load_edition(edition)))
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


def _method_help() -> str:
    from digest.summarize import METHODS

    return "Summary method: " + "; ".join(f"{name} = {text}" for name, text in METHODS.items())


@app.command("summarize")
def summarize_command(
    file: Annotated[
        str,
        typer.Argument(
            help="Plain-text article, paragraphs separated by blank lines; '-' reads stdin."
        ),
    ] = "-",
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars", min=1, help="Hard limit on the summary's length, in characters."
        ),
    ] = 350,
    method: Annotated[str | None, typer.Option("--method", help=_method_help())] = None,
) -> None:
    """Print the summary of one article, as the build would make it.

    Example: digest summarize story.txt --max-chars 280 --method lead
    """
    from digest.errors import SourceError
    from digest.summarize import DEFAULT_METHOD
    from digest.summarize.command import summarize_text

    def run() -> str:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"{file}: cannot read the article ({error})") from None
        return summarize_text(text, max_chars, method or DEFAULT_METHOD)

    typer.echo(_run(run))


@app.command()
def send(
    edition: EditionArgument,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to", help="Recipient CSV: an `email` column, optional `name` and merge fields."
        ),
    ] = None,
    test: Annotated[
        str | None,
        typer.Option("--test", help="Send one copy to this address only; no journal entry."),
    ] = None,
    transport: Annotated[
        str | None,
        typer.Option("--transport", help="smtp, command or files (default: [delivery])."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Build and check every message; send nothing.")
    ] = False,
    rate: Annotated[
        float | None,
        typer.Option("--rate", min=0, help="At most N messages per second (0 = no limit)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Don't ask for confirmation before sending.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Send to the valid rows even if some are bad."),
    ] = False,
    on_unknown: Annotated[
        str,
        typer.Option(
            "--on-unknown",
            help="Messages a crash left unconfirmed: resend (at most one duplicate) or skip.",
        ),
    ] = "resend",
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="Send journal (default <publication>/.digest/)."),
    ] = None,
    smtp_host: Annotated[str | None, typer.Option(help="Override [delivery] host.")] = None,
    smtp_port: Annotated[int | None, typer.Option(help="Override [delivery] port.")] = None,
    smtp_security: Annotated[
        str | None, typer.Option(help="starttls, tls or none (none only to this machine).")
    ] = None,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            help="Override [delivery] username (the password comes from the "
            "environment variable named by password_env)."
        ),
    ] = None,
) -> None:
    """Send an edition: one message per recipient, resumable, never twice.

    Re-running the same command sends only what has not been sent. Exit codes: 0 all sent,
    75 some deferred (run again later), 6 failures, 7 bad recipient rows, 5 check errors.
    The unsubscribe secret comes from DIGEST_UNSUBSCRIBE_SECRET, the SMTP password from
    DIGEST_SMTP_PASSWORD (names configurable in digest.toml).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    from digest.send import Progress, SendOptions, SendRequest, send_edition_file

    if on_unknown not in ("resend", "skip"):
        typer.secho("error: --on-unknown must be resend or skip", fg=typer.colors.RED, err=True)
        raise typer.Exit(int(ExitCode.CONFIG))
    overrides: dict[str, object] = {
        key: value
        for key, value in {
            "host": smtp_host,
            "port": smtp_port,
            "security": smtp_security,
            "username": smtp_user,
        }.items()
        if value is not None
    }
    options = SendOptions(dry_run=dry_run, on_unknown=on_unknown)  # type: ignore[arg-type]
    request = SendRequest(
        rate=rate,
        edition_path=edition,
        recipients_csv=to,
        test_address=test,
        transport=transport,
        delivery_overrides=overrides,
        journal_path=journal,
        skip_invalid=skip_invalid,
        options=options,
    )
    columns = (
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
    )
    with Bar(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("send", total=None, info="")

        def progress(state: Progress) -> None:
            bar.update(
                task,
                total=state.total,
                completed=state.done,
                info=f"sent {state.sent} failed {state.failed} deferred {state.deferred} "
                f"{state.rate:.0f}/s",
            )

        def confirm(question: str) -> bool:
            return yes or typer.confirm(question, default=False)

        summary = _run(
            lambda: send_edition_file(
                request,
                confirm=confirm,
                progress=progress,
                warn=lambda text: typer.echo(text, err=True),
            )
        )
    if summary.dry_run:
        typer.echo(f"dry run: {summary.total} messages built and checked; nothing sent")
        raise typer.Exit(0)
    typer.echo(
        f"sent {summary.sent}, failed {summary.failed}, deferred {summary.deferred}, "
        f"skipped {summary.skipped + summary.unknown_skipped} (already sent or unknown), "
        f"failed earlier {summary.failed_earlier}, pending {summary.pending}"
    )
    for address, words in summary.errors[:20]:
        typer.echo(f"  {address}: {words}", err=True)
    if summary.stopped:
        typer.echo(f"stopped: {summary.stopped}", err=True)
    raise typer.Exit(int(summary.exit_code))


@app.command()
def status(
    edition: EditionArgument,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="Send journal (default <publication>/.digest/)."),
    ] = None,
) -> None:
    """Print the send journal's counts for an edition (sent, pending, failed, ...)."""
    from digest.config import load_edition
    from digest.ledger import Journal, State, default_journal_path

    def run() -> tuple[dict[State, int], list[tuple[str, State, str]]]:
        loaded = load_edition(edition)
        with Journal(journal or default_journal_path(loaded.root)) as opened:
            key = loaded.date.isoformat()
            return opened.counts(key), opened.errors(key)

    counts, errors = _run(run)
    typer.echo("  ".join(f"{state.value} {counts[state]}" for state in State))
    for address, state, words in errors:
        typer.echo(f"  {state.value:<8} {address}: {words}")


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
        int, typer.Option("--max-chars", min=1, help="Length limit of each summary.")
    ] = 350,
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
    from digest.extract import ExtractResult, cache_settings, default_context, extract

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
        return extract(
            inputs,
            context=default_context(),
            settings=settings,
            summary_chars=max_chars,
            on_result=show,
        )

    results = _run(run)
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

    from digest.draft import Draft, new_edition

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

    draft = _run(run)
    for failure in draft.failures:
        typer.secho(f"error: {failure}", fg=typer.colors.RED, err=True)
    for duplicate in draft.duplicates:
        typer.echo(f"left out (duplicate): {duplicate.title}", err=True)
    typer.echo(f"wrote {draft.path} with {len(draft.articles)} articles")
    if draft.exit_code != ExitCode.OK:
        raise typer.Exit(int(draft.exit_code))


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
    Serves on 127.0.0.1 only, writes no files and cannot send mail.
    """
    from digest.preview import serve

    def ready(url: str) -> None:
        typer.echo(f"Previewing {edition} at {url} (Ctrl-C to stop)")

    _run(lambda: serve(edition, port, not no_open, ready))
    typer.echo("Preview stopped.")


# -- end of commands --


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except DigestError as error:  # raised outside a command body (should not happen)
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        sys.exit(int(error.exit_code))


if __name__ == "__main__":
    main()


__all__ = ["ExitCode", "app", "main"]
