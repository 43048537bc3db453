"""The `digest` command line: options -> one call per command. Imports are lazy for speed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from digest.errors import DigestError, ExitCode

T = TypeVar("T")

app = typer.Typer(
    name="digest",
    help=(
        "Build a daily newsletter digest email from articles and ticker headlines.\n\n"
        "Typical day: `digest init newsroom/` once, then edit "
        "newsroom/editions/YYYY-MM-DD.toml and run `digest build` on it."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Locals in tracebacks could hold secrets (SMTP passwords); never print them.
    pretty_exceptions_show_locals=False,
)

EditionArgument = Annotated[
    Path,
    typer.Argument(
        help="The edition file, e.g. newsroom/editions/2024-11-22.toml. "
        "Its digest.toml is found in its folder or a parent.",
        show_default=False,
    ),
]


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn errors a person can cause into one clear message and a documented exit code."""
    try:
        yield
    except DigestError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


def _run(action: Callable[[], T]) -> T:
    with reported_errors():
        return action()


@app.callback()
def main_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what each stage does.")
    ] = False,
) -> None:
    """Options shared by every command."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def build(
    edition: EditionArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder. Default: out/<date>/ beside digest.toml."),
    ] = None,
) -> None:
    """Build an edition: writes digest.html, .txt, .mjml, .eml and report.json.

    Prints a summary with the HTML size against Gmail's 102,400-byte clipping limit.
    """
    from digest.build import build as run_build
    from digest.summary import build_summary

    result, files = _run(lambda: run_build(edition, out))
    typer.echo(build_summary(result, files))


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new publication.")],
    name: Annotated[
        str, typer.Option(help="The publication's name, shown in the masthead.")
    ] = "My Daily Digest",
) -> None:
    """Create a publication: a commented digest.toml, editions/ with today's example edition,
    an example article and templates/ for theme overrides. Never overwrites a file.
    """
    from digest.scaffold import scaffold

    created = _run(lambda: scaffold(folder, name=name))
    typer.echo(f"Created a publication in {folder}:")
    for path in created:
        typer.echo(f"  {path}")
    edition = next(path for path in created if path.parent.name == "editions")
    typer.echo(f"\nNext: edit {edition}, then run: digest build {edition}")


@app.command()
def check(
    edition: EditionArgument,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings (errors exit 5).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object with every finding, for scripts.")
    ] = False,
) -> None:
    """Check an edition before sending: Gmail's size limits, images (alt, https, width),
    links, unsubscribe link and postal address, subject and preheader, the plain-text
    part, duplicate articles, colour contrast.

    Exit codes: 0 clean or warnings only, 1 warnings with --strict, 5 errors.
    """
    import json

    from digest.build import build_in_memory
    from digest.check import Finding, exit_code_for, format_findings
    from digest.config import load_edition

    result = _run(lambda: build_in_memory(load_edition(edition)))
    findings = [Finding("warning", "input", warning) for warning in result.warnings]
    findings = sorted([*result.findings, *findings], key=lambda item: item.severity != "error")
    code = exit_code_for(findings, strict=strict)
    if json_output:
        payload = {
            "edition": str(edition),
            "html_bytes": result.digest.html_bytes,
            "style_bytes": result.digest.style_bytes,
            "findings": [finding.to_json() for finding in findings],
            "exit_code": int(code),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        typer.echo(format_findings(findings))
    raise typer.Exit(int(code))


def _method_help() -> str:
    from digest.summarize import METHODS

    return "Summary method: " + "; ".join(f"{name} = {text}" for name, text in METHODS.items())


@app.command("summarize")
def summarize_command(
    file: Annotated[
        str,
        typer.Argument(
            help="Plain-text article, paragraphs separated by blank lines; '-' reads stdin."
        ),
    ] = "-",
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars", min=1, help="Hard limit on the summary's length, in characters."
        ),
    ] = 350,
    method: Annotated[str | None, typer.Option("--method", help=_method_help())] = None,
) -> None:
    """Print the summary of one article, as the build would make it.

    Example: digest summarize story.txt --max-chars 280 --method lead
    """
    from digest.errors import SourceError
    from digest.summarize import DEFAULT_METHOD
    from digest.summarize.command import summarize_text

    def run() -> str:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"{file}: cannot read the article ({error})") from None
        return summarize_text(text, max_chars, method or DEFAULT_METHOD)

    typer.echo(_run(run))


# -- end of commands --


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except DigestError as error:  # raised outside a command body (should not happen)
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        sys.exit(int(error.exit_code))


if __name__ == "__main__":
    main()


__all__ = ["ExitCode", "app", "main"]
