"""The suppression list: private, batched, and honoured by every send to a real SMTP server."""

from __future__ import annotations

import stat
from pathlib import Path

from digest.delivery.journal import Journal, State
from digest.delivery.suppression import QUERY_BATCH, Reason, SuppressionList
from tests.smtp_server import FaultHandler, smtp_server
from tests.test_send import people, run


def test_the_list_file_is_private_and_keeps_the_first_reason(tmp_path: Path) -> None:
    path = tmp_path / ".digest" / "subscribers.sqlite"
    with SuppressionList(path) as suppressions:
        assert suppressions.add(" Ann@Example.org ", Reason.UNSUBSCRIBED, source="endpoint")
        assert not suppressions.add("ann@example.org", Reason.HARD_BOUNCE)
        entry = suppressions.get("ANN@example.org")
    assert entry is not None
    assert (entry.address, entry.reason, entry.source) == (
        "ann@example.org",
        Reason.UNSUBSCRIBED,
        "endpoint",
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_lookups_cover_lists_longer_than_one_query(tmp_path: Path) -> None:
    addresses = [f"r{n}@example.org" for n in range(QUERY_BATCH * 2 + 7)]
    with SuppressionList(tmp_path / "s.sqlite") as suppressions:
        suppressions.add(addresses[3], Reason.MANUAL)
        suppressions.add(addresses[-1].upper(), Reason.COMPLAINT)
        assert suppressions.suppressed(addresses) == {addresses[3], addresses[-1]}
        assert suppressions.counts()[Reason.COMPLAINT] == 1


def test_a_send_never_mails_a_suppressed_address(tmp_path: Path) -> None:
    handler = FaultHandler()
    recipients = people(5)
    with (
        smtp_server(handler) as server,
        Journal(tmp_path / "j.sqlite") as journal,
        SuppressionList(tmp_path / "s.sqlite") as suppressions,
    ):
        suppressions.add("R001@example.org", Reason.UNSUBSCRIBED)
        suppressions.add("r003@example.org", Reason.HARD_BOUNCE)
        summary = run(server.port, journal, recipients, suppressions=suppressions)
        assert (summary.sent, summary.suppressed) == (3, 2)
        assert handler.count("r001@example.org") == 0
        assert handler.count("r003@example.org") == 0
        assert journal.counts("2024-11-22")[State.SENT] == 3
