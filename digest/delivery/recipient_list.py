"""A whole recipient list: checked in one streaming pass, then handed to the send in file order.

The check reads the file once through `lists` (the one reader of lists), counts every bad row,
finds duplicates and writes the good rows to a private spool (`spool`: a temporary file
deleted when the list is closed, and 16 bytes of memory a row), so the send reads exactly what
was checked, even if the file changes meanwhile. Readers the list itself marks as
not to be mailed (listmonk `blocklisted`, Ghost and Substack unsubscribed flags...) are held
back and named; an export of nothing but such readers (Mailchimp's unsubscribed or cleaned
export) is refused. What else must see every row before the send (the counts a send shows
before it asks) is handed each batch of new rows as the check goes: the list is read once.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from digest.delivery.lists import BadRow, ListFile, Row, Status, open_list, parse_list
from digest.delivery.recipients import Recipient, RecipientsError, RowProblem
from digest.delivery.spool import VALUE, Spool, SpoolFull

logger = logging.getLogger(__name__)

# How many bad rows, duplicates and held readers a report keeps word for word; the rest are
# counted.
MAX_LISTED_PROBLEMS = 50
# Bounds a hostile or broken file; ten million readers is not a digest.
MAX_ROWS = 10_000_000
# New rows handed on (to count what the send would do) as one batch.
SPOOL_BATCH = 1_000

BatchListener = Callable[[list[str]], None]
"""Called with the addresses of each batch of new (not duplicate) rows, in file order."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A row whose address an earlier row already has; only the first row is mailed."""

    line: int
    first_line: int
    address: str

    def __str__(self) -> str:
        return f"line {self.line} repeats line {self.first_line} ({self.address})"


@dataclass(frozen=True, slots=True)
class Held:
    """A reader the list marks as not to be mailed (unsubscribed, cleaned, blocklisted...)."""

    line: int
    address: str
    status: Status
    detail: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.address} ({self.detail or self.status.value})"


@dataclass(slots=True)
class ListCheck:
    """What checking a list found: good rows, bad rows, duplicates, held readers, its layout."""

    source: str
    layout: str = ""
    valid: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # the first MAX_LISTED_PROBLEMS
    problem_count: int = 0
    file_problem: bool = False  # the file is unusable past some point: no row can be sent
    duplicates: list[Duplicate] = field(default_factory=list)
    duplicate_count: int = 0
    held: list[Held] = field(default_factory=list)
    held_count: Counter[Status] = field(default_factory=Counter)
    withdrawn: int = 0  # rows counted valid, then held because a later row of theirs said so
    notes: list[str] = field(default_factory=list)
    suppress_command: str = ""  # the command that puts the held readers on the suppression list

    def add_problem(self, problem: RowProblem) -> None:
        """Count a bad row, keeping its words if the report has room."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def add_duplicate(self, duplicate: Duplicate) -> None:
        """Count a duplicate row, keeping its lines if the report has room."""
        self.duplicate_count += 1
        if len(self.duplicates) < MAX_LISTED_PROBLEMS:
            self.duplicates.append(duplicate)

    def add_held(self, held: Held) -> None:
        """Count a reader the list says not to mail, keeping the row if the report has room."""
        self.held_count[held.status] += 1
        if len(self.held) < MAX_LISTED_PROBLEMS:
            self.held.append(held)

    @property
    def held_total(self) -> int:
        """Readers not mailed because the list says so."""
        return sum(self.held_count.values())

    @property
    def suppressible(self) -> int:
        """Of those, the ones that belong on the suppression list (not the unconfirmed)."""
        return sum(count for status, count in self.held_count.items() if status.suppressed)


class RecipientList:
    """The checked recipients, streamed in file order; a context manager (closes the spool)."""

    def __init__(self, check: ListCheck, spool: Spool, field_names: tuple[str, ...]) -> None:
        self.check = check
        self._spool = spool
        self._field_names = field_names

    @property
    def fields(self) -> frozenset[str]:
        """Merge fields every recipient of this list has (email, name and the extra columns)."""
        return frozenset({"email", "name", *self._field_names})

    def __len__(self) -> int:
        return self.check.valid

    def __iter__(self) -> Iterator[Recipient]:
        fields = self._field_names
        for line, email, name, values in self._spool.rows():  # withdrawn rows left out
            merged = zip(fields, values.split(VALUE), strict=True) if fields else ()
            yield Recipient(email, name, tuple(merged), line)

    def close(self) -> None:
        """Delete the spool."""
        self._spool.close()

    def __enter__(self) -> RecipientList:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def scan(listing: ListFile, on_batch: BatchListener | None = None) -> RecipientList:
    """Check every row of a list in one pass; the good, unique ones are spooled for the send."""
    check = ListCheck(listing.source, f"{listing.layout}, {listing.encoding.label}")
    check.notes += listing.notes
    if listing.format.service:
        check.layout += f" ({listing.format.name})"
    spool = Spool(listing.expected_rows, announce=on_batch is not None)

    def announce() -> None:  # the outlook of a send that asks: counted as the list is read
        written = spool.take_written()
        if on_batch is not None and written:
            on_batch(written)

    subscribed = Status.SUBSCRIBED
    batch: list[Row] = []
    held: dict[int, Held] = {}  # the batch's held rows, by their place in it
    kept = 0

    def spool_batch() -> None:
        nonlocal kept
        kept += len(batch) - len(held)
        for index, first in spool.add_many(batch):  # the rare rows that repeat an address
            line, email = batch[index][:2]
            if index in held and first in spool.withdrawn:
                continue  # a reader kept earlier, now held: counted as held, below
            if index in held:
                del held[index]
            else:
                kept -= 1
            check.add_duplicate(Duplicate(line, first, email))
        for row in held.values():
            check.add_held(row)
        batch.clear()
        held.clear()
        announce()

    try:
        for row in listing:
            if isinstance(row, BadRow):
                check.add_problem(RowProblem(row.line, row.message))
                continue
            if row.problems:
                for message in row.problems:
                    check.add_problem(RowProblem(row.line, message))
                continue
            status = row.status
            if status is not None and status is not subscribed:  # spooled as held, never sent
                held[len(batch)] = Held(row.line, row.email, status, row.detail)
            batch.append(row)
            if len(batch) == SPOOL_BATCH:
                spool_batch()
                if kept + check.problem_count + check.held_total >= MAX_ROWS:
                    check.add_problem(RowProblem(row.line, f"more than {MAX_ROWS:,} rows"))
                    check.file_problem = True
                    break
        spool_batch()
        spool.finish()
    except BaseException:
        spool.close()
        raise
    check.withdrawn = len(spool.withdrawn)
    check.valid = kept - check.withdrawn
    logger.debug(
        "%s: %d recipients, %d bad rows, %d duplicates, %d held",
        listing.source,
        check.valid,
        check.problem_count,
        check.duplicate_count,
        check.held_total,
    )
    return RecipientList(check, spool, listing.field_names)


def parse_recipients(text: str | bytes, source: str = "list") -> RecipientList:
    """Check a list held in memory (tests, stdin)."""
    with parse_list(text, source) as listing:
        return scan(listing)


def import_command(path: Path, root: Path | None = None) -> str:
    """`digest subscribers import-suppressions PATH [--dir ROOT]`, ready to paste."""
    command = f"digest subscribers import-suppressions {shlex.quote(str(path))}"
    if root is not None and root.resolve() != Path.cwd().resolve():
        relative = os.path.relpath(root)
        shown = root.resolve() if relative.startswith("..") else relative
        command += f" --dir {shlex.quote(str(shown))}"
    return command


def load_recipients(
    path: Path,
    *,
    skip_invalid: bool = False,
    on_batch: BatchListener | None = None,
    root: Path | None = None,
) -> RecipientList:
    """Check a list file; RecipientsError unless it is clean (or skip_invalid can help).

    `root` is the publication's folder, named in the command that suppresses held readers.
    """
    command = import_command(path, root)
    try:
        with open_list(path) as listing:
            if listing.format.suppression_list:
                raise RecipientsError(
                    f"{path}: this is a list of addresses to suppress: import it with "
                    f"`{command}` (it is a {listing.format.name}; a send takes the list of "
                    "subscribed readers)"
                )
            result = scan(listing, on_batch)
    except OSError as error:  # reading the list, or writing the spool (a full /tmp, say)
        raise RecipientsError(f"{path}: cannot be checked: {error.strerror or error}") from None
    except SpoolFull as error:
        raise RecipientsError(f"{path}: cannot check the list: {error}") from None
    check = result.check
    check.suppress_command = command if check.suppressible else ""
    if check.problem_count and (check.file_problem or not skip_invalid or not check.valid):
        result.close()
        duplicates = f"\n{describe_duplicates(check)}" if check.duplicate_count else ""
        raise RecipientsError(describe_problems(check) + duplicates)
    if not check.valid:
        result.close()
        if check.suppress_command and check.suppressible == check.held_total:
            raise RecipientsError(
                f"{path}: no recipients: this is a list of addresses to suppress: import it "
                f"with `{command}`\n{describe_held(check, hint=False)}"
            )
        held = f"\n{describe_held(check)}" if check.held_total else ""
        raise RecipientsError(f"{path}: no recipients{held}")
    return result


def describe_problems(check: ListCheck, *, skipped: bool = False) -> str:
    """One message listing bad rows (the first few, then a count) and what can be done."""
    count = check.problem_count
    rows = f"{count:,} bad row{'s' if count != 1 else ''}"
    outcome = "skipped (--skip-invalid)" if skipped else "nothing was sent"
    lines = [f"{check.source}: {rows}; {outcome}:"]
    lines += [f"  - {problem}" for problem in check.problems]
    if count > len(check.problems):
        lines.append(f"  - ... and {count - len(check.problems):,} more")
    if skipped:
        return "\n".join(lines)
    if check.file_problem:
        lines.append("Fix the file first: no row can be sent until it reads correctly.")
    elif not check.valid:
        lines.append("No row is valid, so there is nobody to send to; fix the rows.")
    else:
        lines.append(
            f"Fix them, or pass --skip-invalid to send to the {check.valid:,} valid rows only."
        )
    return "\n".join(lines)


def describe_duplicates(check: ListCheck) -> str:
    """The duplicate rows, each sent once to its first row's address."""
    count = check.duplicate_count
    lines = [
        f"{check.source}: {count:,} duplicate address{'es' if count != 1 else ''}; "
        "each is sent once, with the first row's name and fields:"
    ]
    lines += [f"  - {duplicate}" for duplicate in check.duplicates]
    if count > len(check.duplicates):
        lines.append(f"  - ... and {count - len(check.duplicates):,} more")
    return "\n".join(lines)


def held_summary(check: ListCheck) -> str:
    """'3 readers are marked not to be mailed (2 blocklisted, 1 unsubscribed)', for one line."""
    total = check.held_total
    kinds = ", ".join(f"{count:,} {status.value}" for status, count in check.held_count.items())
    return f"{total:,} reader{'s are' if total != 1 else ' is'} marked not to be mailed ({kinds})"


def describe_held(check: ListCheck, *, hint: bool = True) -> str:
    """The readers the list says not to mail (they are not mailed), and how to suppress them."""
    lines = [f"{check.source}: {held_summary(check)}; they are not mailed:"]
    lines += [f"  - {held}" for held in check.held]
    if check.held_total > len(check.held):
        lines.append(f"  - ... and {check.held_total - len(check.held):,} more")
    if hint and check.suppress_command:
        lines.append(f"Keep them out of every send: `{check.suppress_command}`")
    return "\n".join(lines)
