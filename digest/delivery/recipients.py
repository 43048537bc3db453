"""The recipient list: a CSV with `email`, optional `name` and merge-field columns."""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A display name or merge value longer than this is a broken row, not a person.
MAX_VALUE_CHARS = 500
# Bounds the memory a hostile or broken CSV can take; ten million readers is not a digest.
MAX_ROWS = 10_000_000
FORBIDDEN_CHARS = ("\r", "\n", "\0")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab is harmless in a value
# How many bad rows an error message lists before it summarizes the rest.
MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class Recipient:
    """One reader: a validated ASCII address, a display name and merge values."""

    email: str
    name: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    line: int = 0  # the CSV line it came from, for reports

    def field(self, name: str) -> str:
        """A merge value ('' when the list has no such column); email and name included."""
        if name == "email":
            return self.email
        if name == "name":
            return self.name or ""
        for key, value in self.fields:
            if key == name:
                return value
        return ""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad row, named by its line in the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class RecipientList:
    """The clean recipients, the bad rows and how many duplicates were dropped."""

    recipients: tuple[Recipient, ...]
    problems: tuple[RowProblem, ...] = ()
    duplicates: int = 0
    columns: tuple[str, ...] = field(default=())


class RecipientsError(DigestError):
    """The recipient list has bad rows (or cannot be read); nothing was sent."""

    exit_code = ExitCode.RECIPIENTS


def check_address(text: str) -> str:
    """A validated address in its ASCII form (no DNS lookups); raises ValueError."""
    if any(ch in text for ch in FORBIDDEN_CHARS):
        raise ValueError("the address contains a line break or NUL")
    try:
        # No SMTPUTF8: every server along the way must be able to take the address.
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return result.ascii_email or result.normalized


def _check_value(column: str, value: str) -> str | None:
    if any(ch in value for ch in FORBIDDEN_CHARS):
        return f"{column} contains a line break or NUL, which is refused"
    if CONTROL_CHARS.search(value):
        return f"{column} contains a control character, which is refused"
    if len(value) > MAX_VALUE_CHARS:
        return f"{column} is longer than {MAX_VALUE_CHARS} characters"
    return None


def _columns(header: list[str]) -> tuple[list[str], list[RowProblem]]:
    names = [column.strip().lower() for column in header]
    problems = []
    if "email" not in names:
        problems.append(RowProblem(1, "no `email` column in the header row"))
    for name in names:
        if not FIELD_NAME.match(name):
            problems.append(
                RowProblem(1, f"column {name!r}: use letters, digits and _ (starting a letter)")
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(RowProblem(1, f"column {name!r} appears twice"))
        seen.add(name)
    return names, problems


def parse_recipients(lines: Iterable[str]) -> RecipientList:
    """Parse CSV text; every bad row is reported with its line number."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return RecipientList((), (RowProblem(1, "the file is empty"),))
    except csv.Error as error:
        return RecipientList((), (RowProblem(1, f"not valid CSV: {error}"),))
    columns, problems = _columns(header)
    if problems:
        return RecipientList((), tuple(problems))
    recipients: list[Recipient] = []
    seen: set[str] = set()
    duplicates = 0
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(RowProblem(start, f"not valid CSV: {error}"))
            break
        line = start
        if len(recipients) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, f"more than {MAX_ROWS} rows"))
            break
        if not any(cell.strip() for cell in row):
            continue  # blank lines are common at the end of exported files
        if len(row) != len(columns):
            problems.append(
                RowProblem(line, f"{len(row)} columns where the header has {len(columns)}")
            )
            continue
        values = dict(zip(columns, (cell.strip() for cell in row), strict=True))
        row_problems = [
            p for p in (_check_value(k, v) for k, v in values.items() if k != "email") if p
        ]
        try:
            address = check_address(values["email"])
        except ValueError as error:
            row_problems.insert(0, f"email {values['email']!r}: {error}")
        if row_problems:
            problems.extend(RowProblem(line, message) for message in row_problems)
            continue
        key = address.lower()
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        extra = tuple((k, v) for k, v in values.items() if k not in {"email", "name"})
        recipients.append(Recipient(address, values.get("name") or None, extra, line))
    logger.debug(
        "%d recipients, %d problems, %d duplicates", len(recipients), len(problems), duplicates
    )
    return RecipientList(tuple(recipients), tuple(problems), duplicates, tuple(columns))


def load_recipients(path: Path, *, skip_invalid: bool = False) -> RecipientList:
    """Read a recipient CSV; raise RecipientsError unless it is clean (or skip_invalid)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            result = parse_recipients(handle)
    except FileNotFoundError:
        raise RecipientsError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RecipientsError(f"{path}: cannot be read: {error}") from None
    header_broken = any(problem.line == 1 for problem in result.problems)
    if result.problems and (header_broken or not skip_invalid):
        raise RecipientsError(describe_problems(path, result.problems))
    if not result.recipients:
        raise RecipientsError(f"{path}: no recipients")
    return result


def describe_problems(
    path: Path, problems: tuple[RowProblem, ...], *, skipped: bool = False
) -> str:
    """One message listing bad rows (the first few, then a count)."""
    count = len(problems)
    outcome = "skipped (--skip-invalid)" if skipped else "nothing was sent"
    lines = [f"{path}: {count} bad row{'s' if count != 1 else ''}; {outcome}:"]
    lines += [f"  - {problem}" for problem in problems[:MAX_LISTED_PROBLEMS]]
    if count > MAX_LISTED_PROBLEMS:
        lines.append(f"  - ... and {count - MAX_LISTED_PROBLEMS} more")
    if not skipped:
        lines.append("Fix them, or pass --skip-invalid to send to the valid rows only.")
    return "\n".join(lines)
