"""`digest send --at`: how late after its moment does the first message reach the server?

Each run copies the sample publication, points its delivery at aiosmtpd on 127.0.0.1 (which
notes when each final dot arrives), and runs the real command, `digest send EDITION --to
LIST --yes --at T` with T `--ahead` seconds after the process starts. The lag is the first
arrival minus T (negative would be a message sent early). Beside it, in the same run, the
plain `digest send` of the same copy without --at: process start to first arrival, what a
send costs when nobody prepared it (the time --at spends before its moment).

Prints the median of `--runs` runs of each, and every run; the bar (issue 24) is a lag
within 1 s.

    python benchmarks/send_at.py [--runs 5] [--ahead 2] [--readers 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
EDITION = Path("editions") / "2024-11-22.toml"
CLI = "from digest.cli import main; main()"
SECRET = "benchmark-secret-0123456789abcdef"
BAR_S = 1.0
PROCESS_TIMEOUT_S = 120


class Arrivals:
    """aiosmtpd handler: when each message's final dot arrived."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.times.append(time.time())
        return "250 2.0.0 queued"


def publication(folder: Path, port: int, readers: int) -> tuple[Path, Path]:
    """A copy of the sample sending to 127.0.0.1:port, and a list of `readers` addresses."""
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("out", ".digest"))
    toml = folder / "digest.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('host = "smtp.greenwatch.example"', 'host = "127.0.0.1"')
    text = text.replace("port = 587", f"port = {port}")
    text = text.replace('security = "starttls"', 'security = "none"')
    text = text.replace('username = "digest@greenwatch.example"\n', "")
    toml.write_text(text, encoding="utf-8")
    listing = folder / "list.csv"
    listing.write_text("email\n" + "".join(f"r{i}@example.org\n" for i in range(readers)))
    return folder / EDITION, listing


def run(args: list[str], env: dict[str, str]) -> float:
    """Start `digest ARGS`; returns when it started (time.time()); fails on a non-zero exit."""
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise SystemExit(f"digest {' '.join(args)} exited {done.returncode}:\n{done.stdout}"
                         f"{done.stderr}")  # fmt: skip
    return started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ahead", type=float, default=2.0, help="seconds from start to T")
    parser.add_argument("--readers", type=int, default=5)
    options = parser.parse_args()

    handler = Arrivals()
    with socket.socket() as probe:  # a free port (aiosmtpd needs one named)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    scratch = Path(tempfile.mkdtemp(prefix="send-at-"))
    env = {**os.environ, "DIGEST_UNSUBSCRIBE_SECRET": SECRET,
           "DIGEST_CACHE_DIR": str(scratch / "cache")}  # fmt: skip
    tz = ZoneInfo("Asia/Dhaka")  # the sample's time zone
    lags: list[float] = []
    plain: list[float] = []
    try:
        edition, listing = publication(scratch / "warm", port, options.readers)
        run(["build", str(edition)], env)  # the caches of a morning: templates, reads
        for number in range(options.runs):
            # --at: T is `ahead` seconds after the process starts.
            edition, listing = publication(scratch / f"at-{number}", port, options.readers)
            moment = datetime.now(tz) + timedelta(seconds=options.ahead)
            at = moment.isoformat(timespec="microseconds")
            handler.times.clear()
            run(["send", str(edition), "--to", str(listing), "--yes", "--at", at], env)
            lags.append(min(handler.times) - moment.timestamp())
            # The same send, now, without --at: start to first message.
            edition, listing = publication(scratch / f"now-{number}", port, options.readers)
            handler.times.clear()
            started = run(["send", str(edition), "--to", str(listing), "--yes"], env)
            plain.append(min(handler.times) - started)
    finally:
        controller.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"digest send, {options.readers} readers, aiosmtpd on 127.0.0.1, {options.runs} runs")
    print("(shared 2-core machine: medians; each run listed)")
    print()
    print("| measure | median | runs |")
    print("| --- | --- | --- |")
    row = " ".join(f"{value * 1000:.0f}" for value in lags)
    print(f"| `--at` T+{options.ahead:g}s: first message after T | "
          f"{statistics.median(lags) * 1000:.0f} ms | {row} ms |")  # fmt: skip
    row = " ".join(f"{value * 1000:.0f}" for value in plain)
    print(f"| no `--at`: process start to first message | "
          f"{statistics.median(plain) * 1000:.0f} ms | {row} ms |")  # fmt: skip
    verdict = "met" if 0 <= statistics.median(lags) <= BAR_S and min(lags) >= 0 else "NOT met"
    print()
    print(f"bar: first message within {BAR_S:g} s after T, never before: {verdict}")


if __name__ == "__main__":
    main()
