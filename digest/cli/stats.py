"""`digest stats`: what readers clicked in an edition, per story and per section."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from digest.cli.app import EditionArgument, app, run_reported

STATS_HELP = "\n\n".join(
    (
        "Show an edition's clicks per story and per section (\\[clicks] enabled = true).",
        "Clicks are counted per link, never per reader: no click is tied to anyone. Link "
        "scanners (a client that fetches the invisible canary link, or several links within "
        "two seconds), HEAD and prefetch requests and known robots are not counted; the same "
        "client following the same link again within 5 minutes counts once. What was not "
        "counted is shown by reason.",
    )
)
# Titles are cut to this many characters in the table.
TITLE_CHARS = 60


@app.command(help=STATS_HELP)
def stats(
    edition: EditionArgument,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON, for scripts.")
    ] = False,
) -> None:
    """`digest stats` (its help is STATS_HELP)."""
    from digest.subscribers.stats import edition_clicks

    figures = run_reported(lambda: edition_clicks(edition))
    if as_json:
        typer.echo(json.dumps(figures.to_json(), indent=2, ensure_ascii=False))
        return
    since = (
        datetime.fromtimestamp(figures.counting_since, UTC).strftime("%Y-%m-%d %H:%M UTC")
        if figures.counting_since
        else "not yet (only a test copy was sent)"
    )
    clicks = f"{figures.total:,} click{'s' if figures.total != 1 else ''}"
    typer.echo(f"edition {figures.edition}: {clicks} (counting since {since})")
    typer.echo("  clicks  story")
    for story in figures.stories:
        title = story.title if len(story.title) <= TITLE_CHARS else story.title[:57] + "..."
        typer.echo(f"  {story.clicks:>6,}  {story.story}. {title} ({story.section})")
    typer.echo("  per section:")
    for name, count in figures.sections:
        typer.echo(f"  {count:>6,}  {name}")
    if figures.not_counted:
        shown = ", ".join(f"{reason} {count:,}" for reason, count in figures.not_counted)
        typer.echo(f"  not counted: {shown}")
