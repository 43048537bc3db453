"""Commands that send an edition and report on the send: send, status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import EditionArgument, app, run_reported
from digest.errors import ExitCode


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

    from digest.delivery.options import Progress, SendOptions
    from digest.delivery.run import SendRequest, send_edition_file

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

        summary = run_reported(
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
        + (
            f", suppressed {summary.suppressed} (unsubscribed or bounced)"
            if summary.suppressed
            else ""
        )
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
    from digest.delivery.journal import Journal, State, default_journal_path

    def run() -> tuple[dict[State, int], list[tuple[str, State, str]]]:
        loaded = load_edition(edition)
        with Journal(journal or default_journal_path(loaded.root)) as opened:
            key = loaded.date.isoformat()
            return opened.counts(key), opened.errors(key)

    counts, errors = run_reported(run)
    typer.echo("  ".join(f"{state.value} {counts[state]}" for state in State))
    for address, state, words in errors:
        typer.echo(f"  {state.value:<8} {address}: {words}")
