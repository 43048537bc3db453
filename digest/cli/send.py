"""`digest send`: an edition to a list, to a test address, or at a set time."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digest.cli import conventions, jsonout
from digest.cli.app import EditionArgument, app, run_reported
from digest.errors import ExitCode

if TYPE_CHECKING:
    from digest.delivery.options import SendSummary

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
        "Each list send also writes history/sends/<edition>.json (counts, no addresses). If "
        "that record says the edition went out but the journal is missing, damaged or an "
        "older copy, the send refuses (exit 8) rather than mail everyone again: restore "
        "<publication>/.digest/ from a backup, or add --resend-all to send anyway.",
        "--at 06:30 checks everything now, waits with a countdown and starts at that time "
        "on the edition's day in the publication's time zone (or give a date and time, "
        "2024-11-22T06:30). Ctrl-C while waiting sends nothing; the same command waits again, "
        "or starts at once when the time has passed. With [delivery] require_approval, a list "
        "send must match `digest approve` exactly; --as NAME says who is sending (or "
        "DIGEST_APPROVER), which require_second_person checks against the approver.",
        "Exit codes: 0 all handled; 75 some deferred or unconfirmed, or another send of the "
        "edition is running: run again later; 6 failures, a refused login, or a test copy "
        "that could not be sent; 7 bad recipient rows; 8 journal missing or damaged; 5 check "
        "errors; 2 bad options; 9 no terminal to confirm on (pass --yes); 11 an embargo "
        "(not_before) not yet lifted; 12 no approval matching what would go out; 130 Ctrl-C "
        "(the messages in hand are finished and recorded first).",
        "A test send (--test) tries the relay once: a relay that refuses the connection or "
        "cannot be found fails at once, naming host and port. A list send reconnects with "
        "backoff.",
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
    resend_all: Annotated[
        bool,
        typer.Option(
            "--resend-all",
            help="After a restore: send even though history/sends/ says the edition went out "
            "and the journal does not know it (every reader it does not list as sent gets it, "
            "again if they had it).",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=jsonout.SEND.help())] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help="Start at this time on the edition's day, in the publication's time zone "
            "(06:30, 06:30:15), or at a date and time (2024-11-22T06:30); waits with a "
            "countdown.",
            show_default=False,
        ),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="NAME",
            help="Who is sending (default: DIGEST_APPROVER); \\[delivery] "
            "require_second_person refuses an approval by the same person.",
            show_default=False,
        ),
    ] = None,
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
        resend_all=resend_all,
        options=SendOptions(dry_run=dry_run, on_unknown=on_unknown),  # type: ignore[arg-type]
        sender=sender,
        at=at,
        assume_yes=yes,
    )
    columns = (
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
    )
    shown = sys.stderr.isatty() and not conventions.quiet()
    with Bar(*columns, transient=True, disable=not shown) as bar:
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
            bar.stop()  # the bar must not draw over the question
            try:
                return conventions.confirm(question, yes=yes, action="send")
            finally:
                bar.start()

        summary = run_reported(
            lambda: send_edition_file(
                request,
                confirm=confirm,
                progress=progress,
                warn=conventions.show_warning,
                countdown=countdown_line(),
            )
        )
    if json_output:
        jsonout.SEND.emit(_summary_json(summary, edition))
    else:
        _print_summary(summary, edition)
    raise typer.Exit(summary.exit_code)


def _summary_json(summary: SendSummary, edition: Path) -> dict[str, Any]:
    """`digest send --json` (shape: jsonout.SEND)."""
    return {
        "edition": str(edition),
        "subject": summary.subject,
        "transport": summary.transport,
        "test_address": summary.test_address,
        "dry_run": summary.dry_run,
        "cancelled": summary.cancelled,
        "nothing_to_send": summary.nothing_to_send,
        "total": summary.total,
        "sent": summary.sent,
        "failed": summary.failed,
        "deferred": summary.deferred,
        "unknown": summary.unknown,
        "resent": summary.resent,
        "sent_earlier": summary.skipped,
        "failed_earlier": summary.failed_earlier,
        "suppressed": summary.suppressed,
        "pending": summary.pending,
        "connections": summary.connections,
        "destination": summary.destination,
        "stopped": summary.stopped,
        "errors": [{"address": address, "reply": words} for address, words in summary.errors],
        "exit_code": summary.exit_code,
    }


def countdown_line() -> Callable[[float], None]:
    """The wait of `send --at`: one line counting down on a terminal (nothing elsewhere)."""
    terminal = sys.stderr.isatty()

    def tick(remaining: float) -> None:
        if not terminal:
            return
        hours, rest = divmod(math.ceil(remaining), 3600)
        minutes, seconds = divmod(rest, 60)
        done = remaining <= 1
        typer.echo(
            f"\r  starting in {hours:d}:{minutes:02d}:{seconds:02d} (Ctrl-C stops waiting) ",
            err=True,
            nl=done,
        )

    return tick


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
            f"suppressed {summary.suppressed:,} (unsubscribed, bounced or paused); "
            f"re-sent unconfirmed {summary.resent:,}; not re-sent "
            f"{summary.unknown_skipped + summary.unknown_given_up:,}; pending {summary.pending:,}"
        )
    if held := summary.list_held:
        hint = f"; keep them out of every send: {summary.suppress_command}"
        typer.echo(
            f"  not mailed: {held:,} reader{'s' if held != 1 else ''} the list "
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
