"""Commands on one edition: build, check, preview."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli import jsonout
from digest.cli.app import EditionArgument, app, run_reported, show_error

if TYPE_CHECKING:
    from digest.build import BuildResult
    from digest.mail.findings import Finding

OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Read web pages from the fetch cache only, never the network; an article not "
        "in the cache is built from the edition's title and summary when it has both.",
    ),
]


@app.command()
def build(
    edition: EditionArgument,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            help="Where to write the files. Default: out/DATE/ beside digest.toml.",
        ),
    ] = None,
    archive: Annotated[
        bool,
        typer.Option(
            "--archive",
            help="Also add the edition's web version to the archive, its index and its feed "
            "(see `digest archive`).",
        ),
    ] = False,
    offline: OfflineOption = False,
    json_output: Annotated[bool, typer.Option("--json", help=jsonout.BUILD.help())] = False,
) -> None:
    """Build an edition into digest.html, digest.txt, digest.mjml, digest.eml and report.json.

    Prints what went in, what was dropped and why, and the HTML size against Gmail's
    102,400-byte clipping limit. The files of the folder are replaced together, so a folder
    never mixes two builds. With --json it prints report.json's fields, with archive and
    exit_code added.
    """
    from digest.build import build as run_build
    from digest.cli.progress import fetch_progress_line
    from digest.cli.summary import build_summary
    from digest.output import report

    with fetch_progress_line():
        result, files = run_reported(lambda: run_build(edition, out, offline=offline))
    if not json_output:
        typer.echo(build_summary(result, files))
    archived_json: dict[str, object] | None = None
    code = 0
    if archive:
        from digest.archive.site import archive_editions

        archived = run_reported(lambda: archive_editions(edition.parent, [edition]))
        archived_json = {"folder": str(archived.folder), "total": archived.total}
        if not json_output:
            typer.echo(f"Archived in {archived.folder} ({archived.total} editions in the index)")
        for _, error in archived.failed[:1]:
            show_error(str(error))
            code = int(error.exit_code)
    if json_output:
        payload = {**report(result, files), "archive": archived_json, "exit_code": code}
        jsonout.BUILD.emit(payload)
    raise typer.Exit(code)


@app.command()
def check(
    edition: EditionArgument,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings (errors exit 5).")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=jsonout.CHECK.help())] = False,
    offline: OfflineOption = False,
    links: Annotated[
        bool,
        typer.Option(
            "--links",
            help="Also ask every link and image, several at once through the safe fetch within "
            "digest.toml's [fetch] timeout: 404/410 and unreachable hosts are errors; other "
            "4xx/5xx, redirects to a home page and timeouts are warnings.",
        ),
    ] = False,
    clients: Annotated[
        bool,
        typer.Option(
            "--clients",
            help="Also print what each major mail client does not support of this email "
            "(caniemail's data), marking what the theme accepts.",
        ),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help="Check embargoes (not_before) for a send at this time, as `digest send --at` "
            "takes it (06:30 on the edition's day, or 2024-11-22T06:30). Default: now.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check an edition for anything that would hurt the send.

    Looks at Gmail's size limits, images (alt text, https, width), links (and hosts readers
    cannot reach), the unsubscribe link (https), the postal address and the sender
    (placeholders left from `digest init` are errors), subject and preheader, the plain-text
    part, duplicate articles, colour contrast, the edition file (sections, leads, its date),
    placeholders such as TK, sponsor labels, and what major mail clients support; embargoes
    (`not_before`), stories that ran in the last memory_days, and an edition that went out
    and changed since. `digest send` refuses an edition with errors.

    Exit codes: 0 clean or warnings only, 1 warnings with --strict, 5 errors, 9 an
    embargo not yet lifted (and no other error).
    """
    from datetime import datetime

    from digest.build import build_with_saved_cache
    from digest.config import load_edition
    from digest.errors import ExitCode
    from digest.history.schedule import only_embargoes, send_moment
    from digest.mail.check import Finding, exit_code_for, format_findings

    if links and offline:
        typer.secho("error: --links asks the network; it cannot run --offline", err=True)
        raise typer.Exit(int(ExitCode.CONFIG))

    def run() -> BuildResult:
        loaded = load_edition(edition)
        moment = None
        if at is not None:
            tz = loaded.publication.tz
            moment = send_moment(at, loaded.date, tz, datetime.now(tz))
        return build_with_saved_cache(loaded, offline=offline, at=moment)

    result = run_reported(run)
    findings = [Finding("warning", "input", warning) for warning in result.warnings]
    if links:
        findings += _link_findings(result)
    findings = sorted([*result.findings, *findings], key=lambda item: item.severity != "error")
    code = exit_code_for(findings, strict=strict)
    if code == ExitCode.CHECK and only_embargoes(findings):
        code = ExitCode.EMBARGO  # ready, only early: its own code, so a script can wait
    if json_output:
        payload = {
            "edition": str(edition),
            "html_bytes": result.digest.html_bytes,
            "style_bytes": result.digest.style_bytes,
            "findings": [finding.to_json() for finding in findings],
            "exit_code": int(code),
        }
        if clients:
            payload["clients"] = _client_table(result)  # only with --clients
        jsonout.CHECK.emit(payload)
    else:
        typer.echo(format_findings(findings))
        if clients:
            typer.echo("\n" + _client_table(result))
    raise typer.Exit(int(code))


def _link_findings(result: BuildResult) -> list[Finding]:
    """`check --links`: every link of the email asked, and what answered badly."""
    from digest.mail.check import collect_links
    from digest.mail.link_checks import probe_findings
    from digest.mail.where import Where
    from digest.sources.fetch.settings import publication_settings
    from digest.sources.linkcheck import probe_links

    loaded = result.loaded
    settings = publication_settings(loaded.publication.fetch, loaded.root)
    pairs = [(link.tag, link.url) for link in collect_links(result.digest.html)]
    answers = run_reported(lambda: probe_links(pairs, settings))
    return list(probe_findings(Where(loaded, ()), result.edition, answers))


def _client_table(result: BuildResult) -> str:
    """`check --clients`: the per-client table of what the email uses and they lack."""
    from lxml import etree

    from digest.mail.client_lint import client_report, format_client_table

    html = result.digest.html
    report = client_report(
        html, etree.HTML(html), result.loaded.root, result.loaded.publication.theme.name
    )
    return format_client_table(report)


@app.command()
def preview(
    edition: EditionArgument,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            "-p",
            min=1,
            max=65535,
            metavar="PORT",
            help="The port on 127.0.0.1 to serve on. Default: a free port.",
        ),
    ] = None,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Print the URL but don't open a browser.")
    ] = False,
    offline: OfflineOption = False,
) -> None:
    """Preview an edition in the browser; it rebuilds as you edit. Ctrl-C stops it.

    Views: desktop and phone widths, dark mode, plain text, MJML, the checks and a gauge of
    where Gmail would clip. Saving the edition, digest.toml, an article or a template rebuilds
    it, including a template override newly created in the publication's templates/ folder;
    articles that did not change are not read or summarized again. Serves on 127.0.0.1 only,
    with a fixed pool of threads, writes no files and cannot send mail.
    """
    from digest.config import refuse_publication_file
    from digest.preview.server import serve

    run_reported(lambda: refuse_publication_file(edition))  # not a broken edition to watch

    def ready(url: str) -> None:
        typer.echo(f"Previewing {edition} at {url} (Ctrl-C to stop)")

    run_reported(lambda: serve(edition, port, not no_open, ready, offline=offline))
    typer.echo("Preview stopped.")
