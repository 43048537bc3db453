"""A send in its own process, for tests that kill it: `python -m tests.send_runner ...`."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest.config import Publication
from digest.delivery.journal import Journal
from digest.delivery.options import SendOptions, SendSummary
from digest.delivery.personalize import UNSUBSCRIBE_URL_MARKER
from digest.delivery.recipients import Recipient
from digest.delivery.send import send_edition
from digest.delivery.suppression import SuppressionList
from digest.delivery.transports.smtp import SmtpSettings, SmtpTransport

ENV = {"DIGEST_UNSUBSCRIBE_SECRET": "test-secret-0123456789"}
PUBLICATION = {
    "name": "Greenwatch",
    "from": "Desk <desk@news.example.org>",
    "unsubscribe": {"url": "https://news.example.org/u/{token}"},
}
TEXT = f"News.\nLeave: {UNSUBSCRIBE_URL_MARKER}\n"
HTML = f'<p>News.</p><a href="{UNSUBSCRIBE_URL_MARKER}">Leave</a>'
EDITION = "2024-11-22"
# Backoffs in milliseconds keep the suite fast.
FAST = SendOptions(
    retry_delay=0.005,
    reconnect_delay=0.005,
    max_retry_delay=0.05,
    date=datetime(2024, 11, 22, tzinfo=UTC),
)


def people(n: int) -> list[Recipient]:
    """n recipients r000@example.org ..."""
    return [Recipient(f"r{i:03d}@example.org", f"Reader {i}") for i in range(n)]


def run_send(
    port: int,
    journal: Journal | None,
    recipients: list[Recipient],
    *,
    timeout: float = 5.0,
    suppressions: SuppressionList | None = None,
    **options: Any,
) -> SendSummary:
    """send_edition to 127.0.0.1:port; `connections` > 1 opens that many connections."""
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=timeout)

    def connect() -> SmtpTransport:
        return SmtpTransport(settings)

    return send_edition(
        Publication.model_validate(PUBLICATION),
        EDITION,
        "Today",
        TEXT,
        HTML,
        recipients,
        connect,
        journal,
        dataclasses.replace(FAST, **options),
        environ=ENV,
        suppressions=suppressions,
    )


def main() -> None:
    """Send to a port with a journal; the exit status is the summary's."""
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("journal", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--on-unknown", default="resend")
    args = parser.parse_args()
    with Journal(args.journal) as journal:
        summary = run_send(
            args.port,
            journal,
            people(args.count),
            connections=args.connections,
            on_unknown=args.on_unknown,
        )
    sys.exit(summary.exit_code)


if __name__ == "__main__":
    main()
