"""Commands that send an edition and report on the send: send, status."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli.app import EditionArgument, app, run_reported
from digest.errors import ExitCode

if TYPE_CHECKING:
    from digest.delivery.options import SendSummary
    from digest.delivery.status import EditionStatus

# Lines of failed and deferred addresses a send prints (digest status shows them all).
SHOWN_ERRORS = 20

# One paragraph per line: the help formatter wraps them to the terminal.
SEND_HELP = "\n\n".join(
    (
        "Send an edition: one message per recipient, resumable, never twice in one run.",
        "Every recipient is recorded in a journal (<publication>/.digest/journal.sqlite), "
        "and each message is marked there as sending before its final dot goes to the server. "
        "Running the same command again sends only what has not been sent; when everything "
        "was handled it says nothing to send.",
        "The guarantee: no recipient is lost, and a reader gets at most two copies, ever. "
        "A second copy can only come from a message whose confirmation was lost (the server "
        "dropped the connection, hung or said 421 after the final dot, or digest was killed). "
        "Such a message is marked unknown and never sent again in the same run; the next run "
        "sends it once more with --on-unknown resend (the default), or never with "
        "--on-unknown skip (which may leave that reader without the edition). After a crash "
        "or a SIGKILL, at most one message per connection can be repeated.",
        "Exit codes: 0 all handled; 75 some deferred or unconfirmed, run again later; 6 "
        "failures or a refused login; 7 bad recipient rows; 5 check errors; 2 bad options; "
        "130 Ctrl-C (the messages in hand are finished and recorded first).",
        "The unsubscribe secret comes from DIGEST_UNSUBSCRIBE_SECRET and the SMTP password "
        "from DIGEST_SMTP_PASSWORD (the names are set in digest.toml).",
    )
)


JournalOption = Annotated[
    Path | None,
    typer.Option(
        "--journal",
        help="The send journal; the default is <publication>/.digest/journal.sqlite.",
        show_default=False,
    ),
]


@app.command(help=SEND_HELP)
def send(
    edition: EditionArgument,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="The recipient list: a CSV (comma, semicolon or tab; exports from Mailchimp, "
            "Buttondown, listmonk, Substack and Ghost work as they are, and readers they mark "
            "unsubscribed or blocked are not mailed) or one address per line.",
            show_default=False,
        ),
    ] = None,
    test: Annotated[
        str | None,
        typer.Option(
            "--test",
            help="Send one copy to this address only, subject marked (\\[delivery] "
            "test_subject_prefix); no journal entry, suppression list not consulted.",
            show_default=False,
        ),
    ] = None,
    transport: Annotated[
        str | None,
        typer.Option(
            "--transport",
            help="smtp, command or files; the default is \\[delivery] transport.",
            show_default=False,
        ),
    ] = None,
    connections: Annotated[
        int | None,
        typer.Option(
            "--connections",
            min=1,
            max=64,
            help="Parallel SMTP connections; the default is \\[delivery] connections (4).",
            show_default=False,
        ),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate",
            min=0,
            help="At most N messages per second over all connections (0 = no limit); the "
            "default is \\[delivery] rate.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Build and check every message; send nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Don't ask for confirmation before sending.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Send to the valid rows even if some rows are bad."),
    ] = False,
    on_unknown: Annotated[
        str,
        typer.Option(
            "--on-unknown",
            help="Messages whose confirmation was lost in an earlier run: resend (once, the "
            "only duplicate a reader can get) or skip (never).",
        ),
    ] = "resend",
    journal: JournalOption = None,
    smtp_host: Annotated[
        str | None,
        typer.Option(help="Override \\[delivery] host.", show_default=False),
    ] = None,
    smtp_port: Annotated[
        int | None,
        typer.Option(help="Override \\[delivery] port.", show_default=False),
    ] = None,
    smtp_security: Annotated[
        str | None,
        typer.Option(
            help="starttls, tls or none (none only towards this machine); overrides "
            "\\[delivery] security.",
            show_default=False,
        ),
    ] = None,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            help="Override \\[delivery] username (the password comes from the environment "
            "variable named by password_env).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """`digest send` (its help is SEND_HELP)."""
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
    request = SendRequest(
        edition_path=edition,
        recipients_csv=to,
        test_address=test,
        transport=transport,
        delivery_overrides=overrides,
        journal_path=journal,
        skip_invalid=skip_invalid,
        rate=rate,
        connections=connections,
        options=SendOptions(dry_run=dry_run, on_unknown=on_unknown),  # type: ignore[arg-type]
        assume_yes=yes,
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
    _print_summary(summary, edition)
    raise typer.Exit(summary.exit_code)


def _print_summary(summary: SendSummary, edition: Path) -> None:
    """What the send did, in a few lines; the details are in `digest status`."""
    if summary.dry_run:
        typer.echo(f"dry run: {summary.total:,} messages built and checked; nothing sent")
        return
    if summary.cancelled:
        typer.echo("not sent: cancelled")
        return
    if summary.test_address and summary.sent:
        typer.echo(f'sent a test to {summary.test_address} (subject "{summary.subject}")')
    elif summary.nothing_to_send:
        typer.echo(
            f"nothing to send: all {summary.total:,} recipients were handled by earlier runs "
            f"({summary.skipped:,} sent, {summary.failed_earlier:,} failed, "
            f"{summary.suppressed:,} suppressed); see `digest status {edition}`"
        )
    else:
        typer.echo(
            f"sent {summary.sent:,}, failed {summary.failed:,}, deferred {summary.deferred:,}, "
            f"unconfirmed {summary.unknown:,}"
            + (
                f" over {summary.connections} connection{'s' if summary.connections != 1 else ''}"
                if summary.transport == "smtp"
                else ""
            )
        )
        typer.echo(
            f"  earlier runs: {summary.skipped:,} sent, {summary.failed_earlier:,} failed; "
            f"suppressed {summary.suppressed:,} (unsubscribed or bounced); "
            f"re-sent unconfirmed {summary.resent:,}; not re-sent "
            f"{summary.unknown_skipped + summary.unknown_given_up:,}; pending {summary.pending:,}"
        )
    if summary.held:
        hint = f"; keep them out of every send: {summary.suppress_command}"
        typer.echo(
            f"  not mailed: {summary.held:,} reader{'s' if summary.held != 1 else ''} the list "
            "itself marks not to be mailed" + (hint if summary.suppress_command else "")
        )
    if summary.destination:
        typer.echo(f"  the {summary.transport} transport wrote to {summary.destination}")
    for address, words in summary.errors[:SHOWN_ERRORS]:
        typer.echo(f"  {address}: {words}", err=True)
    if summary.problems > SHOWN_ERRORS:
        typer.echo(
            f"  ... and {summary.problems - SHOWN_ERRORS:,} more (`digest status {edition}`)",
            err=True,
        )
    if summary.stopped:
        typer.echo(f"stopped: {summary.stopped}", err=True)
    if summary.exit_code == ExitCode.TEMPFAIL:
        typer.echo("run the same command again later to finish (exit 75)", err=True)


STATUS_HELP = "\n\n".join(
    (
        "Show what the send journal holds for an edition.",
        "Counts per state (pending, sending, sent, deferred, failed, unknown, suppressed), the "
        "failed, deferred and unconfirmed addresses with the server's reply, and when the first "
        "and the last message went. It only reads, and exits 0.",
    )
)


@app.command(help=STATUS_HELP)
def status(
    edition: EditionArgument,
    journal: JournalOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the status as JSON, every address listed.")
    ] = False,
) -> None:
    """`digest status` (its help is STATUS_HELP)."""
    from digest.delivery.status import TEXT_LIMIT, edition_status

    limit = None if as_json else TEXT_LIMIT + 1  # one more tells the text there are more
    result = run_reported(lambda: edition_status(edition, journal, limit=limit))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    _print_status(result)


def _print_status(result: EditionStatus) -> None:
    from digest.delivery.journal import State
    from digest.delivery.status import TEXT_LIMIT

    typer.echo(f"edition {result.edition}: {result.total:,} recipients in {result.journal}")
    typer.echo("  " + "  ".join(f"{state.value} {result.counts[state]:,}" for state in State))
    if result.first_sent and result.last_sent:
        typer.echo(
            f"  first sent {result.first_sent:%Y-%m-%d %H:%M:%S %Z}, "
            f"last sent {result.last_sent:%Y-%m-%d %H:%M:%S %Z}"
        )
    for state in (State.FAILED, State.DEFERRED, State.UNKNOWN):
        listed = [p for p in result.problems if p.state is state]
        if not listed:
            continue
        typer.echo(f"  {state.value}:")
        for problem in listed[:TEXT_LIMIT]:
            typer.echo(f"    {problem.address}: {problem.reply}")
        if len(listed) > TEXT_LIMIT:
            more = result.counts[state] - TEXT_LIMIT
            typer.echo(f"    ... and {more:,} more (--json lists them all)")
