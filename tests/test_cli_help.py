"""`--help` of every command reads well: it walks the commands, so new ones are checked too."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any

import pytest
import typer
from rich.text import Text
from typer.testing import CliRunner

from digest.cli import COMMAND_ORDER, app
from digest.cli.helptext import escape_markup, order_commands, unwrap

runner = CliRunner()
# Typer's type labels: `<bool>`, `<str>`, `<path>`, `<float range>`, `<list[str]>`.
TYPE_LABEL = re.compile(
    r"<(?:bool|str|int|float|path|file|datetime|uuid|list\[[^\]]*\]|\w+ range)>"
)
# What a swallowed `[word]` leaves behind: two spaces in a row, or a space before punctuation.
SWALLOWED = re.compile(r"\S  +\S| (?:[,;:)]|\.(?!\.))|\(\s*\)")
# Commands of mine whose every value option must say its default (others' are checked by eye).
MY_COMMANDS = ("init", "new", "preview", "check", "build", "extract", "summarize")


def _group() -> Any:
    return typer.main.get_command(app)


def _command_names() -> list[str]:
    return list(_group().commands)


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "100", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    return result.output


def _shown(text: str) -> str:
    """What Rich shows for a help text (markup applied), as Typer renders it."""
    return Text.from_markup(text).plain


@pytest.mark.parametrize("command", ["", *_command_names()])
def test_help_has_no_noise(command: str) -> None:
    output = _help(*([command] if command else []))
    assert not TYPE_LABEL.search(output), TYPE_LABEL.search(output)
    assert "()" not in output and "(default: )" not in output
    assert "Traceback" not in output


@pytest.mark.parametrize("command", ["", *_command_names()])
def test_every_help_text_survives_markup(command: str) -> None:
    """Each text Rich renders keeps every word: `[delivery]` shows as `[delivery]`."""
    group = _group()
    target = group if not command else group.commands[command]
    escape_markup(target)  # what format_help does before Rich shows the texts
    texts = [target.help or ""] + [getattr(param, "help", None) or "" for param in target.params]
    for text in texts:
        shown = _shown(text)
        for line in shown.splitlines():
            assert not SWALLOWED.search(line.strip()), (command, line)
        # Nothing disappeared: every bracket of the source is still on screen.
        assert shown.count("[") == text.replace("\\[", "[").count("["), (command, shown)


def test_paragraphs_are_unwrapped_but_examples_keep_their_lines() -> None:
    text = unwrap(
        """First line
        goes on here.

        A second paragraph
        in two lines.

        Examples:
          digest new --from a.xml
          digest new --from b.html
        """
    )
    assert text.splitlines()[0] == "First line goes on here."
    assert "A second paragraph in two lines." in text
    assert "  digest new --from a.xml\n  digest new --from b.html" in text


@pytest.mark.parametrize("command", MY_COMMANDS)
def test_my_options_say_their_defaults(command: str) -> None:
    for param in _group().commands[command].params:
        if param.param_type_name != "option" or getattr(param, "is_flag", False):
            continue
        if param.default is None:
            assert "default" in (param.help or "").lower(), (command, param.name)
        else:
            assert param.show_default is not False, (command, param.name)


def test_commands_follow_the_editors_day() -> None:
    rows = [line.strip("│ ").split(" ", 1)[0] for line in _help().splitlines()]
    listed = [row for row in rows if row in _command_names()]
    assert listed == _command_names()
    names = _command_names()
    day = ["init", "new", "preview", "check", "build", "send", "status"]
    assert names[0] == "init"
    assert [name for name in names if name in day] == day
    assert _command_names()[-2:] == ["extract", "summarize"]


def test_unknown_commands_go_before_the_tools() -> None:
    names = ["summarize", "send", "zebra", "init", "extract", "aardvark"]
    assert order_commands(names, COMMAND_ORDER, "extract") == [
        "init",
        "send",
        "aardvark",
        "zebra",
        "extract",
        "summarize",
    ]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"digest {version('digest')}"


def test_usage_names_the_arguments() -> None:
    assert "Usage: digest build [OPTIONS] EDITION" in _help("build")
    assert "Usage: digest extract [OPTIONS] SOURCE..." in _help("extract")
    assert "Usage: digest summarize [OPTIONS] [PAGE]" in _help("summarize")


def _command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in getattr(group, "commands", {}).items():
        paths.append((*prefix, name))
        paths += _command_paths(command, (*prefix, name))
    return paths


@pytest.mark.parametrize("path", [(), *_command_paths(_group())], ids=" ".join)
def test_the_lean_dispatch_shows_every_help_as_the_whole_app_does(path: tuple[str, ...]) -> None:
    """`digest X` builds only the command X; what it shows is what the whole app shows."""
    for args in ([*path, "--help"], ["-v", *path, "--help"], [*path, "--bogus-option"]):
        lean = app.only_for(args)
        assert (lean is app) == (not path)
        env = {"COLUMNS": "100", "TERM": "dumb"}
        whole, only = runner.invoke(app, args, env=env), runner.invoke(lean, args, env=env)
        assert (only.exit_code, only.output) == (whole.exit_code, whole.output)


@pytest.mark.parametrize(
    "args", [["--help", "build"], ["buidl"], ["--version"], [], ["-x", "build"], ["--", "build"]]
)
def test_without_a_command_name_first_the_whole_app_answers(args: list[str]) -> None:
    assert app.only_for(args) is app
