"""Confirmation messages (a sign-up, a new address), sent through the publication's transport.

The server answers a sign-up at once and the same way for every address; the message goes out
from a queue on a worker thread, so how long a transport takes (or whether a message goes at
all: never to a reader already confirmed) cannot be read off the answer's timing.
"""

from __future__ import annotations

import html
import logging
import queue
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formataddr
from pathlib import Path

from digest.config import Publication
from digest.delivery.transports import (
    ConnectionLost,
    TemporaryFailure,
    TransportError,
    create_transport,
)
from digest.mail.i18n import Strings
from digest.mail.message import build_message, parse_address
from digest.subscribers.worker import Worker

logger = logging.getLogger(__name__)

# Messages waiting to go; past this a sign-up flood is dropped (the person can try again).
QUEUE_LIMIT = 1_000
# A temporary failure is tried again this many times, this long apart.
RETRIES = 2
RETRY_DELAY_S = 5.0
# How long closing the server waits for the queue to empty.
DRAIN_TIMEOUT_S = 10.0
AUTO_SUBMITTED = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no vacation replies


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: the envelope recipient and the bytes."""

    recipient: str
    data: bytes


def confirmation_message(
    publication: Publication,
    strings: Strings,
    *,
    to: str,
    name: str,
    url: str,
    hours: int,
    old_address: str = "",
) -> Outgoing:
    """The message with the confirmation link: a sign-up, or (`old_address`) a new address."""
    _ = strings.gettext
    values = {"name": publication.name, "hours": hours, "old": old_address}
    if old_address:
        subject = _("Confirm your new address for %(name)s") % values
        ask = (
            _(
                "Someone, probably you, asked to receive %(name)s at this address instead of "
                "%(old)s. To confirm, open this link and press the button:"
            )
            % values
        )
    else:
        subject = _("Confirm your subscription to %(name)s") % values
        ask = (
            _(
                "Someone, probably you, asked to receive %(name)s at this address. To confirm, "
                "open this link and press the button:"
            )
            % values
        )
    lifetime = _("The link works for %(hours)s hours.") % values
    ignore = _("If you did not ask for this, ignore this message: nothing more will come.")
    button = _("Confirm")
    text = f"{ask}\n\n{url}\n\n{lifetime} {ignore}\n"
    page = (
        f'<!doctype html><html lang="{html.escape(publication.language)}" '
        f'dir="{publication.direction}"><head><meta charset="utf-8"><title>'
        f'{html.escape(subject)}</title></head><body style="font-family:Helvetica,Arial,'
        f'sans-serif;font-size:16px;line-height:1.5"><p>{html.escape(ask)}</p><p><a '
        f'href="{html.escape(url)}" style="display:inline-block;padding:10px 20px;'
        f"background:{publication.brand.color};color:#ffffff;text-decoration:none;"
        f'border-radius:4px">{html.escape(button)}</a></p><p style="font-size:14px">'
        f"{html.escape(url)}</p><p>{html.escape(lifetime)} {html.escape(ignore)}</p>"
        "</body></html>"
    )
    message = build_message(
        sender=publication.from_address,
        to=formataddr((name, to)) if name else to,
        subject=subject,
        text=text,
        html=page,
        date=datetime.now(UTC),
        id_seed=f"confirm\n{to}\n{url}\n{time.time()}",
        reply_to=publication.reply_to,
        extra_headers=AUTO_SUBMITTED,
    )
    return Outgoing(to, message.as_bytes())


class Mailer:
    """A queue and one worker thread sending through `[delivery] transport`.

    The thread starts on the first message in each process (a server that forks workers
    gets one per worker).
    """

    def __init__(self, publication: Publication, root: Path, environ: Mapping[str, str]) -> None:
        self.publication = publication
        self.root = root
        self.environ = dict(environ)
        self.sender = parse_address(publication.from_address, "From address").addr_spec
        self._queue: queue.Queue[Outgoing | None] = queue.Queue(QUEUE_LIMIT)
        self._worker = Worker("digest-mailer", self._run)
        self.sent = 0
        self.failed = 0

    def post(self, message: Outgoing) -> bool:
        """Queue a message; False (and logged) when the queue is full."""
        self._worker.ensure()
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            logger.warning("the confirmation queue is full; a message was dropped")
            return False
        return True

    def _run(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                self._deliver(message)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _deliver(self, message: Outgoing) -> None:
        delivery = self.publication.delivery
        for attempt in range(RETRIES + 1):
            try:
                transport = create_transport(delivery.transport, delivery, self.root, self.environ)
                try:
                    transport.open()
                    transport.send(self.sender, message.recipient, message.data, lambda: None)
                finally:
                    transport.close()
                self.sent += 1
                return
            except TransportError as error:
                logger.warning("a confirmation message was not sent: %s", error.message)
                temporary = isinstance(error, TemporaryFailure | ConnectionLost)
                if not temporary or attempt == RETRIES:
                    break
                time.sleep(RETRY_DELAY_S)
            except Exception:
                logger.exception("a confirmation message was not sent")
                break
        self.failed += 1

    def drain(self, timeout: float = DRAIN_TIMEOUT_S) -> bool:
        """Wait until every queued message was tried; False after `timeout`."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        """Send what is queued (up to DRAIN_TIMEOUT_S), then stop the worker."""
        if not self._worker.running:
            return
        self.drain()
        self._queue.put(None)
        self._worker.join(DRAIN_TIMEOUT_S)
