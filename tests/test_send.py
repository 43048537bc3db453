"""Sends end to end against real servers: faults, parallel connections, kills and resumes."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from digest.delivery.journal import Journal, State
from digest.delivery.options import SendSummary
from digest.delivery.recipients import Recipient
from digest.delivery.suppression import Reason, SuppressionList
from digest.errors import ExitCode
from tests import sink
from tests.send_runner import EDITION, people, run_send
from tests.smtp_server import FaultHandler, free_port, smtp_server

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "output" / "send"
RUNNER_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# A run that keeps failing the same way still ends; the matrix gives the fault this many runs.
MAX_FAULTY_RUNS = 4
MATRIX_RECIPIENTS = 12
MATRIX_CONNECTIONS = 4
# Short enough to keep "hang after the dot" quick, long enough for a busy machine.
MATRIX_TIMEOUT = 0.5


def test_faults_are_sorted_into_sent_failed_retried_and_unknown(tmp_path: Path) -> None:
    handler = FaultHandler(
        reject={"r001@example.org"},
        defer_times={"r002@example.org": 1, "r003@example.org": 9},
        close_421={"r004@example.org": 1},
        drop_after_dot={"r005@example.org": 1},
    )
    with smtp_server(handler) as server, Journal(tmp_path / "j.sqlite") as journal:
        summary = run_send(server.port, journal, people(8), connections=2)
        assert (summary.sent, summary.failed, summary.deferred, summary.unknown) == (5, 1, 1, 1)
        assert summary.exit_code == ExitCode.TEMPFAIL  # the deferred and the unknown
        assert "550" in dict(summary.errors)["r001@example.org"]
        counts = journal.counts(EDITION)
        assert (counts[State.SENT], counts[State.FAILED]) == (5, 1)
        assert (counts[State.DEFERRED], counts[State.UNKNOWN]) == (1, 1)
        assert handler.count("r002@example.org") == 1  # 451 then success
        assert handler.count("r004@example.org") == 1  # 421 at RCPT, reconnect, success
        assert handler.count("r005@example.org") == 1  # lost confirmation: not sent again now
        # A re-run sends the deferred one and the unknown one, once.
        handler.defer_times.clear()
        again = run_send(server.port, journal, people(8), connections=2)
        assert (again.sent, again.skipped, again.failed_earlier, again.resent) == (2, 5, 1, 1)
        assert again.exit_code == ExitCode.DELIVERY  # one recipient refused for good
        assert handler.count("r005@example.org") == 2  # its one duplicate
        third = run_send(server.port, journal, people(8), connections=2)
        assert third.nothing_to_send and handler.count("r005@example.org") == 2


def test_connections_share_one_queue_and_one_rate_limit(tmp_path: Path) -> None:
    handler = FaultHandler(delay=0.02)
    with smtp_server(handler) as server, Journal(tmp_path / "j.sqlite") as journal:
        started = time.monotonic()
        summary = run_send(server.port, journal, people(40), connections=4)
        parallel = time.monotonic() - started
        assert summary.sent == 40 and summary.connections == 4
        assert handler.connections == 4
        assert set(handler.copies().values()) == {1}
        assert parallel < 40 * 0.02  # one connection would need 0.8 s of server time alone
    handler = FaultHandler()
    with smtp_server(handler) as server:
        started = time.monotonic()
        limited = run_send(server.port, None, people(21), connections=4, rate=50)
        assert limited.sent == 21
        assert time.monotonic() - started >= 20 / 50 * 0.9  # 50/s over all four connections


def test_group_commits_need_fewer_transactions_than_messages(tmp_path: Path) -> None:
    with smtp_server() as server, Journal(tmp_path / "j.sqlite") as journal:
        summary = run_send(server.port, journal, people(300), connections=8)
    assert summary.sent == 300
    assert summary.journal_commits < summary.sent  # one claim per message, grouped


def test_journal_is_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "journal.sqlite"
    with smtp_server() as server, Journal(path) as journal:
        run_send(server.port, journal, people(2))
    for file in path.parent.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, file


def test_suppressed_addresses_are_skipped_counted_and_journaled(tmp_path: Path) -> None:
    with (
        smtp_server() as server,
        Journal(tmp_path / "j.sqlite") as journal,
        SuppressionList(tmp_path / "s.sqlite") as suppressions,
    ):
        suppressions.add("R001@example.org", Reason.UNSUBSCRIBED)
        summary = run(server.port, journal, people(3), suppressions=suppressions)
        assert (summary.sent, summary.suppressed) == (2, 1)
        assert server.handler.count("r001@example.org") == 0
        assert journal.counts(EDITION)[State.SUPPRESSED] == 1


def run(
    port: int,
    journal: Journal | None,
    recipients: list[Recipient],
    suppressions: SuppressionList | None = None,
    **options: Any,
) -> SendSummary:
    """One send to 127.0.0.1:port (other test modules use this helper)."""
    return run_send(port, journal, recipients, suppressions=suppressions, **options)


# --- the fault matrix: deliveries per recipient across re-runs ---------------------------------


def _matrix_runs(port: int, journal: Journal, on_unknown: str) -> list[int]:
    codes = []
    for _ in range(MAX_FAULTY_RUNS):
        summary = run_send(
            port,
            journal,
            people(MATRIX_RECIPIENTS),
            connections=MATRIX_CONNECTIONS,
            timeout=MATRIX_TIMEOUT,
            on_unknown=on_unknown,
        )
        codes.append(summary.exit_code)
        if summary.nothing_to_send:
            break
    return codes


def _row(
    server: str,
    fault: str,
    mode: str,
    copies: Counter[str],
    codes: list[int],
    recipients: int = MATRIX_RECIPIENTS,
) -> str:
    per = [copies.get(r.email, 0) for r in people(recipients)]
    histogram = Counter(per)
    return (
        f"| {server:<10} | {fault:<30} | {mode:<6} | {histogram[0]:>7} | {histogram[1]:>6} | "
        f"{histogram[2]:>6} | {max(per):>3} | {' '.join(map(str, codes)):<14} |"
    )


MATRIX: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _write_matrix() -> object:
    yield
    if MATRIX:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        header = (
            f"Deliveries per recipient ({MATRIX_RECIPIENTS} recipients, {MATRIX_CONNECTIONS} "
            "connections; the fault on every message until a run has nothing left to send, "
            "then one run without it; SIGKILL rows: 240 recipients, killed at a random point, "
            "then one run)\n\n"
            "| server     | fault                          | mode   | missing | 1 copy | 2 copies "
            "| max | exit codes     |\n|------------|--------------------------------|--------|--"
            "-------|--------|----------|-----|----------------|\n"
        )
        (OUTPUT / "fault-matrix.md").write_text(header + "\n".join(MATRIX) + "\n")


AIOSMTPD_FAULTS = {
    "drop after the dot": {"after_dot": "drop"},
    "hang after the dot": {"after_dot": "hang", "hang": 2.0},
    "421 after the dot": {"after_dot": "421"},
}


@pytest.mark.parametrize("mode", ["resend", "skip"])
@pytest.mark.parametrize("fault", list(AIOSMTPD_FAULTS))
def test_fault_matrix_aiosmtpd(tmp_path: Path, fault: str, mode: str) -> None:
    handler = FaultHandler(**AIOSMTPD_FAULTS[fault])  # type: ignore[arg-type]
    with smtp_server(handler) as server, Journal(tmp_path / "j.sqlite") as journal:
        codes = _matrix_runs(server.port, journal, mode)
        handler.after_dot = None  # the server is mended: one more run
        mended = run_send(server.port, journal, people(MATRIX_RECIPIENTS), on_unknown=mode)
        codes.append(mended.exit_code)
        copies = Counter(handler.copies())
    MATRIX.append(_row("aiosmtpd", fault, mode, copies, codes))
    per = [copies.get(r.email, 0) for r in people(MATRIX_RECIPIENTS)]
    assert min(per) >= 1  # nobody missing
    assert max(per) <= (2 if mode == "resend" else 1)  # at most one duplicate, ever


def test_fault_matrix_faults_before_the_dot_deliver_exactly_once(tmp_path: Path) -> None:
    everyone = [r.email for r in people(MATRIX_RECIPIENTS)]
    handler = FaultHandler(
        defer_times=dict.fromkeys(everyone, 1), close_421=dict.fromkeys(everyone, 1)
    )
    with smtp_server(handler) as server, Journal(tmp_path / "j.sqlite") as journal:
        codes = _matrix_runs(server.port, journal, "resend")
        copies = Counter(handler.copies())
    MATRIX.append(_row("aiosmtpd", "451, then 421 at RCPT", "resend", copies, codes))
    assert [copies[address] for address in everyone] == [1] * MATRIX_RECIPIENTS


SINK_FAULTS = {
    "drop after the dot (-q .)": ["-q", "."],
    "421 after the dot (-Q .)": ["-Q", "."],
    "hang after the dot (-W .:2)": ["-W", ".:2"],
}


@pytest.mark.skipif(not sink.available(), reason="smtp-sink (Debian package postfix) is absent")
@pytest.mark.parametrize("mode", ["resend", "skip"])
@pytest.mark.parametrize("fault", list(SINK_FAULTS))
def test_fault_matrix_smtp_sink(tmp_path: Path, fault: str, mode: str) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        with sink.smtp_sink(SINK_FAULTS[fault]) as faulty:
            codes = _matrix_runs(faulty.port, journal, mode)
            copies = faulty.copies()
        with sink.smtp_sink() as mended:
            last = run_send(mended.port, journal, people(MATRIX_RECIPIENTS), on_unknown=mode)
            codes.append(last.exit_code)
            copies += mended.copies()
    MATRIX.append(_row("smtp-sink", fault, mode, copies, codes))
    per = [copies.get(r.email, 0) for r in people(MATRIX_RECIPIENTS)]
    assert min(per) >= 1
    assert max(per) <= (2 if mode == "resend" else 1)


# --- processes that die ------------------------------------------------------------------------


def _runner(port: int, journal: Path, count: int, connections: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.send_runner",
        str(port),
        str(journal),
        str(count),
        "--connections",
        str(connections),
    ]


@pytest.mark.parametrize("connections", [1, 8])
def test_sigkill_at_a_random_point_then_resume(tmp_path: Path, connections: int) -> None:
    total = 240
    handler = FaultHandler(delay=0.004)
    journal_path = tmp_path / "journal.sqlite"
    with smtp_server(handler) as server:
        argv = _runner(server.port, journal_path, total, connections)
        first = subprocess.Popen(argv, env=RUNNER_ENV, cwd=ROOT)
        kill_at = random.randint(total // 5, total * 3 // 4)
        deadline = time.monotonic() + 60
        while len(handler.received) < kill_at and time.monotonic() < deadline:
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert 0 < len(handler.received) < total
        second = subprocess.run(argv, env=RUNNER_ENV, cwd=ROOT, timeout=120, check=False)
        assert second.returncode == 0
        time.sleep(0.1)
        copies = Counter(handler.copies())
    per = [copies.get(r.email, 0) for r in people(total)]
    duplicates = sum(count - 1 for count in per if count > 1)
    fault = f"SIGKILL after {kill_at}, {connections} conn."
    MATRIX.append(_row("aiosmtpd", fault, "resend", copies, [-9, 0], total))
    assert min(per) == 1, "a recipient was lost"
    assert max(per) <= 2 and duplicates <= connections
    with Journal(journal_path) as journal:
        assert journal.counts(EDITION)[State.SENT] == total


def test_ctrl_c_finishes_the_messages_in_hand_and_resumes_without_duplicates(
    tmp_path: Path,
) -> None:
    total = 200
    handler = FaultHandler(delay=0.01)
    journal_path = tmp_path / "journal.sqlite"
    with smtp_server(handler) as server:
        argv = _runner(server.port, journal_path, total, 4)
        first = subprocess.Popen(argv, env=RUNNER_ENV, cwd=ROOT)
        deadline = time.monotonic() + 60
        while len(handler.received) < total // 3 and time.monotonic() < deadline:
            time.sleep(0.002)
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=30) == 130
        with Journal(journal_path) as journal:
            counts = journal.counts(EDITION)
        assert counts[State.SENDING] == 0 and counts[State.UNKNOWN] == 0
        assert counts[State.SENT] == len(handler.received)  # every delivery was recorded
        second = subprocess.run(argv, env=RUNNER_ENV, cwd=ROOT, timeout=120, check=False)
        assert second.returncode == 0
        time.sleep(0.1)
    assert sorted(handler.copies().values()) == [1] * total


def test_unreachable_server_stops_with_75_leaving_everyone_pending(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        summary: SendSummary = run_send(free_port(), journal, people(5), max_reconnects=2)
        assert summary.exit_code == ExitCode.TEMPFAIL and summary.stopped
        assert summary.pending == 5
        assert journal.counts(EDITION)[State.PENDING] == 5


def test_dry_run_and_test_send_leave_the_journal_alone(tmp_path: Path) -> None:
    with smtp_server() as server, Journal(tmp_path / "j.sqlite") as journal:
        dry = run_send(server.port, journal, people(3), dry_run=True)
        assert dry.dry_run and server.handler.received == []
        assert journal.editions() == []
        test = run_send(server.port, None, people(1))
        assert test.sent == 1 and journal.editions() == []
