"""Real Postfix DSNs for messages digest really sent: digest -> Postfix -> a refusing next hop.

The next hop (aiosmtpd) refuses some readers the way receiving servers do; the private Postfix
(tests/postfix_relay.py) gives up at once and writes its delivery status notifications, which
it relays to the envelope sender through the same next hop, where they are collected as an mbox.
"""

from __future__ import annotations

import mailbox
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import postfix_relay
from tests.smtp_server import FaultHandler

# The next hop's answers, as a receiving server gives them.
REFUSALS = {
    "gone@example.org": "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown",
    "closed@example.net": "550 5.2.1 The email account that you tried to reach is disabled",
    "full@example.org": "452 4.2.2 The email account that you tried to reach is over quota",
    "stranger@example.org": "550 5.1.1 <stranger@example.org>: Recipient address rejected",
}
# Pickup, cleanup, qmgr, smtp, bounce, smtp again: a few seconds on a loaded machine.
DSN_DEADLINE_S = 90.0
SENDMAIL = "/usr/sbin/sendmail"


@dataclass
class RefusingHop(FaultHandler):
    """Refuses REFUSALS' readers; keeps every message with its envelope sender."""

    envelopes: list[tuple[str, str, bytes]] = field(default_factory=list)  # (from, to, data)

    async def handle_RCPT(  # type: ignore[override]
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in REFUSALS:
            return REFUSALS[address]
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.envelopes.append(
                (envelope.mail_from, envelope.rcpt_tos[0], bytes(envelope.original_content))
            )
        return await super().handle_DATA(server, session, envelope)

    def reports(self) -> list[tuple[str, bytes]]:
        """(envelope recipient, message) of every bounce that came back (MAIL FROM:<>)."""
        with self.lock:
            return [(to, data) for sender, to, data in self.envelopes if sender in ("", "<>")]


def wait_for_reports(hop: RefusingHop, count: int) -> list[tuple[str, bytes]]:
    """The bounces, once `count` have arrived (or the deadline passed)."""
    deadline = time.monotonic() + DSN_DEADLINE_S
    while len(hop.reports()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return hop.reports()


def inject(relay: postfix_relay.Relay, sender: str, recipient: str, data: bytes, ret: str) -> None:
    """Hand one message to the private Postfix's sendmail (RET=FULL or HDRS)."""
    subprocess.run(
        [SENDMAIL, "-C", str(relay.folder), "-f", sender, "-R", ret, "-i", recipient],
        input=data.replace(b"\r\n", b"\n"),
        check=True,
        timeout=postfix_relay.COMMAND_TIMEOUT,
    )


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    """A new mbox of these messages, in this order (replacing any file there)."""
    path.unlink(missing_ok=True)
    box = mailbox.mbox(path)
    for data in messages:
        box.add(data)
    box.flush()
    box.close()
    return path
