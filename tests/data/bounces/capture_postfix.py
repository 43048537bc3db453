"""Regenerate postfix.mbox: real bounces written by Postfix for messages digest really sent.

Not run by the test suite (tests/test_reliability_reports.py does the same live, when Postfix
can run). Run as root, with Debian's postfix installed, from the repository:

    PYTHONPATH=. .venv/bin/python tests/data/bounces/capture_postfix.py

The newsroom of tests/test_bounces.py sends its first edition to aiosmtpd; four captured
messages are handed to a private Postfix (tests/postfix_relay.py, queue lifetimes of 0) whose
next hop refuses those readers (tests/bounce_relay.py): a hard 5.1.1 returning the whole
message, a hard 5.2.1 returning headers only (RET=HDRS), a soft 4.2.2, and a message digest
never sent (a note from the desk to a stranger). Postfix's four DSNs come back through the
same next hop and are written to postfix.mbox here.

Message-IDs carry a bounce tag derived from edition, address and the newsroom's test secret,
so the same newsroom sending the same edition in the tests gets the Message-IDs the returned
messages carry.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests import bounce_relay, postfix_relay
from tests.newsroom import BOUNCE_READERS, EDITIONS, make_newsroom, send
from tests.sink import free_port
from tests.smtp_server import smtp_server

SENDER = "digest@news.example.org"
FOREIGN = (
    f"From: Desk <{SENDER}>\nTo: stranger@example.org\nSubject: Lunch?\n"
    "Message-ID: <lunch-1@desk.news.example.org>\n\nAre you free on Friday?\n"
).encode()
OUT = Path(__file__).with_name("postfix.mbox")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, smtp_server() as capture:
        newsroom = make_newsroom(Path(folder) / "news", capture.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
        sent = dict(capture.handler.received)
    hop = bounce_relay.RefusingHop()
    with (
        smtp_server(hop) as next_hop,
        postfix_relay.postfix_relay(
            free_port(), next_hop.port, postfix_relay.BOUNCE_AT_ONCE
        ) as relay,
    ):
        for address in ("gone@example.org", "closed@example.net", "full@example.org"):
            ret = "hdrs" if address == "closed@example.net" else "full"
            bounce_relay.inject(relay, SENDER, address, sent[address], ret)
        bounce_relay.inject(relay, SENDER, "stranger@example.org", FOREIGN, "full")
        reports = bounce_relay.wait_for_reports(hop, 4)
    assert len(reports) == 4, f"only {len(reports)} bounces came back"
    bounce_relay.write_mbox(OUT, [data for _, data in reports])
    print(f"wrote {len(reports)} Postfix bounces to {OUT}")


if __name__ == "__main__":
    main()
