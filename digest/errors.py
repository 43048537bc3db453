"""Errors a person can cause, each mapped to a documented exit code and a plain message."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, the one list every command follows; README.md's table is this one.

    Numbers are never reused or renumbered: scripts test for them.
    """

    OK = 0
    WARNINGS = 1  # `digest check --strict` found warnings only
    CONFIG = 2  # digest.toml, an edition file or a command-line option is invalid
    SOURCE = 3  # an article, page or feed could not be read
    RENDER = 4  # a template or the MJML compiler failed
    CHECK = 5  # `digest check` found errors that would hurt the send
    DELIVERY = 6  # the send failed (refused login, TLS, recipients failed)
    RECIPIENTS = 7  # the recipient list has invalid rows
    JOURNAL = 8  # the send journal is missing or damaged: a send would mail readers again
    NEEDS_YES = 9  # a question must be answered and no terminal can answer it: pass --yes
    NO_CANDIDATES = 10  # `digest new` found no story to draft (nothing written; it says why)
    EMBARGO = 11  # a story's `not_before` has not come: `check` and `send` wait for it
    APPROVAL = 12  # the send needs an approval that matches what would go out
    BUG = 70  # digest itself failed unexpectedly; a bug to report (EX_SOFTWARE)
    IO = 74  # a file could not be written or read: disk full, permission (EX_IOERR)
    # Try later (EX_TEMPFAIL): some messages deferred or unconfirmed, another send of the
    # edition is running, or `digest status` finds some not delivered yet.
    TEMPFAIL = 75
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


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


class OutputError(DigestError):
    """A file digest writes could not be written (disk full, permission, read-only)."""

    exit_code = ExitCode.IO


# What to do about the operating system's most common refusals, in words for people.
OS_ERROR_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "your disk quota is used up; free some space and run the command again",
    errno.EFBIG: "the file is larger than this system allows",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "the operation is not permitted here",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EEXIST: "a file of that name is in the way",
}


def describe_os_error(error: OSError, action: str = "") -> str:
    """'cannot write out/x.html: the disk is full; ...' from an OSError, without a traceback."""
    path = error.filename
    reason = OS_ERROR_ADVICE.get(error.errno or 0) or error.strerror or str(error)
    subject = f"{action} {os.fsdecode(path)}" if path is not None and action else ""
    if not subject and path is not None:
        subject = os.fsdecode(path)
    return f"{subject}: {reason}" if subject else reason
