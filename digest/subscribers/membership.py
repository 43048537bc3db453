"""What readers can do to their subscription, on the store and the suppression list together.

The suppression list stays the one authority on who may not be mailed (every send checks it,
whatever the list); the store's status says the same in the reader's terms. A reader who proves
their mailbox (a confirmation link, a preference link) may come back after leaving: that is
fresh consent, so their suppression goes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from digest.delivery.suppression import Reason, SuppressionList
from digest.store.subscribers import Change, Status, Subscriber, SubscriberStore

logger = logging.getLogger(__name__)

WEEK_S = 7 * 24 * 3600
PAUSE_WEEKS = (1, 2, 4)
SIGNUP_HOW = "sign-up form"
CONFIRMED_HOW = "confirmed by the reader"
UNSUBSCRIBED_HOW = "unsubscribe link"
PREFERENCES_HOW = "preference page"
MOVED_HOW = "address changed by the reader"
# The store's status for each reason the suppression list gives.
STATUS_OF_REASON = {
    Reason.UNSUBSCRIBED: Status.UNSUBSCRIBED,
    Reason.MANUAL: Status.UNSUBSCRIBED,
    Reason.HARD_BOUNCE: Status.BOUNCED,
    Reason.SOFT_BOUNCES: Status.BOUNCED,
    Reason.COMPLAINT: Status.COMPLAINED,
}


class Standing(StrEnum):
    """Where a reader stands, as the preference page tells them."""

    RECEIVING = "receiving"
    PAUSED = "paused"
    LEFT = "left"  # unsubscribed (the page offers to come back)
    BLOCKED = "blocked"  # bounced or complained: only a new sign-up brings them back


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader as the preference page sees them: in the store or only on a list file."""

    address: str
    standing: Standing
    paused_until: float | None
    stored: Subscriber | None


class Membership:
    """The store and the suppression list of one publication, shared by the server's threads."""

    def __init__(self, store: SubscriberStore, suppressions: SuppressionList) -> None:
        self.store = store
        self.suppressions = suppressions

    def ask(self, address: str, name: str, *, now: float, wait_s: float) -> bool:
        """A sign-up: True when a confirmation message should go (never to a confirmed reader,
        and at most once per `wait_s` per address). The answer to the person is the same."""
        return self.store.ask(address, name, SIGNUP_HOW, now=now, wait_s=wait_s)

    def confirm(self, address: str, *, now: float, how: str = CONFIRMED_HOW) -> bool:
        """Confirm a reader (their click proves the mailbox); False when they already were."""
        current = self.store.get(address)
        if current is not None and current.status is Status.CONFIRMED:
            return False
        self.store.write([Change(address, Status.CONFIRMED, how, now)])
        self.suppressions.remove([address])
        logger.info("a reader confirmed their subscription")
        return True

    def unsubscribe(self, address: str, *, now: float, how: str = UNSUBSCRIBED_HOW) -> bool:
        """Suppress a reader (and mark them in the store); False when they were suppressed."""
        added = self.suppressions.add(address, Reason.UNSUBSCRIBED, source=how, when=now)
        current = self.store.get(address)
        if current is not None and current.status is not Status.UNSUBSCRIBED:
            self.store.write([Change(address, Status.UNSUBSCRIBED, how, now)])
        return added

    def pause(self, address: str, weeks: int, *, now: float) -> float:
        """Mail a reader nothing for `weeks` weeks; returns until when."""
        until = now + weeks * WEEK_S
        self.store.pause(address, until, when=now)
        return until

    def resume(self, address: str) -> None:
        """End a pause."""
        self.store.resume(address)

    def move(self, old: str, new: str, *, now: float) -> bool:
        """Move a stored reader to the address they proved; False when `old` is not stored."""
        if not self.store.move(old, new, MOVED_HOW, when=now):
            return False
        self.suppressions.remove([new])
        return True

    def reader(self, address: str, *, now: float) -> Reader:
        """What the preference page shows a reader."""
        stored = self.store.get(address)
        suppression = self.suppressions.get(address)
        paused = self.store.paused_until(address, now)
        if suppression is not None:
            status = STATUS_OF_REASON[suppression.reason]
            standing = Standing.LEFT if status is Status.UNSUBSCRIBED else Standing.BLOCKED
        elif stored is not None and stored.status is not Status.CONFIRMED:
            standing = Standing.LEFT
        else:
            standing = Standing.PAUSED if paused else Standing.RECEIVING
        return Reader(address, standing, paused, stored)
