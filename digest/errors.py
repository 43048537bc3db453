"""Errors a person can cause, each mapped to a documented exit code and a plain message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; README.md documents them for scripts."""

    OK = 0
    WARNINGS = 1  # `digest check --strict` found warnings only
    CONFIG = 2  # digest.toml, an edition file or a command-line option is invalid
    SOURCE = 3  # an article, page or feed could not be read
    RENDER = 4  # a template or the MJML compiler failed
    CHECK = 5  # `digest check` found errors that would hurt the send
    DELIVERY = 6  # the send failed (refused login, TLS, recipients failed)
    RECIPIENTS = 7  # the recipient list has invalid rows
    TEMPFAIL = 75  # some messages were deferred; run again later (EX_TEMPFAIL)


class DigestError(Exception):
    """Base class: carries a message for people and an exit code for scripts."""

    exit_code: ExitCode = ExitCode.CONFIG

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in one file, named so a person can find and fix it."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class ConfigError(DigestError):
    """One or more problems in digest.toml or an edition file, reported all at once."""

    exit_code = ExitCode.CONFIG

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        header = "1 problem" if count == 1 else f"{count} problems"
        lines = [f"{header} in the configuration:"] + [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class SourceError(DigestError):
    """An article source could not be read or understood."""

    exit_code = ExitCode.SOURCE


class RenderError(DigestError):
    """A template or the MJML compiler failed."""

    exit_code = ExitCode.RENDER
