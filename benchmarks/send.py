"""Send throughput: 2,000 recipients to aiosmtpd on 127.0.0.1, reused vs naive; prints a table."""

from __future__ import annotations

import argparse
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from digest.config import Publication
from digest.delivery.journal import Journal
from digest.delivery.options import SendOptions
from digest.delivery.personalize import UNSUBSCRIBE_URL_MARKER, merge_marker, prepare
from digest.delivery.recipients import Recipient
from digest.delivery.send import send_edition
from digest.delivery.transports.smtp import SmtpSettings, SmtpTransport
from digest.mail.message import build_message

RECIPIENTS = 2_000
TARGET_MSG_PER_S = 550.0
TARGET_PERSONALIZE_MS = 0.05
REPEATS = 5  # best of N for the in-process timing; the machine is shared and noisy
SERVER_START_TIMEOUT = 10.0
ENV = {"DIGEST_UNSUBSCRIBE_SECRET": "benchmark-secret-0123456789"}
PUBLICATION = Publication.model_validate(
    {
        "name": "Greenwatch Daily",
        "from": "Greenwatch Desk <desk@news.example.org>",
        "unsubscribe": {
            "url": "https://news.example.org/unsubscribe?t={token}",
            "mailto": "leave@news.example.org",
        },
    }
)
# A digest of typical size: ≈60 KB of inlined HTML, ≈6 KB of text.
TEXT = (
    f"Good morning {merge_marker('name')},\n\n"
    + (
        "NATO allies met in Brussels on Friday to discuss support for Ukraine — "
        "ministers agreed on a new package.\nRead more: https://news.example.org/a/1\n\n"
    )
    * 40
    + f"Unsubscribe: {UNSUBSCRIBE_URL_MARKER}\n"
)
STORY_HTML = (
    '<table role="presentation" style="width:100%;border-collapse:collapse"><tr>'
    '<td style="padding:12px 16px;font-family:Georgia,serif;color:#1f2328">'
    "<h2>Allies meet in Brussels</h2><p>NATO allies met on Friday to discuss support "
    "for Ukraine — ministers agreed on a new package.</p>"
    '<a href="https://news.example.org/a/1" style="color:#1a5fb4">Read more</a>'
    "</td></tr></table>"
)
DEFAULT_STORIES = 150  # ≈66 KB message; Gmail clips HTML above ≈102 KB


def make_html(stories: int) -> str:
    """A digest body with `stories` story blocks and the unsubscribe marker."""
    return (
        f"<!doctype html><html><body><p>Good morning {merge_marker('name')},</p>"
        + STORY_HTML * stories
        + f'<p><a href="{UNSUBSCRIBE_URL_MARKER}">Unsubscribe</a></p></body></html>'
    )


HTML = make_html(DEFAULT_STORIES)
DATE = datetime(2024, 11, 22, 6, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd's Sink in its own process, so client CPU time is the client's alone."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def people(n: int) -> list[Recipient]:
    return [Recipient(f"reader{i:05d}@example.org", f"Reader {i}") for i in range(n)]


def bench_personalize(recipients: list[Recipient]) -> tuple[float, float, int]:
    """(ms to build the template once, ms per recipient, message bytes)."""
    started = time.perf_counter()
    personalizer = prepare(
        PUBLICATION,
        edition_key="2024-11-22",
        subject="Today",
        text=TEXT,
        html=HTML,
        date=DATE,
        secret=ENV["DIGEST_UNSUBSCRIBE_SECRET"].encode(),
        available_fields={"name", "email"},
    )
    build_ms = (time.perf_counter() - started) * 1000
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for recipient in recipients:
            personalizer.render(recipient)
        best = min(best, (time.perf_counter() - started) * 1000 / len(recipients))
    return build_ms, best, len(personalizer.render(recipients[0]))


def bench_send(port: int, recipients: list[Recipient], journal_dir: Path) -> tuple[float, float]:
    """send_edition with a reused connection and a file journal: (msg/s, client ms/msg)."""
    transport = SmtpTransport(
        SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=30, reconnect_every=1000)
    )
    with Journal(journal_dir / "journal.sqlite") as journal:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = send_edition(
            PUBLICATION,
            "2024-11-22",
            "Today",
            TEXT,
            HTML,
            recipients,
            transport,
            journal,
            SendOptions(date=DATE),
            environ=ENV,
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert summary.sent == len(recipients), summary
    return len(recipients) / wall, cpu * 1000 / len(recipients)


def bench_naive(port: int, recipients: list[Recipient]) -> tuple[float, float]:
    """Build a whole EmailMessage and open a new connection for every message."""
    wall, cpu = time.perf_counter(), time.process_time()
    for recipient in recipients:
        url = f"https://news.example.org/unsubscribe?t={recipient.email}"
        message = build_message(
            sender=PUBLICATION.from_address,
            to=recipient.email,
            subject="Today",
            text=TEXT.replace(UNSUBSCRIBE_URL_MARKER, url),
            html=HTML.replace(UNSUBSCRIBE_URL_MARKER, url),
            date=DATE,
            id_seed=recipient.email,
        )
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.sendmail("desk@news.example.org", [recipient.email], message.as_bytes())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(recipients) / wall, cpu * 1000 / len(recipients)


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=RECIPIENTS)
    parser.add_argument("--stories", type=int, default=DEFAULT_STORIES, help="message size")
    args = parser.parse_args()
    global HTML
    HTML = make_html(args.stories)
    recipients = people(args.recipients)
    build_ms, personalize_ms, size = bench_personalize(recipients)
    port = free_port()
    server = start_server(port)
    try:
        with tempfile.TemporaryDirectory() as folder:
            reused_rate, reused_cpu = bench_send(port, recipients, Path(folder))
        naive_rate, naive_cpu = bench_naive(port, recipients)
    finally:
        server.terminate()
        server.wait(timeout=10)
    ok = "ok" if personalize_ms <= TARGET_PERSONALIZE_MS else "MISSED"
    rate_ok = "ok" if reused_rate >= TARGET_MSG_PER_S else "MISSED"
    print(
        f"{len(recipients)} recipients, message {size / 1024:.1f} KiB, aiosmtpd Sink on 127.0.0.1"
    )
    print(f"template built once: {build_ms:.1f} ms")
    print()
    print(f"| {'mode':<44} | {'msg/s':>7} | {'client ms/msg':>13} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 15}|")
    print(
        f"| {'send_edition: reused connection + journal':<44} | {reused_rate:>7.0f} "
        f"| {reused_cpu:>13.3f} |"
    )
    print(
        f"| {'naive: build + connect per message':<44} | {naive_rate:>7.0f} | {naive_cpu:>13.3f} |"
    )
    print()
    print(
        f"personalization: {personalize_ms:.4f} ms/recipient "
        f"(target <= {TARGET_PERSONALIZE_MS}: {ok})"
    )
    print(f"throughput: {reused_rate:.0f} msg/s (target >= {TARGET_MSG_PER_S:.0f}: {rate_ok})")


if __name__ == "__main__":
    main()
