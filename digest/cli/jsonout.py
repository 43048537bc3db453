"""`--json`: one documented shape per command, named in its --help and in README.md.

A shape is a list of top-level fields with what each holds. The command's help says
"JSON fields: a, b, c." from it, README's "JSON output" section lists the same fields, and
tests/test_cli_json.py parses each command's output and checks every named field is there.
Fields are only ever added, never renamed or removed: scripts depend on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import typer

# What a help text says before the field list (the tests look for it).
FIELDS_LABEL = "JSON fields:"


@dataclass(frozen=True, slots=True)
class JsonShape:
    """The top-level fields one command's --json prints."""

    command: str
    fields: tuple[str, ...]
    one_per_line: bool = False  # `extract`: one object per input, one per line
    note: str = ""  # said after the field list

    def help(self) -> str:
        """The sentence for the --json option's help."""
        kind = "One JSON object per line" if self.one_per_line else "One JSON object on stdout"
        fields = f"{FIELDS_LABEL} {', '.join(self.fields)}."
        return " ".join(filter(None, (f"{kind}, for scripts (-q keeps it).", fields, self.note)))

    def emit(self, payload: dict[str, Any]) -> None:
        """Print the document (indented, UTF-8 kept), or one line of it for one_per_line."""
        missing = [name for name in self.fields if name not in payload]
        assert not missing, f"{self.command} --json lacks {missing}"  # a bug, caught by tests
        if self.one_per_line:
            typer.echo(json.dumps(payload, ensure_ascii=False))
        else:
            typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


BUILD = JsonShape(
    "build",
    (
        "edition",
        "subject",
        "preheader",
        "articles",
        "sections",
        "ticker",
        "dropped",
        "html_bytes",
        "html_budget_bytes",
        "style_bytes",
        "style_budget_bytes",
        "text_bytes",
        "timings_ms",
        "warnings",
        "checks",
        "files",
        "archive",
        "exit_code",
    ),
)
CHECK = JsonShape("check", ("edition", "html_bytes", "style_bytes", "findings", "exit_code"))
SEND = JsonShape(
    "send",
    (
        "edition",
        "subject",
        "transport",
        "test_address",
        "dry_run",
        "cancelled",
        "nothing_to_send",
        "total",
        "sent",
        "failed",
        "deferred",
        "unknown",
        "resent",
        "sent_earlier",
        "failed_earlier",
        "suppressed",
        "pending",
        "connections",
        "destination",
        "stopped",
        "errors",
        "exit_code",
    ),
)
STATUS = JsonShape(
    "status",
    (
        "edition",
        "journal",
        "total",
        "counts",
        "first_sent",
        "last_sent",
        "failed",
        "deferred",
        "unknown",
        "suppressed",
        "exit_code",
    ),
)
NEW = JsonShape(
    "new",
    (
        "path",
        "written",
        "date",
        "articles",
        "duplicates",
        "failures",
        "warnings",
        "window",
        "seen",
        "too_old",
        "too_new",
        "exit_code",
    ),
)
ARCHIVE = JsonShape("archive", ("folder", "archived", "total", "future", "failed", "exit_code"))
EXTRACT = JsonShape(
    "extract",
    (
        "input",
        "title",
        "url",
        "date",
        "date_only",
        "author",
        "section",
        "image",
        "site_name",
        "language",
        "summary",
        "body",
        "source",
    ),
    one_per_line=True,
    note="An input that could not be read gives input and error only.",
)

SHAPES = {shape.command: shape for shape in (BUILD, CHECK, SEND, STATUS, NEW, ARCHIVE, EXTRACT)}
