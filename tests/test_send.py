"""One send end to end against aiosmtpd: journal, retries, reconnects, resume after SIGKILL."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest.config import Publication
from digest.delivery.journal import Journal, State
from digest.delivery.options import SendOptions, SendSummary
from digest.delivery.personalize import UNSUBSCRIBE_URL_MARKER
from digest.delivery.recipients import Recipient
from digest.delivery.send import send_edition
from digest.delivery.suppression import SuppressionList
from digest.delivery.transports.smtp import SmtpSettings, SmtpTransport
from digest.errors import ExitCode
from tests.smtp_server import FaultHandler, free_port, smtp_server

ENV = {"DIGEST_UNSUBSCRIBE_SECRET": "test-secret-0123456789"}
PUBLICATION = {
    "name": "Greenwatch",
    "from": "Desk <desk@news.example.org>",
    "unsubscribe": {"url": "https://news.example.org/u/{token}"},
}
TEXT = f"News.\nLeave: {UNSUBSCRIBE_URL_MARKER}\n"
HTML = f'<p>News.</p><a href="{UNSUBSCRIBE_URL_MARKER}">Leave</a>'
# Backoffs in milliseconds keep the suite fast.
FAST = SendOptions(
    retry_delay=0.005, reconnect_delay=0.005, date=datetime(2024, 11, 22, tzinfo=UTC)
)


def people(n: int) -> list[Recipient]:
    return [Recipient(f"r{i:03d}@example.org", f"Reader {i}") for i in range(n)]


def transport(port: int) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5))


def run(
    port: int,
    journal: Journal | None,
    recipients: list[Recipient],
    suppressions: SuppressionList | None = None,
    **options: Any,
) -> SendSummary:
    opts = dataclasses.replace(FAST, **options)
    return send_edition(
        Publication.model_validate(PUBLICATION),
        "2024-11-22",
        "Today",
        TEXT,
        HTML,
        recipients,
        transport(port),
        journal,
        opts,
        environ=ENV,
        suppressions=suppressions,
    )


def test_faults_are_sorted_into_sent_failed_and_retried(tmp_path: Path) -> None:
    handler = FaultHandler(
        reject={"r001@example.org"},
        defer_times={"r002@example.org": 1, "r003@example.org": 9},
        close_421={"r004@example.org": 1},
        drop_after_dot={"r005@example.org": 1},
    )
    with smtp_server(handler) as server, Journal(tmp_path / "j.sqlite") as journal:
        summary = run(server.port, journal, people(8))
        assert (summary.sent, summary.failed, summary.deferred) == (6, 1, 1)
        assert summary.exit_code == ExitCode.TEMPFAIL
        assert "550" in dict(summary.errors)["r001@example.org"]
        counts = journal.counts("2024-11-22")
        assert counts[State.SENT] == 6 and counts[State.FAILED] == 1
        assert counts[State.DEFERRED] == 1
        assert handler.count("r002@example.org") == 1  # 451 then success
        assert handler.count("r004@example.org") == 1  # 421, reconnect, success
        assert handler.count("r005@example.org") == 2  # the unknown window: one duplicate
        # A re-run sends only what is not sent.
        handler.defer_times.clear()
        again = run(server.port, journal, people(8))
        assert (again.sent, again.skipped, again.failed_earlier) == (1, 6, 1)
        assert again.exit_code == ExitCode.DELIVERY  # one recipient refused for good
        assert handler.count("r000@example.org") == 1


def test_repeated_connection_failure_stops_with_75_leaving_rest_pending(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        summary = run(free_port(), journal, people(5), max_reconnects=2)
        assert summary.exit_code == ExitCode.TEMPFAIL and summary.stopped
        assert journal.counts("2024-11-22")[State.PENDING] == 5


def test_dry_run_and_test_send_leave_the_journal_alone(tmp_path: Path) -> None:
    with smtp_server() as server, Journal(tmp_path / "j.sqlite") as journal:
        dry = run(server.port, journal, people(3), dry_run=True)
        assert dry.dry_run and server.handler.received == []
        assert journal.editions() == []
        test = run(server.port, None, [Recipient("me@example.org")])
        assert test.sent == 1 and journal.editions() == []


RUNNER = """
import sys
from pathlib import Path
from tests.test_send import run, people
from digest.delivery.journal import Journal
with Journal(Path(sys.argv[2])) as journal:
    summary = run(int(sys.argv[1]), journal, people(int(sys.argv[3])))
sys.exit(int(summary.exit_code))
"""


def test_sigkill_part_way_then_resume_sends_each_once(tmp_path: Path) -> None:
    total = 60
    journal_path = tmp_path / "journal.sqlite"
    handler = FaultHandler(delay=0.01)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with smtp_server(handler) as server:
        argv = [sys.executable, "-c", RUNNER, str(server.port), str(journal_path), str(total)]
        first = subprocess.Popen(argv, env=env)
        deadline = time.monotonic() + 30
        while len(handler.received) < total // 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        got_before = len(handler.received)
        assert 0 < got_before < total
        second = subprocess.run(argv, env=env, timeout=60, check=False)
        assert second.returncode == 0
        copies = [handler.count(r.email) for r in people(total)]
    assert all(c >= 1 for c in copies)
    assert sum(1 for c in copies if c == 2) <= 1 and max(copies) <= 2
    with Journal(journal_path) as journal:
        assert journal.counts("2024-11-22")[State.SENT] == total
