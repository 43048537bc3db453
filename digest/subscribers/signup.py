"""Sign-up with double opt-in: `/subscribe` (form and POST) and `/confirm/<token>`.

POST /subscribe answers every well-formed address the same way ("check your inbox"), whether
it is new, pending or long confirmed, and at once: the confirmation goes from a queue, and only
to readers not confirmed yet, at most once per `[readers] resend_minutes` per address. Clients
are held to `[readers] signups_per_ip_hour`. The confirmation link opens a page whose button
POSTs; a scanner's GET of the link confirms nobody. A sign-up never confirmed is forgotten a
week on (imported pending readers are not: the editor brought them).
"""

from __future__ import annotations

import logging

from digest.delivery.recipients import check_address, check_value
from digest.delivery.tokens import Purpose
from digest.subscribers.context import ServerContext
from digest.subscribers.http import Request, Response
from digest.subscribers.limits import SlidingWindow
from digest.subscribers.mailer import confirmation_message
from digest.subscribers.membership import SIGNUP_HOW

logger = logging.getLogger(__name__)

HOUR_S = 3600.0
DAY_S = 24 * HOUR_S
# However the minutes between messages are set, no address gets more than this many a day.
MAX_MESSAGES_PER_ADDRESS_DAY = 5
# Names longer than this are not a person's; they are dropped, the sign-up goes on.
MAX_NAME_CHARS = 100
HONEYPOT_FIELD = "website"
# A sign-up never confirmed is forgotten after its link expired and this much more (or a
# week, whichever is longer); the check runs at most once an hour.
PENDING_GRACE_S = DAY_S
MIN_PENDING_KEEP_S = 7 * DAY_S
PURGE_EVERY_S = HOUR_S
CONFIRM_PROOF = "confirm"


class Signup:
    """The sign-up form, its POST, and the confirmation page."""

    def __init__(self, context: ServerContext) -> None:
        self.context = context
        readers = context.publication.readers
        self.per_client = SlidingWindow(readers.signups_per_ip_hour, HOUR_S)
        self.per_address = SlidingWindow(MAX_MESSAGES_PER_ADDRESS_DAY, DAY_S)
        self._purged = 0.0

    def subscribe(self, request: Request) -> Response:
        """GET: the form. POST: a sign-up (email, name)."""
        context = self.context
        if not context.publication.readers.signup or not context.base:
            return context.page("signup_closed", 404)
        if request.method != "POST":
            return context.page("signup")
        if request.too_large:
            return context.page("too_large", 413)
        fields = request.form()
        try:
            address = check_address(fields.get("email", ""))
        except ValueError:
            return context.page("signup_invalid", 400, address=fields.get("email", "")[:254])
        if not self.per_client.allow(request.client):
            logger.info("a client went over the sign-up limit")
            return context.page("busy", 429)
        if not fields.get(HONEYPOT_FIELD) and self.per_address.allow(address.lower()):
            self._ask(address, _name(fields.get("name", "")))
        return context.page("signup_sent", address=address)

    def _ask(self, address: str, name: str) -> None:
        context = self.context
        readers = context.publication.readers
        now = context.clock()
        if now - self._purged > PURGE_EVERY_S:
            self._purged = now
            keep = max(readers.confirm_hours * HOUR_S + PENDING_GRACE_S, MIN_PENDING_KEEP_S)
            forgotten = context.membership.store.purge_pending(SIGNUP_HOW, now - keep)
            if forgotten:
                logger.info("forgot %d sign-ups that were never confirmed", forgotten)
        if not context.membership.ask(address, name, now=now, wait_s=readers.resend_minutes * 60):
            return
        token = context.make(Purpose.CONFIRM, address)
        message = confirmation_message(
            context.publication,
            context.strings,
            to=address,
            name=name,
            url=f"{context.base}confirm/{token}",
            hours=readers.confirm_hours,
        )
        context.mailer.post(message)

    def confirm(self, request: Request, token: str) -> Response:
        """GET: the page with the button. POST (from that page): confirmed."""
        context = self.context
        check = context.read(token, Purpose.CONFIRM)
        refused = context.refusal(check)
        if refused is not None or check.address is None:
            return refused or context.page("invalid", 400)
        address = check.address
        if request.method != "POST":
            return context.page(
                "confirm", address=address, proof=context.proof(CONFIRM_PROOF, token)
            )
        if request.too_large:
            return context.page("too_large", 413)
        if not context.proven(CONFIRM_PROOF, token, request.form().get("proof", "")):
            return context.page(
                "confirm", 400, address=address, proof=context.proof(CONFIRM_PROOF, token)
            )
        context.membership.confirm(address, now=context.clock())
        return context.page(
            "confirmed", address=address, preferences_url=context.preferences_url(address)
        )


def _name(value: str) -> str:
    """The name a person typed, or '' when it cannot go into a To header."""
    name = " ".join(value.split())
    if len(name) > MAX_NAME_CHARS or check_value("name", name):
        return ""
    return name
