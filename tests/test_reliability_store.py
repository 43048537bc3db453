"""Red-team cases of the storage round, as tests: no confirmed unsubscribe is ever lost.

The endpoint runs in its own process under waitress (4 threads) and under gunicorn
(`--threads 4`), while three more processes run `digest subscribers list`, `digest bounces
import` and `digest send` over and over; 40 readers POST one-click unsubscribes meanwhile. Every
reader told "unsubscribed" must be on the list afterwards and must get nothing from the next
send. (Before the store, 37 of 40 were lost: each thread's first open closed a descriptor of the
live database, which dropped the process's locks, and another process removed the WAL.)
Bounded: each server's run takes about 10 s.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_publication
from digest.delivery.personalize import list_id_for
from digest.delivery.tokens import make_token
from digest.errors import ExitCode
from tests.newsroom import ENV, READERS, SECRET, Newsroom, make_newsroom, send
from tests.sink import wait_for_port
from tests.smtp_server import FaultHandler, free_port, smtp_server
from tests.test_unsubscribe_endpoint import suppressed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LEAVING = tuple(f"leave{n:02d}@example.org" for n in range(40))
STAYING = tuple(f"stay{n:02d}@example.org" for n in range(10))
# The unsubscribes come over this long, so the other processes' runs fall among them.
SPREAD_S = 3.0
CLIENTS = 8
HTTP_TIMEOUT_S = 15.0
# Every wait of the test is bounded.
READY_TIMEOUT_S = 30.0
CHURN_LIMIT_S = 60.0
STOP_TIMEOUT_S = 30.0
TOLD = ("You are unsubscribed", "You are already unsubscribed")
# An RFC 3464 report for an address no send went to: the import reads both files, and matches
# nothing (what it makes of it is the bounce import's business, not this test's).
DSN = """\
From MAILER-DAEMON Fri Nov 22 06:00:00 2024
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: digest@news.example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

The mail could not be delivered.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; stranger@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 no such user

--b--
"""


def _servers(root: Path, port: int) -> dict[str, list[str]]:
    return {
        "waitress": [
            str(BIN / "digest"),
            "serve-unsubscribe",
            "--dir",
            str(root),
            "--port",
            str(port),
            "--threads",
            "4",
        ],
        "gunicorn": [
            str(BIN / "gunicorn"),
            "--workers",
            "1",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "2",
            "digest.subscribers.app:create_app()",
        ],
    }


def _environment(root: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DIGEST_PUBLICATION": str(root),
        **ENV,
    }


@contextmanager
def _process(
    args: list[str], environment: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(args, env=environment, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Wait for a process told to stop; kill it if it does not, in bounded time."""
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@dataclass(frozen=True)
class Churn:
    """The other processes: each runs one digest command in a loop until `stop` exists."""

    ready: tuple[Path, ...]
    stop: Path
    processes: tuple[subprocess.Popen[bytes], ...]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not all(path.exists() for path in self.ready):
            assert all(p.poll() is None for p in self.processes), "a churn process died"
            assert time.monotonic() < deadline, "the churn processes did not start"
            time.sleep(0.05)

    def finish(self) -> list[dict[str, object]]:
        self.stop.touch()
        reports = []
        for process in self.processes:
            out, _ = process.communicate(timeout=STOP_TIMEOUT_S)
            reports.append(json.loads(out.decode().strip().splitlines()[-1]))
        return reports


@contextmanager
def _churning(newsroom: Newsroom, folder: Path, environment: dict[str, str]) -> Iterator[Churn]:
    mbox = folder / "bounces.mbox"
    mbox.write_text(DSN, encoding="utf-8")
    root = str(newsroom.root)
    commands = (
        ["subscribers", "list", "--dir", root],
        ["bounces", "import", str(mbox), "--dir", root],
        ["send", str(newsroom.edition("2024-11-23")), "--to", str(newsroom.recipients), "--yes"],
    )
    stop = folder / "stop"
    ready = tuple(folder / f"ready-{n}" for n in range(len(commands)))
    processes = []
    try:
        for marker, command in zip(ready, commands, strict=True):
            args = [sys.executable, "-m", "tests.store_churn", str(marker), str(stop)]
            processes.append(
                subprocess.Popen(
                    [*args, str(CHURN_LIMIT_S), "--", *command],
                    env=environment,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield Churn(ready, stop, tuple(processes))
    finally:
        stop.touch()
        for process in processes:
            _stop(process)


def _unsubscribe(url: str, at: float) -> tuple[int, str]:
    """POST a one-click unsubscribe at the moment `at` (time.monotonic())."""
    time.sleep(max(0.0, at - time.monotonic()))
    request = urllib.request.Request(
        url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_every_confirmed_unsubscribe_is_kept_and_honoured(server: str, tmp_path: Path) -> None:
    if server == "gunicorn" and not (BIN / "gunicorn").exists():
        pytest.skip("gunicorn is not installed (it is in the test extra)")
    port = free_port()
    with smtp_server() as smtp:
        newsroom = make_newsroom(
            tmp_path / "news",
            smtp.port,
            unsubscribe_url=f"http://127.0.0.1:{port}/unsubscribe?token={{token}}",
            readers=LEAVING + STAYING,
        )
        shutil.copy(newsroom.edition("2024-11-23"), newsroom.edition("2024-11-24"))
        send(newsroom, "2024-11-22")  # the journal exists before the churn starts
        list_id = list_id_for(load_publication(newsroom.root / "digest.toml"))
        urls = [
            f"http://127.0.0.1:{port}/unsubscribe?token={make_token(SECRET.encode(), list_id, a)}"
            for a in LEAVING
        ]
        environment = _environment(newsroom.root)
        args = _servers(newsroom.root, port)[server]
        with (
            _process(args, environment, tmp_path / f"{server}.log") as endpoint,
            _churning(newsroom, tmp_path, environment) as churn,
        ):
            wait_for_port(port, endpoint, server)
            churn.wait_ready()
            # In bursts of CLIENTS at once, so every server thread is busy (a thread pool that
            # reuses an idle thread would otherwise serve a trickle with one thread alone).
            bursts = len(urls) // CLIENTS
            step, start = SPREAD_S / max(1, bursts - 1), time.monotonic()
            moments = [start + (n // CLIENTS) * step for n in range(len(urls))]
            with ThreadPoolExecutor(CLIENTS) as pool:
                answers = list(pool.map(_unsubscribe, urls, moments))
            churn_reports = churn.finish()
        told = {
            a
            for a, (status, page) in zip(LEAVING, answers, strict=True)
            if status == 200 and any(phrase in page for phrase in TOLD)
        }
        lost = told - set(suppressed(newsroom.root))
        first_new = len(smtp.handler.received)
        send(newsroom, "2024-11-24")
        mailed = {rcpt for rcpt, _ in smtp.handler.received[first_new:]}
    statuses = sorted({status for status, _ in answers})
    runs = [sum(report["codes"].values()) for report in churn_reports]  # type: ignore[attr-defined]
    note = (
        f"{server}: told {len(told)}/40, statuses {statuses}, runs meanwhile of subscribers "
        f"list / bounces import / send: {runs}, exit codes {[r['codes'] for r in churn_reports]}"
    )
    print(f"{note}; lost {len(lost)}, unsubscribed readers mailed {len(mailed & told)}")
    assert not lost, f"{len(lost)} confirmed unsubscribes lost ({note})"
    assert not mailed & told, f"unsubscribed readers mailed: {sorted(mailed & told)}"
    assert mailed == set(STAYING), note  # the send itself worked
    assert all(status in (200, 503) for status in statuses), note  # never a 500 page
    assert len(told) == len(LEAVING), note  # and, on this quiet a list, nobody had to retry
    assert all(set(report["codes"]) <= {"0", "1"} for report in churn_reports), churn_reports


# --- never a silent full resend --------------------------------------------------------------


def _send(newsroom: Newsroom, day: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["send", str(newsroom.edition(day)), "--to", str(newsroom.recipients), "--yes", *extra],
        env=ENV,
    )
    return result.exit_code, result.output


def test_a_deleted_journal_after_a_send_refuses_the_next_send(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        send(newsroom, "2024-11-22")
        record = newsroom.root / "history" / "sends" / "2024-11-22.json"
        kept = json.loads(record.read_text("utf-8"))
        assert (kept["counts"], kept["runs"], kept["finished"]) == ({"sent": 4}, 1, True)
        assert "@" not in record.read_text("utf-8")  # no address: safe to commit
        for path in (newsroom.root / ".digest").glob("journal.sqlite*"):
            path.unlink()
        mailed = len(smtp.handler.received)
        code, output = _send(newsroom, "2024-11-22")
        assert code == ExitCode.JOURNAL == 8, output
        assert "history/sends/2024-11-22.json says edition 2024-11-22 went out" in output
        assert "journal.sqlite is missing" in output and "--resend-all" in output
        assert len(smtp.handler.received) == mailed  # nobody mailed again
        assert not (newsroom.root / ".digest" / "journal.sqlite").exists()  # nor created
        status = CliRunner().invoke(app, ["status", str(newsroom.edition("2024-11-22"))])
        assert "history: 4 sent to a list of 4 in 1 run" in status.output, status.output
        code, output = _send(newsroom, "2024-11-23")  # another edition is not held back
        assert code == 0, output
        code, output = _send(newsroom, "2024-11-22", "--resend-all")  # knowingly, after a restore
        assert code == 0, output
        assert len(smtp.handler.received) == mailed + 2 * len(READERS)
        assert json.loads(record.read_text("utf-8"))["runs"] == 2


@pytest.mark.parametrize("damage", ["0 bytes", "older copy"])
def test_a_damaged_or_older_journal_refuses_the_next_send(damage: str, tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        journal = newsroom.root / ".digest" / "journal.sqlite"
        send(newsroom, "2024-11-23")
        older = journal.read_bytes()  # a backup from before the 22nd went out
        send(newsroom, "2024-11-22")
        for path in journal.parent.glob("journal.sqlite*"):
            path.unlink()
        journal.write_bytes(b"" if damage == "0 bytes" else older)
        mailed = len(smtp.handler.received)
        code, output = _send(newsroom, "2024-11-22")
        assert code == ExitCode.JOURNAL, output
        assert len(smtp.handler.received) == mailed
    expected = "is empty (0 bytes)" if damage == "0 bytes" else "knows 0 sent (an older copy"
    assert expected in output and "--resend-all" in output, output
    if damage == "0 bytes":
        assert journal.read_bytes() == b""  # left for whoever restores it


def test_a_send_killed_half_way_then_a_lost_journal_refuses_the_next(tmp_path: Path) -> None:
    """SIGKILL leaves the record of a run that never ended: some readers may have it."""
    handler = FaultHandler(delay=0.3)  # slow enough to be killed part-way
    with smtp_server(handler) as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port)
        edition, recipients = newsroom.edition("2024-11-22"), newsroom.recipients
        args = ["send", str(edition), "--to", str(recipients), "--yes", "--connections", "1"]
        process = subprocess.Popen(
            [str(BIN / "digest"), *args],
            env=_environment(newsroom.root),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not handler.received and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
        assert 1 <= len(handler.received) < len(READERS)
        record = json.loads((newsroom.root / "history/sends/2024-11-22.json").read_text("utf-8"))
        assert record["finished"] is False
        for path in (newsroom.root / ".digest").glob("journal.sqlite*"):
            path.unlink()
        code, output = _send(newsroom, "2024-11-22")
    assert code == ExitCode.JOURNAL, output
    assert "journal.sqlite is missing" in output


def test_a_run_that_sent_nothing_does_not_hold_the_next_one_back(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", free_port())  # nothing listens there
    code, output = _send(newsroom, "2024-11-22")
    assert code == ExitCode.TEMPFAIL, output
    record = json.loads((newsroom.root / "history/sends/2024-11-22.json").read_text("utf-8"))
    assert (record["counts"], record["finished"]) == ({"pending": 4}, True)
    for path in (newsroom.root / ".digest").glob("journal.sqlite*"):
        path.unlink()
    with smtp_server() as smtp:  # the journal lost, but nothing had gone: the send is not held
        config = newsroom.root / "digest.toml"
        text = re.sub(r"^port = \d+$", f"port = {smtp.port}", config.read_text("utf-8"), flags=re.M)
        config.write_text(text, encoding="utf-8")
        code, output = _send(newsroom, "2024-11-22")
        assert code == 0, output
        assert len(smtp.handler.received) == len(READERS)


def test_init_keeps_personal_data_out_of_version_control(tmp_path: Path) -> None:
    folder = tmp_path / "paper"
    result = CliRunner().invoke(app, ["init", str(folder), "--name", "Paper"])
    assert result.exit_code == 0, result.output
    ignore = (folder / ".gitignore").read_text("utf-8")
    assert ".digest/" in ignore.splitlines() and "personal data" in ignore.lower()
    git = shutil.which("git")
    if git is None:
        return
    subprocess.run([git, "init", "-q", str(folder)], check=True, timeout=30)
    (folder / ".digest").mkdir()
    (folder / ".digest" / "journal.sqlite").write_bytes(b"x")
    checked = subprocess.run(
        [git, "-C", str(folder), "check-ignore", ".digest/journal.sqlite", "history/x.json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.stdout.split() == [".digest/journal.sqlite"]  # history/ is committed
