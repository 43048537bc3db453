"""The subscriber store's rows as values: a reader, a change to write, a status event.

Addresses are compared trimmed and in lower case, as the suppression list and the journal do;
an erased reader is kept only as `erased_hash` of their address.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

ERASED_LABEL = "digest erased reader v1\n"


class Status(StrEnum):
    """Where a reader stands; only `confirmed` readers are mailed."""

    PENDING = "pending"  # signed up, confirmation not (yet) given
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


def normalize(address: str) -> str:
    """The form every table compares on: trimmed, lower case."""
    return address.strip().lower()


def erased_hash(address: str) -> str:
    """What is kept of an erased reader: enough to recognise the address, never to read it."""
    return hashlib.sha256((ERASED_LABEL + normalize(address)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One reader of the store."""

    address: str
    name: str
    status: Status
    since: float  # when the status came (Unix time)
    how: str  # how it came: "sign-up form", "import list.csv", "unsubscribe endpoint", ...
    created: float
    attributes: tuple[tuple[str, str], ...] = ()
    paused_until: float | None = None
    asked: float = 0.0  # when a confirmation message was last sent


@dataclass(frozen=True, slots=True)
class Change:
    """A reader to write: a new one, or a new status (and name, attributes) for a known one."""

    address: str
    status: Status
    how: str
    when: float
    name: str | None = None  # None keeps the stored name
    attributes: tuple[tuple[str, str], ...] | None = None  # None keeps the stored ones


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One status a reader had: when and how it came."""

    at: float
    status: Status
    how: str


# The columns `row_to_subscriber` reads, from subscribers s joined with pauses p.
COLUMNS = "s.address, s.name, s.status, s.since, s.how, s.created, s.attributes, p.until, s.asked"
FROM = "subscribers s LEFT JOIN pauses p ON p.address = s.address"


def row_to_subscriber(row: tuple[object, ...]) -> Subscriber:
    """A row of COLUMNS as a Subscriber."""
    address, name, status, since, how, created, attributes, until, asked = row
    pairs = tuple(sorted(json.loads(str(attributes)).items()))
    return Subscriber(
        str(address),
        str(name),
        Status(str(status)),
        float(since),  # type: ignore[arg-type]
        str(how),
        float(created),  # type: ignore[arg-type]
        pairs,
        None if until is None else float(until),  # type: ignore[arg-type]
        float(asked),  # type: ignore[arg-type]
    )
