"""`digest status`: what the send journal holds for an edition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli import jsonout
from digest.cli.app import EditionArgument, app, run_reported
from digest.cli.send import JournalOption
from digest.errors import ExitCode

if TYPE_CHECKING:
    from digest.delivery.status import EditionStatus


STATUS_HELP = "\n\n".join(
    (
        "Show what the send journal holds for an edition.",
        "Counts per state (pending, sending, sent, deferred, failed, unknown, suppressed), the "
        "failed, deferred and unconfirmed addresses with the server's reply, and when the first "
        "and the last message went. It only reads.",
        "Exit codes, for scripts and monitoring: 0 every recipient sent (or suppressed), or "
        "nothing sent yet; 75 some pending, deferred, unconfirmed or being sent: run `digest "
        "send` again; 6 some failed and nothing is left to try.",
    )
)


@app.command(help=STATUS_HELP)
def status(
    edition: EditionArgument,
    journal: JournalOption = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help=jsonout.STATUS.help() + " Every address is listed."),
    ] = False,
) -> None:
    """`digest status` (its help is STATUS_HELP)."""
    from digest.delivery.status import TEXT_LIMIT, edition_status

    limit = None if as_json else TEXT_LIMIT + 1  # one more tells the text there are more
    result = run_reported(lambda: edition_status(edition, journal, limit=limit))
    code = status_exit_code(result)
    if as_json:
        jsonout.STATUS.emit({**result.to_json(), "exit_code": code})
    else:
        _print_status(result)
    raise typer.Exit(code)


def status_exit_code(result: EditionStatus) -> int:
    """75 while a send can still deliver some, 6 when some failed for good, else 0."""
    from digest.delivery.journal import State

    open_states = (State.PENDING, State.SENDING, State.DEFERRED, State.UNKNOWN)
    if any(result.counts[state] for state in open_states):
        return int(ExitCode.TEMPFAIL)
    if result.counts[State.FAILED]:
        return int(ExitCode.DELIVERY)
    return int(ExitCode.OK)


def _print_status(result: EditionStatus) -> None:
    from digest.delivery.journal import State
    from digest.delivery.status import TEXT_LIMIT

    typer.echo(f"edition {result.edition}: {result.total:,} recipients in {result.journal}")
    typer.echo("  " + "  ".join(f"{state.value} {result.counts[state]:,}" for state in State))
    if result.history is not None:
        record = result.history
        typer.echo(
            f"  history: {record.sent:,} sent to a list of {record.recipients:,} in "
            f"{record.runs} run{'s' if record.runs != 1 else ''}, the last at {record.updated}"
            + ("" if record.finished else " (it did not finish)")
        )
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
    if result.unverified:
        typer.echo("  reported, unverified (nothing proves they are about our mail):")
        for report in result.unverified[:TEXT_LIMIT]:
            status = f" {report.status}" if report.status else ""
            typer.echo(f"    {report.address}: {report.kind}{status}: {report.why}")
