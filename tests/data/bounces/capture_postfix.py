"""Regenerate postfix.mbox: real bounces written by Postfix for messages digest really sent.

Not run by the test suite (it needs a private Postfix instance). How postfix.mbox was made:

1. A Postfix 3.7 instance in /tmp/pfx with this main.cf (master.cf: Debian's, smtpd off):
       myhostname = mta.example.org          relayhost = [127.0.0.1]:2526
       maximal_queue_lifetime = 0            bounce_queue_lifetime = 0
       virtual_mailbox_domains = news.example.org
       virtual_mailbox_base = /tmp/pfx/mail  virtual_mailbox_maps = static:bounces.mbox
       virtual_uid_maps = static:65534       virtual_gid_maps = static:65534
   so every message is relayed to the aiosmtpd below, and every bounce for the sender
   digest@news.example.org lands in /tmp/pfx/mail/bounces.mbox. A queue lifetime of 0 makes
   Postfix give up after the first temporary failure, as it would after five days.
2. `PYTHONPATH=. python tests/data/bounces/capture_postfix.py`: the newsroom of
   tests/test_bounces.py sends its first edition to aiosmtpd; each captured message is
   handed to Postfix's sendmail; the relay refuses the readers below; Postfix writes its
   DSNs.
3. Copy /tmp/pfx/mail/bounces.mbox here as postfix.mbox.

Message-IDs are derived from edition and address, so the same newsroom sending the same
edition in the test gets the same Message-IDs the returned messages carry.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.newsroom import BOUNCE_READERS, EDITIONS, make_newsroom, send
from tests.smtp_server import FaultHandler, smtp_server

RELAY_PORT = 2526
POSTFIX_CONFIG = "/tmp/pfx/etc"
SENDER = "digest@news.example.org"
# The relay's answers, as a receiving server would give them.
REFUSALS = {
    "gone@example.org": "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown",
    "closed@example.net": "550 5.2.1 The email account that you tried to reach is disabled",
    "full@example.org": "452 4.2.2 The email account that you tried to reach is over quota",
}
FOREIGN = "stranger@example.org"  # a message digest never sent, refused too


class Relay(FaultHandler):
    async def handle_RCPT(  # type: ignore[override]
        self, server: object, session: object, envelope: object, address: str, options: list[str]
    ) -> str:
        if address in REFUSALS:
            return REFUSALS[address]
        if address == FOREIGN:
            return "550 5.1.1 <stranger@example.org>: Recipient address rejected: User unknown"
        return await super().handle_RCPT(server, session, envelope, address, options)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, smtp_server() as capture:
        newsroom = make_newsroom(Path(folder) / "news", capture.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
        sent = {rcpt: data for rcpt, data in capture.handler.received}
    relay = Controller(Relay(), hostname="127.0.0.1", port=RELAY_PORT)
    relay.start()
    try:
        for address in REFUSALS:
            returned = "hdrs" if address == "closed@example.net" else "full"
            subprocess.run(
                ["sendmail", "-C", POSTFIX_CONFIG, "-f", SENDER, "-R", returned, "-i", address],
                input=sent[address].replace(b"\r\n", b"\n"),
                check=True,
            )
        foreign = (
            f"From: Desk <{SENDER}>\nTo: {FOREIGN}\nSubject: Lunch?\n"
            "Message-ID: <lunch-1@desk.news.example.org>\n\nAre you free on Friday?\n"
        )
        subprocess.run(
            ["sendmail", "-C", POSTFIX_CONFIG, "-f", SENDER, "-i", FOREIGN],
            input=foreign.encode(),
            check=True,
        )
        time.sleep(15)  # pickup, cleanup, qmgr, smtp, bounce, virtual: a few seconds each
    finally:
        relay.stop()


if __name__ == "__main__":
    main()
