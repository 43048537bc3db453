"""`digest subscribers ...`: the subscriber store and the suppression list."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli.app import app, run_reported, show_error
from digest.cli.conventions import confirm
from digest.cli.helptext import DigestGroup, DigestTyper
from digest.errors import ExitCode

if TYPE_CHECKING:
    from digest.delivery.suppression import Reason
    from digest.store.subscribers import Status

DirOption = Annotated[
    Path,
    typer.Option(
        "--dir",
        help="The publication folder (where digest.toml is, or a folder inside it).",
    ),
]
REASONS = ("unsubscribed", "hard-bounce", "soft-bounces", "complaint", "manual")
STATUSES = ("pending", "confirmed", "unsubscribed", "bounced", "complained")
# Rows with problems listed before "... and N more".
SHOWN_PROBLEMS = 10
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation.")]
SuppressedOption = Annotated[
    bool,
    typer.Option("--suppressed", help="The suppression list instead of the store (--reason)."),
]
ReasonOption = Annotated[
    str | None,
    typer.Option(help="With --suppressed: only this reason: " + ", ".join(REASONS) + "."),
]
StatusOption = Annotated[
    str | None, typer.Option(help="Only this status: " + ", ".join(STATUSES) + ". Default: all.")
]

subscribers_app = DigestTyper(
    cls=DigestGroup,
    help="Readers: the subscriber store (who is mailed by `send --to subscribers`) and the "
    "suppression list (whom no send may mail: unsubscribed, bounced, complaints).",
    no_args_is_help=True,
)
app.add_typer(subscribers_app, name="subscribers")


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    if value is not None and value not in allowed:
        show_error(f"{option} must be one of {', '.join(allowed)}")
        raise typer.Exit(int(ExitCode.CONFIG))
    return value


def _reason(value: str | None) -> Reason | None:
    from digest.delivery.suppression import Reason

    chosen = _choice(value, REASONS, "--reason")
    return None if chosen is None else Reason(chosen)


def _status(value: str | None) -> Status | None:
    from digest.store.subscribers import Status

    chosen = _choice(value, STATUSES, "--status")
    return None if chosen is None else Status(chosen)


def _day(moment: float | None) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d") if moment else ""


def _report_removed(asked: list[str], removed: list[str], missing: str) -> None:
    typer.echo(f"Removed {len(removed)} of {len(asked)}")
    for address in sorted({a.strip().lower() for a in asked} - set(removed)):
        typer.echo(f"  {missing}: {address}", err=True)


def _confirm(question: str, yes: bool, *, action: str = "change the list") -> None:
    """Ask on a terminal; without one, refuse and say to pass --yes (its own exit code)."""
    if not run_reported(lambda: confirm(question, yes=yes, action=action)):
        raise typer.Exit(0)


@subscribers_app.command("add")
def add_command(
    addresses: Annotated[list[str], typer.Argument(help="Addresses to add.", show_default=False)],
    directory: DirOption = Path("."),
    name: Annotated[str, typer.Option(help="The reader's name (one address only).")] = "",
    attribute: Annotated[
        list[str] | None,
        typer.Option("--attribute", "-a", help="KEY=VALUE kept with the reader; repeatable."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add a suppressed or erased address (they asked).")
    ] = False,
) -> None:
    """Add readers to the store as confirmed: you have their consent.

    An address on the suppression list (it left, bounced or complained) or erased earlier is
    refused unless --force: add it only when the reader asked to come back. Readers can also
    sign up themselves through `digest serve` (double opt-in).
    """
    from digest.subscribers.roster import add_subscribers

    pairs = []
    for item in attribute or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            show_error(f"--attribute {item!r}: write it as KEY=VALUE")
            raise typer.Exit(int(ExitCode.CONFIG))
        pairs.append((key.strip(), value.strip()))
    if name and len(addresses) > 1:
        show_error("--name names one reader: give one address with it")
        raise typer.Exit(int(ExitCode.CONFIG))
    result = run_reported(
        lambda: add_subscribers(directory, addresses, name=name, attributes=pairs, force=force)
    )
    typer.echo(
        f"added {len(result.added)}, already confirmed {len(result.already)}, "
        f"refused {len(result.refused)}"
    )
    for address, why in result.refused:
        typer.echo(f"  refused: {address}: {why}", err=True)
    if result.refused:
        raise typer.Exit(int(ExitCode.RECIPIENTS))


@subscribers_app.command("import")
def import_command(
    export: Annotated[
        Path,
        typer.Argument(
            help="A list or an export (Mailchimp, Substack, Buttondown, listmonk, Ghost, CSV "
            "with an email column, or one address per line).",
            show_default=False,
        ),
    ],
    directory: DirOption = Path("."),
    status: Annotated[
        str, typer.Option(help="Status of rows that give none: confirmed or pending.")
    ] = "confirmed",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and report; change nothing.")
    ] = False,
) -> None:
    """Import readers from a list or another system's export into the store.

    Each row's status is read from the export's own columns (Mailchimp's subscribed,
    unsubscribed and cleaned files, listmonk's status, Ghost's subscribed flag, Substack's
    email_disabled, Buttondown's type). Nobody who left is brought back: a reader the store
    or the suppression list has as unsubscribed, bounced or complained keeps that status, and
    an erased reader is not imported. Readers the export has as gone are stored so and added
    to the suppression list. Other columns are kept as attributes.
    """
    from digest.store.subscribers import Status
    from digest.subscribers.importer import import_subscribers

    if status not in ("confirmed", "pending"):
        show_error("--status must be confirmed or pending")
        raise typer.Exit(int(ExitCode.CONFIG))
    result = run_reported(
        lambda: import_subscribers(directory, export, Status(status), dry_run=dry_run)
    )
    verb = "would write" if result.dry_run else "wrote"
    written = ", ".join(f"{s.value} {n:,}" for s, n in sorted(result.written.items())) or "none"
    typer.echo(
        f"{export}: {result.rows:,} rows; {verb} {written}; unchanged {result.unchanged:,}; "
        f"kept as they were (left earlier) {result.kept:,}; erased earlier {result.erased:,}; "
        f"suppressed {result.suppressed:,}; duplicates {result.duplicates:,}; "
        f"bad rows {result.bad_count:,}"
    )
    for problem in result.bad[:SHOWN_PROBLEMS]:
        typer.echo(f"  skipped: {problem}", err=True)
    if result.bad_count > SHOWN_PROBLEMS:
        typer.echo(f"  skipped: ... and {result.bad_count - SHOWN_PROBLEMS:,} more", err=True)


@subscribers_app.command("list")
def list_command(
    directory: DirOption = Path("."),
    status: StatusOption = None,
    suppressed: SuppressedOption = False,
    reason: ReasonOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV for other tools.")] = False,
) -> None:
    """Show the store's readers (address order) with a count per status; --suppressed shows
    the suppression list (oldest first) with a count per reason."""
    if suppressed or reason:
        _list_suppressions(directory, _reason(reason), as_csv)
        return
    from digest.subscribers.roster import list_subscribers, store_counts, subscribers_csv

    chosen = _status(status)
    if as_csv:
        typer.echo(
            run_reported(lambda: subscribers_csv(list_subscribers(directory, chosen))), nl=False
        )
        return
    for reader in run_reported(lambda: list(list_subscribers(directory, chosen))):
        paused = f"  paused until {_day(reader.paused_until)}" if reader.paused_until else ""
        typer.echo(
            f"{_day(reader.since)}  {reader.status.value:<12} {reader.address}"
            f"{'  ' + reader.name if reader.name else ''}  ({reader.how}){paused}"
        )
    counts = run_reported(lambda: store_counts(directory))
    summary = ", ".join(f"{s.value} {n:,}" for s, n in counts.items() if n)
    typer.echo(f"{sum(counts.values()):,} readers" + (f" ({summary})" if summary else ""))


def _list_suppressions(directory: Path, reason: Reason | None, as_csv: bool) -> None:
    from digest.subscribers.suppressions import list_suppressions, suppression_csv

    entries = run_reported(lambda: list_suppressions(directory, reason))
    if as_csv:
        typer.echo(suppression_csv(entries), nl=False)
        return
    for entry in entries:
        typer.echo(
            f"{_day(entry.created)}  {entry.reason.value:<13} {entry.address}  {entry.source}"
        )
    counts = Counter(entry.reason.value for entry in entries)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    typer.echo(f"{len(entries)} suppressed" + (f" ({summary})" if summary else ""))


@subscribers_app.command("export")
def export_command(
    target: Annotated[Path, typer.Argument(help="The CSV file to write.", show_default=False)],
    directory: DirOption = Path("."),
    status: StatusOption = None,
    suppressed: SuppressedOption = False,
    reason: ReasonOption = None,
) -> None:
    """Write the store to a CSV file (email, name, status, since, how, created, paused_until,
    then one column per attribute); --suppressed writes the suppression list (email, reason,
    date, source). Cells a spreadsheet would run as formulas start with an apostrophe."""
    if suppressed or reason:
        from digest.subscribers.suppressions import export_suppressions

        count = run_reported(lambda: export_suppressions(directory, target, _reason(reason)))
    else:
        from digest.subscribers.roster import export_subscribers

        count = run_reported(lambda: export_subscribers(directory, target, _status(status)))
    typer.echo(f"Wrote {count} addresses to {target}")


@subscribers_app.command("remove")
def remove_command(
    addresses: Annotated[
        list[str], typer.Argument(help="Readers to take out of the store.", show_default=False)
    ],
    directory: DirOption = Path("."),
    yes: YesOption = False,
) -> None:
    """Take readers out of the store: `send --to subscribers` mails them no more.

    Their suppression (if they left or bounced) stays. To forget a reader entirely, as a data
    protection request asks, use `digest subscribers erase`.
    """
    from digest.subscribers.roster import remove_subscribers

    _confirm(f"Take {len(addresses)} reader(s) out of the store?", yes)
    removed = run_reported(lambda: remove_subscribers(directory, addresses))
    _report_removed(addresses, removed, "not in the store")


@subscribers_app.command("erase")
def erase_command(
    address: Annotated[str, typer.Argument(help="The reader to erase.", show_default=False)],
    directory: DirOption = Path("."),
    yes: YesOption = False,
) -> None:
    """Erase a reader (a GDPR erasure request): every record of them goes.

    Deleted: their row and status history in the store, their pause, suppression, soft
    bounces and bounce reports; in the send journal their address is replaced by a stand-in.
    Kept: only a hash of the address, so no import or send mails them again unless they sign
    up anew. Files outside .digest/ (lists you keep, the files transport's outbox) are yours to
    delete.
    """
    from digest.subscribers.roster import erase_subscriber

    _confirm(f"Erase {address} for good (this cannot be undone)?", yes)
    count = run_reported(lambda: erase_subscriber(directory, address))
    typer.echo(f"Erased {address.strip().lower()} ({count} records); a hash stops it returning")


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


@subscribers_app.command("unsuppress")
def unsuppress_command(
    addresses: Annotated[
        list[str], typer.Argument(help="Addresses to mail again.", show_default=False)
    ],
    directory: DirOption = Path("."),
    yes: YesOption = False,
) -> None:
    """Take addresses off the suppression list, e.g. a reader who asked to come back.

    Only do this when the reader asked: mailing someone who unsubscribed breaks the law in
    most countries, and a bounced address will bounce again.
    """
    from digest.subscribers.suppressions import remove_suppressions

    _confirm(
        f"Mail {len(addresses)} address(es) again after they left or bounced?",
        yes,
        action="take them off the list",
    )
    removed = run_reported(lambda: remove_suppressions(directory, addresses))
    _report_removed(addresses, removed, "not on the list")
