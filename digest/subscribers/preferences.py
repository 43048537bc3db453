"""The preference page, `/p/<token>` (every footer links it), and `/change/<token>`.

A reader pauses for 1, 2 or 4 weeks (any reader: the pause is checked by every send, list file
or store), resumes, unsubscribes, comes back, or moves to a new address: the move happens only
when the new address's owner opens the link sent there and presses its button.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_date

from digest.delivery.recipients import check_address
from digest.delivery.tokens import Purpose
from digest.mail.i18n import babel_locale
from digest.subscribers.context import ServerContext
from digest.subscribers.http import Request, Response
from digest.subscribers.limits import SlidingWindow
from digest.subscribers.mailer import confirmation_message
from digest.subscribers.membership import PAUSE_WEEKS, PREFERENCES_HOW, Standing

logger = logging.getLogger(__name__)

PREFERENCES_PROOF = "preferences"
CHANGE_PROOF = "change"
DAY_S = 24 * 3600.0
# Confirmations to new addresses one reader may ask for in a day.
MOVES_PER_DAY = 3


class Preferences:
    """The preference page and the change of address."""

    def __init__(self, context: ServerContext) -> None:
        self.context = context
        self.moves = SlidingWindow(MOVES_PER_DAY, DAY_S)

    def page(self, request: Request, token: str) -> Response:
        """GET: the settings. POST (from that page): one action."""
        context = self.context
        check = context.read(token, Purpose.READER)
        refused = context.refusal(check)
        if refused is not None or check.address is None:
            return refused or context.page("invalid", 400)
        address = check.address
        if request.method != "POST":
            return self._show(address, token)
        if request.too_large:
            return context.page("too_large", 413)
        fields = request.form()
        if not context.proven(PREFERENCES_PROOF, token, fields.get("proof", "")):
            return self._show(address, token, status=400)
        return self._act(address, token, fields.get("action", ""), fields.get("new_email", ""))

    def _act(self, address: str, token: str, action: str, new_email: str) -> Response:
        context, membership = self.context, self.context.membership
        now = context.clock()
        _ = context.gettext
        if action.startswith("pause-") and action[6:].isdigit() and int(action[6:]) in PAUSE_WEEKS:
            until = membership.pause(address, int(action[6:]), now=now)
            notice = _("Paused: nothing comes until %(date)s.") % {"date": self._date(until)}
        elif action == "resume":
            membership.resume(address)
            notice = _("Resumed: the next edition will come.")
        elif action == "unsubscribe":
            membership.unsubscribe(address, now=now, how=PREFERENCES_HOW)
            notice = _("Unsubscribed: no more editions will come.")
        elif action == "resubscribe":
            membership.confirm(address, now=now, how=PREFERENCES_HOW)
            notice = _("Welcome back: the next edition will come.")
        elif action == "change":
            return self._ask_move(address, token, new_email)
        else:
            return self._show(address, token, status=400)
        return self._show(address, token, notice=notice)

    def _ask_move(self, address: str, token: str, new_email: str) -> Response:
        context = self.context
        try:
            new = check_address(new_email)
        except ValueError:
            notice = context.gettext(
                "That does not look like an email address. Check it and try again."
            )
            return self._show(address, token, status=400, notice=notice)
        if context.membership.store.get(address) is None:
            return self._show(address, token, status=400)
        if self.moves.allow(address):
            change = context.make(Purpose.CHANGE, address, new_address=new)
            message = confirmation_message(
                context.publication,
                context.strings,
                to=new,
                name="",
                url=f"{context.base}change/{change}",
                hours=context.publication.readers.confirm_hours,
                old_address=address,
            )
            context.mailer.post(message)
        return context.page("change_sent", address=new)

    def change(self, request: Request, token: str) -> Response:
        """GET: the page asking to move. POST (from that page): moved."""
        context = self.context
        check = context.read(token, Purpose.CHANGE)
        refused = context.refusal(check)
        if refused is not None or check.address is None or not check.new_address:
            return refused or context.page("invalid", 400)
        old, new = check.address, check.new_address
        values: dict[str, Any] = {
            "address": new,
            "old_address": old,
            "proof": context.proof(CHANGE_PROOF, token),
        }
        if request.method != "POST":
            return context.page("change", **values)
        if request.too_large:
            return context.page("too_large", 413)
        if not context.proven(CHANGE_PROOF, token, request.form().get("proof", "")):
            return context.page("change", status=400, **values)
        if not context.membership.move(old, new, now=context.clock()):
            return context.page("invalid", 400)
        logger.info("a reader moved to a new address")
        return context.page("changed", address=new)

    def _show(self, address: str, token: str, *, status: int = 200, notice: str = "") -> Response:
        context = self.context
        _ = context.gettext
        reader = context.membership.reader(address, now=context.clock())
        if reader.standing is Standing.PAUSED and reader.paused_until is not None:
            standing = _("Paused: nothing comes until %(date)s.") % {
                "date": self._date(reader.paused_until)
            }
        elif reader.standing is Standing.RECEIVING:
            standing = _("You receive every edition.")
        else:
            standing = _("You receive nothing from us now.")
        return context.page(
            "preferences",
            status,
            address=address,
            standing=standing,
            notice=notice,
            proof=context.proof(PREFERENCES_PROOF, token),
            paused=reader.standing is Standing.PAUSED,
            unsubscribed=reader.standing in (Standing.LEFT, Standing.BLOCKED),
            can_move=reader.stored is not None,
        )

    def _date(self, moment: float) -> str:
        publication = self.context.publication
        day = datetime.fromtimestamp(moment, UTC).astimezone(publication.tz).date()
        return str(format_date(day, format="long", locale=babel_locale(publication.language)))
