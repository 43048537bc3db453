"""`digest theme ...`: the shipped themes' templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import app, run_reported
from digest.cli.helptext import DigestGroup, DigestTyper

theme_app = DigestTyper(
    cls=DigestGroup,
    help="The email themes (briefing, classic): copy one's templates out to change them.",
    no_args_is_help=True,
)
app.add_typer(theme_app, name="theme")


EXPORT_HELP = (
    "Copy a theme's templates (digest.mjml.j2, digest.txt.j2, partials/) to FOLDER: the "
    "default briefing theme, or --theme classic. Never overwrites a file unless --force.\n\n"
    "Keep only the files you change: the others then follow new versions of the theme. To "
    'replace one part, extend the default instead: {% extends "default/digest.mjml.j2" %} '
    "and {% block footer %}...{% endblock %}; a block the default does not define is an "
    "error that names the file."
)


@theme_app.command("export", help=EXPORT_HELP)
def export(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Where to copy the templates, e.g. newsroom/templates (a publication's "
            "templates/ folder overrides the default theme file by file).",
            show_default=False,
        ),
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace files that exist already (default: refuse)."),
    ] = False,
    theme: Annotated[
        str,
        typer.Option("--theme", help="The theme to copy: briefing or classic."),
    ] = "briefing",
) -> None:
    """Copy a theme's templates out (see the command's help)."""
    from digest.mail.export import export_theme

    written = run_reported(lambda: export_theme(folder, force=force, theme=theme))
    typer.echo(f"Copied {len(written)} templates to {folder}:")
    for path in written:
        typer.echo(f"  {path}")
