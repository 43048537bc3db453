"""`digest bounces import`: delivery failures reported back by mail servers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import app, run_reported
from digest.cli.helptext import DigestGroup, DigestTyper
from digest.cli.subscribers import SHOWN_PROBLEMS, DirOption

bounces_app = DigestTyper(
    cls=DigestGroup,
    help="Bounces: delivery failures reported back by mail servers.",
    no_args_is_help=True,
)
app.add_typer(bounces_app, name="bounces")


@bounces_app.command("import")
def import_bounces_command(
    mailbox: Annotated[
        Path,
        typer.Argument(
            help="Where bounces landed: an mbox file, a Maildir, a folder of .eml files, or one "
            "message.",
            show_default=False,
        ),
    ],
    directory: DirOption = Path("."),
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="Send journal (default <publication>/.digest/)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and match; change nothing.")
    ] = False,
    accept_unverified: Annotated[
        bool,
        typer.Option(
            "--accept-unverified",
            help="Also act on reports nothing proves are about our mail (matched to the likely "
            "edition), e.g. bounces of sends made before bounce tags.",
        ),
    ] = False,
) -> None:
    """Read delivery status notifications and suppress the addresses that fail.

    Understands RFC 3464 reports (Postfix, Exim, Gmail, Microsoft, ...), the older text
    bounces (qmail, Exim, gateways) and spam complaints (ARF). A report acts only when it
    quotes the bounce tag of a message the journal says went to that reader (its Message-ID
    or tagged return path, signed with the unsubscribe secret); others are listed and kept as
    "reported, unverified", and change nothing without --accept-unverified.
    Hard bounces (5.x.x) are suppressed at once; soft ones (4.x.x, and refusals by policy or
    spam filters) are counted and suppress an address after \\[bounces] soft_limit editions in
    a row (default 3). A message that cannot be read is named and skipped.
    Importing the same mailbox twice changes nothing more.
    """
    from digest.subscribers.bounces import import_bounces

    result = run_reported(
        lambda: import_bounces(
            directory,
            mailbox,
            journal_path=journal,
            dry_run=dry_run,
            accept_unverified=accept_unverified,
        )
    )
    for outcome in result.outcomes:
        status = f" {outcome.status}" if outcome.status else ""
        doubt = "" if outcome.verified else " [unverified, accepted]"
        typer.echo(
            f"  {outcome.address}: {outcome.kind.value}{status} ({outcome.edition}) "
            f"-> {outcome.action}{doubt}"
        )
    for doubtful in result.unverified:
        status = f" {doubtful.status}" if doubtful.status else ""
        likely = f"likely {doubtful.edition}" if doubtful.edition else "no edition fits"
        typer.echo(
            f"  reported, unverified: {doubtful.label} {doubtful.subject!r} {doubtful.address}: "
            f"{doubtful.kind.value}{status} ({likely}): {doubtful.why}"
        )
    for item in result.unmatched:
        typer.echo(f"  unmatched: {item.label} {item.subject!r} {item.address}: {item.why}")
    for label, why in result.unreadable:
        typer.echo(f"  unreadable: {label}: {why}", err=True)
    if result.not_bounces:
        shown = ", ".join(repr(subject) for _, subject in result.not_bounces[:SHOWN_PROBLEMS])
        more = len(result.not_bounces) - SHOWN_PROBLEMS
        typer.echo(f"  not bounces: {shown}" + (f" and {more} more" if more > 0 else ""))
    prefix = "dry run: " if result.dry_run else ""
    typer.echo(
        f"{prefix}{result.messages} messages: "
        f"{result.count('suppressed')} suppressed, "
        f"{result.count('soft bounce')} soft bounces counted, "
        f"{result.count('already')} already suppressed, "
        f"{result.count('warning')} delay warnings, "
        f"{len(result.unverified)} unverified, {len(result.unmatched)} unmatched, "
        f"{len(result.not_bounces)} not bounces, {len(result.unreadable)} unreadable"
    )
    if result.unverified and not accept_unverified:
        typer.echo(
            "unverified reports changed nothing: nothing proves they are about mail we sent "
            "(--accept-unverified acts on them)"
        )
