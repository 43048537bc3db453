"""Which send a report is about, and whether it proves it.

A report is proven when it quotes the bounce tag (digest.mail.tags) of a message the journal
says went to a reader: in the returned Message-ID, the tagged return path it was sent to, or
anywhere else in it. Only a copy of that message carries the tag, so a stranger cannot forge
one. Everything else (no returned headers, an older untagged Message-ID, a complaint quoting
no message, a tag that does not verify) is doubtful: the likely edition is worked out for the
editor to see, and nothing is done unless the editor says so.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.delivery.journal import Journal, State
from digest.mail.tags import edition_hint, verify_tag
from digest.subscribers.dsn import Failure, Report

# A bounce can only be about a message sent before it: allow for clocks a little out of step.
CLOCK_SLACK_S = 3600
# A lost confirmation (unknown) or a crash mid-send (sending) may still have been delivered.
DELIVERED_STATES = (State.SENT, State.SENDING, State.UNKNOWN)
# Message-IDs of sends before bounce tags: sha256(edition + newline + address), 32 hex digits.
LEGACY_MESSAGE_ID = re.compile(r"<([0-9a-f]{32})@[^>]+>")


@dataclass(frozen=True, slots=True)
class Proven:
    """The report quotes the tag of the message of `edition` sent to `address`."""

    edition: str
    address: str


@dataclass(frozen=True, slots=True)
class Doubtful:
    """Nothing proves the report; `edition` is the likely one ("" when none fits)."""

    address: str
    edition: str
    why: str
    reader: bool  # the journal holds a send to this address


def _day(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC")


class Verifier:
    """Checks reports against the journal with the publication's tag key."""

    def __init__(self, journal: Journal, key: bytes, addresses: set[str]) -> None:
        self.journal = journal
        self.key = key
        self.rows: dict[str, list[tuple[str, State, float]]] = defaultdict(list)
        for edition, address, state, updated in journal.deliveries_to(addresses):
            self.rows[address].append((edition, state, updated))
        self.by_hint: dict[str, list[str]] = defaultdict(list)
        for edition in journal.editions():
            self.by_hint[edition_hint(edition)].append(edition)
        self._forwarded: dict[tuple[str, str], str | None] = {}

    def editions_sent(self, address: str) -> list[str]:
        """The editions delivered to an address, oldest first."""
        return sorted(e for e, state, _ in self.rows.get(address, []) if state in DELIVERED_STATES)

    def check(self, failure: Failure, report: Report) -> Proven | Doubtful:
        """Proven when a tag in the report verifies for a send the journal holds."""
        for hint, mac in report.tags:
            for edition in self.by_hint.get(hint, ()):
                for address in failure.addresses:
                    sent = any(e == edition for e, _, _ in self.rows.get(address, []))
                    if sent and verify_tag(self.key, mac, edition, address):
                        return Proven(edition, address)
        for hint, mac in report.tags:  # forwarded: the tag names another address of ours
            for edition in self.by_hint.get(hint, ()):
                reader = self._reader_with(edition, mac)
                if reader is not None:
                    return Proven(edition, reader)
        return self._doubt(failure, report)

    def _reader_with(self, edition: str, mac: str) -> str | None:
        """The reader of `edition` whose tag `mac` is (one pass over that edition's list)."""
        if (edition, mac) not in self._forwarded:
            self._forwarded[(edition, mac)] = next(
                (
                    address
                    for address in self.journal.states(edition)
                    if verify_tag(self.key, mac, edition, address)
                ),
                None,
            )
        return self._forwarded[(edition, mac)]

    def _doubt(self, failure: Failure, report: Report) -> Doubtful:
        address = next((a for a in failure.addresses if a in self.rows), None)
        if address is None:
            shown = failure.addresses[0]
            if report.message_id:
                why = f"the returned message {report.message_id} is not from a send in the journal"
            else:
                why = "no send in the journal went to this address"
            return Doubtful(shown, "", why, reader=False)
        legacy = self._legacy_edition(address, report.message_id)
        if report.tags:
            why = "its bounce tag does not verify (forged, or signed with another secret)"
        elif legacy:
            why = (
                f"its Message-ID {report.message_id} has the format of sends before bounce "
                "tags, which anyone can compute"
            )
        elif report.format == "arf":
            why = "the complaint quotes no message we sent to this reader"
        elif report.message_id:
            why = f"the returned message {report.message_id} is not one we sent to this reader"
        else:
            why = "it returned no headers of our message and names no tagged return path"
        edition, note = (legacy, "") if legacy else self._likely(address, report.date)
        return Doubtful(address, edition, why + note, reader=True)

    def _legacy_edition(self, address: str, message_id: str | None) -> str:
        found = LEGACY_MESSAGE_ID.fullmatch(message_id or "")
        if found is None:
            return ""
        for edition, _, _ in self.rows[address]:
            seed = f"{edition}\n{address}".encode()
            if hashlib.sha256(seed).hexdigest()[:32] == found.group(1):
                return edition
        return ""

    def _likely(self, address: str, date: float | None) -> tuple[str, str]:
        """The newest edition delivered to the address before the report, and a note if none."""
        sent = [(u, e) for e, state, u in self.rows[address] if state in DELIVERED_STATES]
        if not sent:
            return "", "; no edition was delivered to this address"
        latest = date + CLOCK_SLACK_S if date is not None else float("inf")
        before = [item for item in sent if item[0] <= latest]
        if before:
            return max(before)[1], ""
        assert date is not None
        return "", (
            f"; it is dated {_day(date)}, before the first send to this address "
            f"({_day(min(sent)[0])}): a clock is out of step, or it is not about our mail"
        )
