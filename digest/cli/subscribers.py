"""Commands on readers after a send: serve-unsubscribe, `subscribers ...`, `bounces import`."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli.app import app, run_reported
from digest.cli.helptext import DigestGroup, DigestTyper

if TYPE_CHECKING:
    from digest.delivery.suppression import Reason

DirOption = Annotated[
    Path,
    typer.Option(
        "--dir",
        help="The publication folder (where digest.toml is, or a folder inside it).",
    ),
]
REASONS = ("unsubscribed", "hard-bounce", "soft-bounces", "complaint", "manual")
# Rows with problems listed before "... and N more".
SHOWN_PROBLEMS = 10

subscribers_app = DigestTyper(
    cls=DigestGroup,
    help="The suppression list: addresses no send may mail (unsubscribed, bounced, complaints).",
    no_args_is_help=True,
)
app.add_typer(subscribers_app, name="subscribers")


def _reason(value: str | None) -> Reason | None:
    from digest.delivery.suppression import Reason

    if value is None:
        return None
    if value not in REASONS:
        typer.secho(
            f"error: --reason must be one of {', '.join(REASONS)}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(2)
    return Reason(value)


@app.command("serve-unsubscribe")
def serve_unsubscribe(
    directory: DirOption = Path("."),
    host: Annotated[
        str,
        typer.Option(help="Address to listen on. Behind a reverse proxy keep 127.0.0.1."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8025,
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Worker threads (requests served at once).")
    ] = 4,
) -> None:
    """Run the one-click unsubscribe endpoint (RFC 8058) for a publication. Ctrl-C stops it.

    POST with List-Unsubscribe=One-Click unsubscribes at once; GET only shows a page with a
    button, so link scanners never unsubscribe anybody. Tokens are checked with the secret
    in DIGEST_UNSUBSCRIBE_SECRET (the variable named by \\[unsubscribe] secret_env), so it
    must be the one `digest send` used. Point \\[unsubscribe] url in digest.toml at the public
    address of this server, e.g. https://example.org/unsubscribe?token={token}, through a
    reverse proxy that terminates TLS. For production under gunicorn, see README.md.
    """
    from digest.subscribers.server import serve_unsubscribe as serve

    def ready(url: str) -> None:
        typer.echo(f"Unsubscribe endpoint listening on {url} (Ctrl-C to stop)")

    run_reported(
        lambda: serve(directory, host, port, threads=threads, environ=os.environ, ready=ready)
    )
    typer.echo("Stopped.")


@subscribers_app.command("import-suppressions")
def import_suppressions(
    export: Annotated[
        Path,
        typer.Argument(
            help="A CSV (comma, semicolon or tab; a column named email or Email Address, "
            "optional reason or status and date columns; services' exports as they are) or a "
            "plain list with one address per line.",
            show_default=False,
        ),
    ],
    directory: DirOption = Path("."),
    reason: Annotated[
        str,
        typer.Option(
            help="Reason for rows that give none: unsubscribed, hard-bounce, complaint, manual."
        ),
    ] = "unsubscribed",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and report; change nothing.")
    ] = False,
    every_row: Annotated[
        bool,
        typer.Option(
            "--every-row",
            help="Suppress every address in the file, even readers it says are subscribed.",
        ),
    ] = False,
) -> None:
    """Add a newsroom system's export (unsubscribes, bounces) to the suppression list.

    Every later `digest send` skips these addresses. Addresses already on the list keep their
    first reason. Rows without a valid address are listed and skipped; duplicates are counted.
    The file is read as `digest send --to` reads it; an export that says who is subscribed
    (Mailchimp's three exports, listmonk, Ghost, Substack, Buttondown) gives only the readers
    it marks unsubscribed, cleaned or blocklisted, with that reason.
    """
    from digest.subscribers.suppressions import import_suppressions as run

    chosen = _reason(reason)
    assert chosen is not None
    result = run_reported(
        lambda: run(directory, export, chosen, dry_run=dry_run, every_row=every_row)
    )
    read = result.file
    verb = "would add" if result.dry_run else "added"
    left = f", subscribed readers left alone {read.subscribed}" if read.subscribed else ""
    typer.echo(
        f"{export}: {read.rows} rows read ({read.layout}); {verb} {result.added}, "
        f"already on the list {result.already}, duplicates in the file {read.duplicates}, "
        f"skipped {len(read.skipped)}{left}"
    )
    for label, problems in (("skipped", read.skipped), ("note", read.notes)):
        for problem in problems[:SHOWN_PROBLEMS]:
            typer.echo(f"  {label}: {problem}", err=True)
        if len(problems) > SHOWN_PROBLEMS:
            typer.echo(f"  {label}: ... and {len(problems) - SHOWN_PROBLEMS} more", err=True)


@subscribers_app.command("list")
def list_command(
    directory: DirOption = Path("."),
    reason: Annotated[
        str | None,
        typer.Option(help="Only this reason: " + ", ".join(REASONS) + ". Default: all."),
    ] = None,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV (email, reason, date, source) for other tools.")
    ] = False,
) -> None:
    """Show the suppression list, oldest first, with a count per reason."""
    from collections import Counter

    from digest.subscribers.suppressions import list_suppressions, suppression_csv

    entries = run_reported(lambda: list_suppressions(directory, _reason(reason)))
    if as_csv:
        typer.echo(suppression_csv(entries), nl=False)
        return
    for entry in entries:
        when = datetime.fromtimestamp(entry.created, UTC).strftime("%Y-%m-%d")
        typer.echo(f"{when}  {entry.reason.value:<13} {entry.address}  {entry.source}")
    counts = Counter(entry.reason.value for entry in entries)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    typer.echo(f"{len(entries)} suppressed" + (f" ({summary})" if summary else ""))


@subscribers_app.command("export")
def export_command(
    target: Annotated[Path, typer.Argument(help="The CSV file to write.", show_default=False)],
    directory: DirOption = Path("."),
    reason: Annotated[str | None, typer.Option(help="Only this reason (default: all).")] = None,
) -> None:
    """Write the suppression list to a CSV file (email, reason, date, source)."""
    from digest.subscribers.suppressions import export_suppressions

    count = run_reported(lambda: export_suppressions(directory, target, _reason(reason)))
    typer.echo(f"Wrote {count} addresses to {target}")


@subscribers_app.command("remove")
def remove_command(
    addresses: Annotated[
        list[str], typer.Argument(help="Addresses to mail again.", show_default=False)
    ],
    directory: DirOption = Path("."),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation.")] = False,
) -> None:
    """Take addresses off the suppression list, e.g. a reader who subscribed again.

    Only do this when the reader asked: mailing someone who unsubscribed breaks the law in
    most countries, and a bounced address will bounce again.
    """
    from digest.subscribers.suppressions import remove_suppressions

    question = f"Mail {len(addresses)} address(es) again after they left or bounced?"
    if not yes and not typer.confirm(question, default=False):
        raise typer.Exit(0)
    removed = run_reported(lambda: remove_suppressions(directory, addresses))
    typer.echo(f"Removed {len(removed)} of {len(addresses)}")
    for address in sorted(set(a.strip().lower() for a in addresses) - set(removed)):
        typer.echo(f"  not on the list: {address}", err=True)


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
) -> None:
    """Read delivery status notifications and suppress the addresses that fail.

    Understands RFC 3464 reports (Postfix, Exim, Gmail, Microsoft, ...), the older text
    bounces (qmail, Exim, gateways) and spam complaints (ARF). Each is matched to the message
    that bounced through the send journal (by its Message-ID, else by address and date).
    Hard bounces (5.x.x) are suppressed at once; soft ones (4.x.x, and refusals by policy or
    spam filters) are counted and suppress an address after \\[bounces] soft_limit editions in
    a row (default 3). Reports that match no send are listed and change nothing.
    Importing the same mailbox twice changes nothing more.
    """
    from digest.subscribers.bounces import import_bounces

    result = run_reported(
        lambda: import_bounces(directory, mailbox, journal_path=journal, dry_run=dry_run)
    )
    for outcome in result.outcomes:
        status = f" {outcome.status}" if outcome.status else ""
        typer.echo(
            f"  {outcome.address}: {outcome.kind.value}{status} ({outcome.edition}) "
            f"-> {outcome.action}"
        )
    for item in result.unmatched:
        typer.echo(f"  unmatched: {item.label} {item.subject!r} {item.address}: {item.why}")
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
        f"{len(result.unmatched)} unmatched, {len(result.not_bounces)} not bounces"
    )
