"""Commands on editions over time: approve, correct, history."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli.app import EditionArgument, app, run_reported
from digest.cli.send import JournalOption

if TYPE_CHECKING:
    from digest.config import LoadedEdition
    from digest.history.overview import EditionHistory

# Corrections, approvals and scheduled sends listed per edition in text (--json lists all).
SHOWN_PER_EDITION = 20


@app.command()
def approve(
    edition: EditionArgument,
    approver: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="NAME",
            help="Who approves (default: DIGEST_APPROVER); never guessed.",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            metavar="LIST",
            help="Bind the approval to this recipient list (its fingerprint, no address is "
            "kept): a send to another list is refused. Default: any list.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Approve an edition: record who approved exactly what will go out.

    Builds the edition as `digest send` will and records the approver's name and a hash of
    the subject, the HTML and the text (and of the list, with --to) in
    <publication>/.digest/history.sqlite. With [delivery] require_approval = true in
    digest.toml, a list send whose build no longer matches is refused (exit 12), naming what
    changed; with require_second_person = true, an approval by the person sending is too.
    An edition with check errors is not approved (exit 5); an embargo is no obstacle.
    """
    from digest.delivery.approval import approve_edition

    done = run_reported(
        lambda: approve_edition(edition, approver=approver, recipients=to, environ=os.environ)
    )
    approval = done.approval
    scope = (
        f"for the list {done.list_name} ({approval.list_size:,} addresses)"
        if done.list_name
        else "for any list"
    )
    typer.echo(
        f"Approved {done.loaded.identity} as {approval.approver}: {done.stories} stories, "
        f"HTML {done.html_bytes:,} bytes, {scope}"
    )
    typer.echo(f"  subject: {approval.snapshot.subject}")
    typer.echo(f"  hash {approval.hash[:16]}…; `digest send` checks that what goes out matches")


@app.command()
def correct(
    edition: EditionArgument,
    story: Annotated[
        str,
        typer.Option(
            "--story",
            metavar="URL_OR_NUMBER",
            help="The story's link, or its number as `digest history EDITION` lists them.",
        ),
    ],
    note: Annotated[
        str, typer.Option("--note", metavar="TEXT", help="What was wrong and what is right.")
    ],
    notify: Annotated[
        bool,
        typer.Option(
            "--notify",
            help="Also send a short correction to the readers the journal says received the "
            "edition (suppressed readers skipped), as a reply to their copy; never twice.",
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Don't ask before sending the notice.")
    ] = False,
    transport: Annotated[
        str | None,
        typer.Option(
            "--transport",
            help="smtp, command or files for the notice; the default is \\[delivery] transport.",
            show_default=False,
        ),
    ] = None,
    journal: JournalOption = None,
) -> None:
    """Correct a story of an edition that went out: a dated note, shown where readers look.

    The correction is kept in <publication>/.digest/history.sqlite. The edition's archive
    page shows it beside the story and in a list of corrections, and its Atom entry's
    `updated` changes (the archive is updated when it holds the edition); the next edition
    carries it in a "Corrections" block. Recording the same note on the same story again
    changes nothing.

    With --notify, a short notice goes to every reader the journal holds as having the
    edition, less the suppression list, threaded to their copy (In-Reply-To, References),
    under the journal's guarantees: running the command again mails nobody twice.

    Exit codes as `digest send`: 0 done, 75 some deferred, 6 failures, 8 journal missing.
    """
    from digest.delivery.notify import CorrectRequest, correct_edition

    request = CorrectRequest(
        edition_path=edition, story=story, note=note, notify=notify, transport=transport,
        journal_path=journal,
    )  # fmt: skip

    def confirm(question: str) -> bool:
        return yes or typer.confirm(question, default=False)

    done = run_reported(lambda: correct_edition(request, confirm=confirm, environ=os.environ))
    correction = done.correction
    verb = "Recorded" if done.new else "Already recorded"
    typer.echo(
        f"{verb} correction {correction.number} of {correction.edition}, story "
        f"{correction.story} {correction.story_title!r} ({correction.day.isoformat()}): "
        f"{correction.note}"
    )
    _update_archive(edition, done.loaded)
    summary = done.summary
    if summary is None:
        return
    if summary.cancelled:
        typer.echo("notice not sent: cancelled")
    elif summary.nothing_to_send:
        typer.echo(
            f"notice: nothing to send ({summary.skipped:,} readers had it already, "
            f"{summary.suppressed:,} suppressed)"
        )
    else:
        typer.echo(
            f"notice sent to {summary.sent:,} readers, failed {summary.failed:,}, deferred "
            f"{summary.deferred:,}, unconfirmed {summary.unknown:,}; suppressed "
            f"{summary.suppressed:,}"
        )
    if summary.destination:
        typer.echo(f"  the {summary.transport} transport wrote to {summary.destination}")
    raise typer.Exit(summary.exit_code)


def _update_archive(edition: Path, loaded: LoadedEdition) -> None:
    """Re-archive a corrected edition whose web version is in the archive."""
    from digest.archive.site import archive_editions, is_archived

    if not run_reported(lambda: is_archived(loaded)):
        return
    archived = run_reported(lambda: archive_editions(edition.parent, [edition]))
    for _, error in archived.failed:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(int(error.exit_code))
    typer.echo(f"  archive page and feed updated in {archived.folder}")


@app.command()
def history(
    edition: Annotated[
        Path | None,
        typer.Argument(
            metavar="[EDITION]",
            help="One edition's history. Default: every edition the history knows.",
            show_default=False,
        ),
    ] = None,
    directory: Annotated[
        Path,
        typer.Option("--dir", help="The publication folder, when no edition is given."),
    ] = Path("."),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the history as JSON, for scripts.")
    ] = False,
) -> None:
    """Show what ran, what went out, corrections, approvals and scheduled sends.

    With an edition: its stories numbered as `digest correct --story` takes them (as sent;
    as last built if it never went out), its sends, corrections (and how many readers each
    notice reached), approvals and scheduled sends. Without: one line per edition. It only
    reads <publication>/.digest/history.sqlite and history/sends/, and exits 0.
    """
    from digest.history.overview import edition_history, publication_history

    def read() -> list[EditionHistory]:
        from digest.config import find_publication, load_edition
        from digest.errors import DigestError

        if edition is not None:
            loaded = load_edition(edition)
            return [edition_history(loaded.root, loaded.identity, loaded.date.isoformat())]
        found = find_publication(directory.resolve())
        if found is None:
            raise DigestError(f"{directory}: no digest.toml here or in a parent; use --dir")
        return publication_history(found.parent)

    editions = run_reported(read)
    if as_json:
        payload = [item.to_json() for item in editions]
        typer.echo(json.dumps(payload[0] if edition else payload, indent=2, ensure_ascii=False))
        return
    if edition is not None:
        _print_edition(editions[0])
        return
    if not editions:
        typer.echo("no history yet: it starts with the first list send, approval or correction")
    for item in editions:
        typer.echo(_line(item))


def _line(item: EditionHistory) -> str:
    stories = sum(1 for story in item.stories if story.kind == "story")
    parts = [f"{item.date or '?':10}  {item.identity:24}  {item.state:5}"]
    if item.send is not None:
        parts.append(f"{item.send.sent:,} sent")
    parts.append(f"{stories} stories")
    if item.corrections:
        parts.append(f"{len(item.corrections)} correction(s)")
    if item.approvals:
        parts.append(f"approved by {item.approvals[-1].approver}")
    return "  ".join(parts)


def _print_edition(item: EditionHistory) -> None:
    typer.echo(f"edition {item.identity} ({item.date or 'date unknown'}): {item.state}")
    if not (item.stories or item.send or item.corrections or item.approvals or item.schedules):
        typer.echo("  nothing recorded yet (the history starts with a list send, an approval or")
        typer.echo("  a correction; then every build is recorded too)")
    if item.version is not None:
        who = f" by {item.version.sender}" if item.version.sender else ""
        approved = f", approved by {item.version.approver}" if item.version.approver else ""
        typer.echo(f"  went out {item.version.sent:%Y-%m-%d %H:%M} UTC{who}{approved}")
    if item.send is not None:
        typer.echo(
            f"  sends: {item.send.sent:,} sent to a list of {item.send.recipients:,} in "
            f"{item.send.runs} run(s), the last at {item.send.updated}"
        )
    label = "as sent" if item.version is not None else "as last built"
    stories = [story for story in item.stories if story.kind == "story"]
    if stories:
        typer.echo(f"  stories ({label}):")
    for story in stories:
        mark = " [update]" if story.update else ""
        typer.echo(f"    {story.position:>2}  {story.title}{mark}  {story.url or ''}".rstrip())
    for notice in item.corrections[:SHOWN_PER_EDITION]:
        c = notice.correction
        said = [f"carried by {c.carried_by}"] if c.carried_by else []
        if notice.send is not None:
            said.append(f"notice sent to {notice.send.sent:,}")
        typer.echo(
            f"  correction {c.number} ({c.day.isoformat()}) to story {c.story} "
            f"{c.story_title!r}: {c.note}" + (f" ({'; '.join(said)})" if said else "")
        )
    for approval in item.approvals[-SHOWN_PER_EDITION:]:
        scope = f"for a list of {approval.list_size:,}" if approval.list_fingerprint else "any list"
        typer.echo(
            f"  approved by {approval.approver} at {approval.approved:%Y-%m-%d %H:%M} UTC "
            f"({scope}, hash {approval.hash[:12]}…)"
        )
    for at, state, updated in item.schedules[-SHOWN_PER_EDITION:]:
        typer.echo(f"  scheduled for {at}: {state} (at {updated})")
