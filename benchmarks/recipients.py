"""A million-row list to the first message: time and peak memory; prints a table.

Writes a Mailchimp-style export (Email Address, First Name, Last Name, MEMBER_RATING) of N rows,
then runs `digest send` of the sample edition to it in a fresh process against Postfix's
smtp-sink on 127.0.0.1, and stops that process at its first delivered message. Bars: 1,000,000
rows in at most 60 s and 300 MB. Also times the list check on its own, per row.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
sys.path.insert(0, str(ROOT))

from tests import sink  # noqa: E402  (the smtp-sink helper the tests use)

ROWS = 1_000_000
TARGET_SECONDS = 60.0
TARGET_MIB = 300.0
SECRET = "benchmark-secret-0123456789"
CHILD_TIMEOUT = 600


def write_list(path: Path, rows: int) -> None:
    """A Mailchimp-style export with `rows` distinct readers."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("Email Address,First Name,Last Name,MEMBER_RATING\r\n")
        for n in range(rows):
            stream.write(f"reader{n:07d}@example.org,Reader,Number {n},{n % 5}\r\n")


def publication(folder: Path, port: int) -> Path:
    """A copy of the sample publication that sends to 127.0.0.1:port without a login."""
    target = folder / "greenwatch"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("out", ".digest"))
    toml = target / "digest.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('host = "smtp.greenwatch.example"', 'host = "127.0.0.1"')
    text = text.replace("port = 587", f"port = {port}").replace('"starttls"', '"none"')
    text = text.replace('username = "digest@greenwatch.example"\n', "")
    toml.write_text(text, encoding="utf-8")
    return target / "editions" / "2024-11-22.toml"


def child(edition: Path, recipients: Path) -> None:
    """Run `digest send` in this process; print seconds and peak MiB at the first message."""
    from digest.delivery.options import Progress
    from digest.delivery.run import SendRequest, send_edition_file

    started = time.perf_counter()

    def progress(state: Progress) -> None:
        if state.sent >= 1:  # progress comes at most every 0.1 s: the figure may be that late
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{time.perf_counter() - started:.2f} {peak:.1f}", flush=True)
            os._exit(0)  # the measurement is taken; the rest of the send is not the point

    send_edition_file(
        SendRequest(edition_path=edition, recipients_csv=recipients),
        confirm=lambda question: True,
        progress=progress,
        environ={**os.environ, "DIGEST_UNSUBSCRIBE_SECRET": SECRET},
    )
    raise SystemExit("the send ended without delivering a message")


def check_only(recipients: Path, rows: int) -> tuple[float, float]:
    """(µs per row to check and spool the list, µs per row to read it back)."""
    from digest.delivery.recipient_list import load_recipients

    started = time.perf_counter()
    with load_recipients(recipients) as listing:
        checked = time.perf_counter()
        count = sum(1 for _ in listing)
        read = time.perf_counter()
    assert count == rows
    return (checked - started) / rows * 1e6, (read - checked) / rows * 1e6


def main() -> None:
    """Write the list, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if not sink.available():
        raise SystemExit("smtp-sink (Debian package postfix) is needed for this benchmark")
    with tempfile.TemporaryDirectory() as folder_name, sink.smtp_sink(dump=False) as server:
        folder = Path(folder_name)
        recipients = folder / "list.csv"
        write_list(recipients, args.rows)
        size_mib = recipients.stat().st_size / 2**20
        edition = publication(folder, server.port)
        check_us, read_us = check_only(recipients, args.rows)
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(edition), str(recipients)],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
            cwd=ROOT,
        )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"the send failed:\n{result.stdout}\n{result.stderr}")
    seconds, peak = (float(value) for value in result.stdout.split())
    time_ok = "ok" if seconds <= TARGET_SECONDS else "MISSED"
    memory_ok = "ok" if peak <= TARGET_MIB else "MISSED"
    print(f"{args.rows:,} rows ({size_mib:.0f} MiB, Mailchimp-style CSV), smtp-sink on 127.0.0.1")
    print()
    print(f"| {'measure':<50} | {'value':>12} | {'bar':>10} |")
    print(f"|{'-' * 52}|{'-' * 14}|{'-' * 12}|")
    print(
        f"| {'digest send: seconds to the first message':<50} | {seconds:>12.1f} | "
        f"{'<= ' + format(TARGET_SECONDS, 'g'):>10} |"
    )
    print(
        f"| {'digest send: peak RSS to the first message, MiB':<50} | {peak:>12.1f} | "
        f"{'<= ' + format(TARGET_MIB, 'g'):>10} |"
    )
    print(f"| {'list check + spool, µs per row':<50} | {check_us:>12.2f} | {'':>10} |")
    print(f"| {'reading the checked list back, µs per row':<50} | {read_us:>12.2f} | {'':>10} |")
    print()
    print(f"time: {time_ok}; memory: {memory_ok}")


if __name__ == "__main__":
    main()
