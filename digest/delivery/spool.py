"""The checked rows of a list, kept for the send: in file order, each address once.

Rows are appended to a private temporary file (deleted when it is closed), so the send reads
exactly what was checked without holding the list in memory; appending a row costs 0.2 µs,
where a SQLite spool costs 1.2 µs and one with a unique index 2-4 µs. Repeated addresses are
found with an open-addressing table of 32-bit fingerprints and row numbers packed in one
array (8 bytes a slot, one memory access a probe; 16 MB for a million rows, where a set of
their hashes alone takes 78 MB). A fingerprint that matches is confirmed against the spooled
address, so two different addresses are never taken for one. Readers the list
marks as not to be mailed are spooled too, so that no row of theirs anywhere is mailed.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from array import array
from collections.abc import Iterator, Sequence

from digest.delivery.lists import Row, Status

# The fingerprint table grows (doubles) past this share of its slots in use.
MAX_LOAD = 0.7
MIN_SLOTS = 1 << 12
# A slot holds (fingerprint << 32) | row number; 0 is an empty slot. The fingerprint is taken
# from the hash's top bits, the slot from its bottom ones.
FINGERPRINT_SHIFT = 32
NUMBER_BITS = 32
NUMBER_MASK = (1 << NUMBER_BITS) - 1
READ_BLOCK_BYTES = 1 << 20
# Row offsets are kept in 32 bits: a spool stops at 4 GiB of checked rows.
MAX_SPOOL_BYTES = (1 << 32) - 1
# Between a spooled row's parts, and between its merge values: no accepted address, name or
# value holds a control character.
FIELD, VALUE = "\x1e", "\x1f"
KEPT, HELD = "+", "-"

SpooledRow = tuple[int, str, str | None, str]
"""(line, address, name or None, merge values joined by VALUE)."""


class SpoolFull(Exception):
    """The checked rows would pass MAX_SPOOL_BYTES."""


def _slots_for(rows: int) -> int:
    slots = MIN_SLOTS
    while slots * MAX_LOAD < rows:
        slots *= 2
    return slots


def _parse(text: str) -> tuple[str, int, str, str, str]:
    kind_line, email, name, fields = text.rstrip("\n").split(FIELD)
    return kind_line[0], int(kind_line[1:]), email, name, fields


class Spool:
    """A list's rows, unique by address (case-insensitively), in file order; close() deletes."""

    def __init__(self, expected_rows: int = 0, *, announce: bool = False) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._pending: list[str] = []  # rows not yet written
        self._offsets = array("I")  # where each written row starts, by its number
        self._end = 0  # bytes written
        self._announce = announce  # keep the kept addresses for `take_written`
        self._written: list[str] = []  # kept addresses written since `take_written` last ran
        self._count = 0  # rows spooled
        self.withdrawn: set[int] = set()  # lines kept, then held by a later row of theirs
        self._allocate(_slots_for(expected_rows))

    def _allocate(self, slots: int) -> None:
        self._mask = slots - 1
        self._slots = array("Q", bytes(8 * slots))
        self._limit = int(slots * MAX_LOAD)

    def add_many(self, rows: Sequence[Row]) -> list[tuple[int, int]]:
        """Spool rows in order; returns (index in `rows`, earlier line) for each row whose
        address an earlier row has (nothing of it is spooled).

        A held row (its status says not to mail it) is spooled to be found, never sent, and
        withdraws an earlier kept row of its address (see `withdrawn`).
        """
        repeats: list[tuple[int, int]] = []
        mask, slots = self._mask, self._slots
        pending, written, announce = self._pending, self._written, self._announce
        count = self._count
        join, subscribed = VALUE.join, Status.SUBSCRIBED
        for index, (line, email, name, values, status, _, _, _) in enumerate(rows):
            held = status is not None and status is not subscribed
            key = email.lower()
            hashed = hash(key)
            fingerprint = ((hashed >> FINGERPRINT_SHIFT) & NUMBER_MASK or 1) << NUMBER_BITS
            slot = hashed & mask
            while packed := slots[slot]:
                if packed & ~NUMBER_MASK == fingerprint:
                    self._count = count
                    first_kind, first, first_email, _, _ = self._row(packed & NUMBER_MASK)
                    if first_email.lower() == key:
                        if held and first_kind == KEPT:
                            self.withdrawn.add(first)
                        repeats.append((index, first))
                        break
                slot = (slot + 1) & mask
            else:
                slots[slot] = fingerprint | count
                if held:
                    pending.append(f"{HELD}{line}{FIELD}{email}{FIELD}{FIELD}\n")
                else:
                    pending.append(
                        f"{KEPT}{line}{FIELD}{email}{FIELD}{name}{FIELD}{join(values)}\n"
                    )
                    if announce:
                        written.append(email)
                count += 1
                if count > self._limit:
                    self._count = count
                    self._grow()
                    mask, slots = self._mask, self._slots
        self._count = count
        return repeats

    def _row(self, number: int) -> tuple[str, int, str, str, str]:
        """One spooled row by its number (rare: a fingerprint matched)."""
        if number >= len(self._offsets):  # not written yet
            return _parse(self._pending[number - len(self._offsets)])
        start = self._offsets[number]
        stop = self._offsets[number + 1] if number + 1 < len(self._offsets) else self._end
        self._file.flush()
        return _parse(os.pread(self._file.fileno(), stop - start, start).decode("utf-8"))

    def _grow(self) -> None:
        """Twice the slots; every spooled address is placed again."""
        self.write()
        self._allocate(2 * (self._mask + 1))
        mask, slots = self._mask, self._slots
        for number, (_, _, email, _, _) in enumerate(self._all()):
            hashed = hash(email.lower())
            slot = hashed & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            fingerprint = (hashed >> FINGERPRINT_SHIFT) & NUMBER_MASK or 1
            slots[slot] = fingerprint << NUMBER_BITS | number

    def write(self) -> None:
        """Write the rows spooled since the last write."""
        if not self._pending:
            return
        text = "".join(self._pending)
        data = text.encode("utf-8")
        sizes = (
            map(len, self._pending) if text.isascii() else (len(r.encode()) for r in self._pending)
        )
        starts = list(itertools.accumulate(sizes, initial=self._end))
        if starts[-1] > MAX_SPOOL_BYTES:
            raise SpoolFull(f"more than {MAX_SPOOL_BYTES:,} bytes of checked rows")
        self._file.write(data)
        self._offsets.extend(starts[:-1])
        self._end = starts[-1]
        self._pending.clear()

    def take_written(self) -> list[str]:
        """The kept addresses spooled since the last call, in file order."""
        self.write()
        written, self._written = self._written, []
        return written

    def finish(self) -> None:
        """End the writing; the fingerprint table is freed (the send reads rows in order)."""
        self.write()
        self._file.flush()
        self._allocate(MIN_SLOTS)

    def _all(self) -> Iterator[tuple[str, int, str, str, str]]:
        """Every written row, held ones too, read by position (any number of readers at once)."""
        self._file.flush()
        descriptor, position, carry = self._file.fileno(), 0, b""
        while position < self._end:
            block = os.pread(descriptor, min(READ_BLOCK_BYTES, self._end - position), position)
            position += len(block)
            lines = (carry + block).split(b"\n")
            carry = lines.pop()
            for raw in lines:
                yield _parse(raw.decode("utf-8"))

    def rows(self) -> Iterator[SpooledRow]:
        """The kept rows in file order (withdrawn and held ones left out)."""
        withdrawn = self.withdrawn
        for kind, line, email, name, values in self._all():
            if kind == KEPT and line not in withdrawn:
                yield line, email, name or None, values

    def close(self) -> None:
        """Delete the spool."""
        self._file.close()
