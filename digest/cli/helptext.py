"""`--help` that reads well, for every command, including ones added later.

Typer renders help through Rich markup, so a `[delivery]` in a help text would vanish, and it
labels every option with its Python type (`<bool>`, `<str>`). Rather than asking every command
to write around that, the group tidies each command once when it is built: paragraphs are
unwrapped, markup is escaped, flags show no type, values show a placeholder in capitals.
The same classes give every command the shared -v/-q and run it under `conventions`.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, get_args, get_origin

import typer
from typer.core import HAS_RICH, TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType

from digest.cli.conventions import (
    conventions,
    settings_of,
    share_options,
    take_shared,
    wants_json,
)

# `digest --help` lists commands in the order of the editor's day: start a publication, make
# the day's edition, send it, look after the list; the tools for looking closer come last.
# A command not named here is listed just before the tools.
COMMAND_ORDER = (
    "init",
    "theme",
    "new",
    "preview",
    "check",
    "build",
    "approve",
    "send",
    "status",
    "correct",
    "history",
    "stats",
    "archive",
    "subscribers",
    "bounces",
    "serve",
    "serve-unsubscribe",
    "extract",
    "summarize",
)
FIRST_TOOL = "extract"
# The `digest` group's own options that may come before a command's name (`digest -v build`);
# all are flags. --help and --version answer by themselves, so they are not among them.
GROUP_FLAGS = re.compile(r"^(?:--verbose|--quiet|-[vq]+)$")
# A paragraph that starts with this stays as written (Click's convention for tables, lists).
KEEP_AS_WRITTEN = "\b"
# A paragraph with a line like this keeps its lines: list items, and indented lines (examples).
KEEP_LINES = re.compile(r"^(?:\s+\S|\s*(?:[-*•]|\d+[.)])\s)")
# The word shown for a value of each type (the first matching type wins; bool is an int).
PLACEHOLDERS: tuple[tuple[type, str], ...] = (
    (bool, "YES|NO"),
    (PurePath, "PATH"),
    (int, "N"),
    (float, "NUMBER"),
    (datetime, "DATE"),
    (date, "DATE"),
    (str, "TEXT"),
)


def unwrap(text: str) -> str:
    """Join the lines of each paragraph, so the terminal (not the docstring) wraps them."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    tidy = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        if paragraph.startswith(KEEP_AS_WRITTEN) or any(KEEP_LINES.match(line) for line in lines):
            tidy.append(paragraph)
        else:
            tidy.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(tidy)


def literal(text: str) -> str:
    """Help text shown as written: `[delivery]` is a word here, not Rich markup.

    A help text that already escaped its brackets (`\\[delivery]`) is not escaped twice.
    """
    from rich.markup import escape  # only when help is shown

    return escape(text.replace("\\[", "["))


def placeholder(param: Any) -> str:
    """The word shown for an option's value: its choices, else a plain word for its type
    (`--to PATH`, `--port N`), as Click always did before Typer's `<path>` labels."""
    described = getattr(param, "type_descriptor", None)
    choices = getattr(described, "choices", None) or getattr(
        getattr(param, "type", None), "choices", None
    )
    if choices:
        return "|".join(str(getattr(choice, "value", choice)) for choice in choices)
    annotation = getattr(described, "annotation", None)
    args = get_args(annotation)
    if get_origin(annotation) is list and args:
        annotation = args[0]
    if isinstance(annotation, type):
        for kind, word in PLACEHOLDERS:
            if issubclass(annotation, kind):
                return word
    return "VALUE"


def tidy_command(command: Any) -> None:
    """Unwrap one command's help; flags show no type, values a word (no Rich needed yet)."""
    if command.help:
        command.help = unwrap(command.help)
    if command.short_help:
        command.short_help = unwrap(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = unwrap(param.help)
        quieten(param)


def escape_markup(command: Any) -> None:
    """Escape Rich markup in one command's help texts, once, right before Rich shows them.

    Done at help time, not start-up, so a command that only runs never imports Rich.
    """
    if getattr(command, "_digest_escaped", False):
        return
    command._digest_escaped = True
    if not (HAS_RICH and getattr(command, "rich_markup_mode", "rich") == "rich"):
        for text_owner in (command, *command.params):
            if getattr(text_owner, "help", None):
                text_owner.help = text_owner.help.replace("\\[", "[")
        return
    if command.help:
        command.help = literal(command.help)
    if command.short_help:
        command.short_help = literal(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = literal(param.help)


def quieten(param: Any) -> None:
    """Show a parameter without Typer's type label: arguments by name, flags bare."""
    if type(param) is TyperArgument:
        param.__class__ = QuietArgument
        if param.metavar is None:
            param.metavar = (param.name or "value").upper()
    elif type(param) is TyperOption:
        param.__class__ = QuietOption
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = placeholder(param)


class QuietArgument(TyperArgument):
    """An argument shown by its name alone (EDITION), without a `<path>` label."""

    def display_type_rich(self, ctx: Any) -> str | None:
        """No type column: the name and the help say what it is."""
        return None


class QuietOption(TyperOption):
    """An option shown with a placeholder (`--out PATH`) or bare for a flag; no `[x>=0]`."""

    def display_type_rich(self, ctx: Any) -> str | None:
        """The placeholder; empty for flags."""
        return self.metavar or None

    def _get_number_range_help_str(self) -> str | None:
        # `[x>=0]` is notation, not words; an out-of-range value gets a clear error anyway.
        return None


class BareHelpOption:
    """Mixed into commands and groups: --help is shown bare, like every other flag."""

    def get_help_option(self, ctx: Any) -> Any:
        """The --help option, without a type label."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            quieten(option)
        return option


class DigestCommand(BareHelpOption, TyperCommand):
    """A command whose usage line reads `digest build EDITION`, not `{edition}`, and that runs
    under the shared conventions (-v/-q, log lines as the CLI's own)."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command with the chain's -v/-q applied."""
        take_shared(ctx)
        with conventions(settings_of(ctx), keep_stdout=wants_json(self, ctx)):
            return super().invoke(ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Escape markup in this command's texts, then let Typer show them."""
        escape_markup(self)
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """[OPTIONS] and the arguments, required ones bare, optional ones in brackets."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not isinstance(param, TyperArgument):
                continue
            name = param.metavar or (param.name or "").upper()
            if param.nargs != 1:
                name += "..."
            pieces.append(name if param.required else f"[{name}]")
        return pieces


class DigestGroup(BareHelpOption, TyperGroup):
    """A `digest` group: every command tidied (those of other modules too), and listed in the
    order of the editor's day (`COMMAND_ORDER`; a group's own commands A to Z)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        tidy_command(self)
        for command in self.commands.values():
            tidy_command(command)
        ordered = order_commands(list(self.commands), COMMAND_ORDER, FIRST_TOOL)
        self.commands = {name: self.commands[name] for name in ordered}
        share_options(self)  # the top group's -v/-q, for every command beneath it

    def invoke(self, ctx: Any) -> Any:
        """Count this level's -v/-q, then run the group's callback and its command."""
        take_shared(ctx)
        return super().invoke(ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Escape markup in the group's texts and its commands' (listed with their help)."""
        escape_markup(self)
        for command in self.commands.values():
            escape_markup(command)
        super().format_help(ctx, formatter)


class DigestTyper(typer.Typer):
    """A Typer app whose commands are DigestCommands unless they ask for another class."""

    def command(  # the same call as Typer's, one default changed
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        """Register a command (see typer.Typer.command)."""
        return super().command(name, cls=cls or DigestCommand, **kwargs)

    def only_for(self, args: Sequence[str]) -> DigestTyper:
        """This app with only the command (or group) that `args` run, when they name one.

        Typer builds a command's options from its signature, every command on every run:
        `digest build` would pay for the options of all of them. A name that is no command,
        no name, or anything but the group's own flags before it (`--help`: the list of
        commands) keeps the whole app, so every listing, suggestion and error stays Typer's.
        """
        name = command_named(args)
        commands = [info for info in self.registered_commands if _name_of(info) == name]
        groups = [info for info in self.registered_groups if info.name == name]
        if name is None or not (commands or groups):
            return self
        lean = copy.copy(self)
        lean.registered_commands, lean.registered_groups = commands, groups
        return lean


def command_named(args: Sequence[str]) -> str | None:
    """The command `args` run: the first argument after the group's own flags (none of which
    takes a value), or None when anything else comes first."""
    for argument in args:
        if not argument.startswith("-"):
            return argument
        if not GROUP_FLAGS.match(argument):
            return None
    return None


def _name_of(info: Any) -> str | None:
    """The name Typer gives a registered command: its own, else its function's."""
    if info.name:
        return str(info.name)
    callback = info.callback
    return None if callback is None else callback.__name__.lower().replace("_", "-")


def order_commands(names: Sequence[str], order: Sequence[str], unknown_before: str) -> list[str]:
    """`names` in `order`; names it does not know go just before `unknown_before`, A to Z."""
    place = {name: index for index, name in enumerate(order)}
    slot = place.get(unknown_before, len(order)) - 0.5
    return sorted(names, key=lambda name: (place.get(name, slot), name))
