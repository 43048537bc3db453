"""Slowloris against the unsubscribe endpoint: a real request's latency among trickling sockets.

    python benchmarks/slowloris.py [--sockets 100 600] [--repeat 3] [--timeout 40]

Two servers, each in its own process on 127.0.0.1, serving the same publication:
"waitress as before" (waitress with the settings digest used until it had a request deadline:
100 connections, 15 s idle timeout) and `digest serve-unsubscribe` (the request deadline, 500
connections). For each number of trickling sockets, each run opens them, waits a second, then
times one real GET; the table shows the median of --repeat runs ("timeout" when the request
got no answer within --timeout seconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.newsroom import ENV, make_newsroom  # noqa: E402
from tests.slowloris import request_latency, trickling, wait_until_listening  # noqa: E402
from tests.smtp_server import free_port  # noqa: E402

DIGEST = str(Path(sys.executable).with_name("digest"))
# The endpoint as it was served before the deadline: the same app, waitress's own channels.
BEFORE = """
import sys
from pathlib import Path
from waitress.server import create_server
from digest.subscribers.app import UnsubscribeApp
from digest.subscribers.publication import open_publication
folder = open_publication(Path(sys.argv[1]))
app = UnsubscribeApp(folder.publication, folder.root, sys.argv[3].encode())
create_server(app, host="127.0.0.1", port=int(sys.argv[2]), threads=4, channel_timeout=15,
              connection_limit=100, max_request_header_size=16384,
              max_request_body_size=4096).run()
"""
SERVER_START_S = 30.0


def start(kind: str, root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **ENV}
    if kind == "waitress as before":
        argv = [
            sys.executable,
            "-c",
            BEFORE,
            str(root),
            str(port),
            ENV["DIGEST_UNSUBSCRIBE_SECRET"],
        ]
    else:
        argv = [DIGEST, "serve-unsubscribe", "--dir", str(root), "--port", str(port)]
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    wait_until_listening(port, SERVER_START_S)
    return process


def measure(kind: str, root: Path, sockets: int, timeout: float) -> float | None:
    port = free_port()
    process = start(kind, root, port)
    try:
        with trickling(port, sockets):
            time.sleep(1.0)  # every trickler has sent its request line
            return request_latency(port, timeout)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, nargs="+", default=[0, 100, 600])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=40.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = make_newsroom(Path(folder) / "news", 25).root
        print(f"{'server':<28} {'trickling sockets':>17} {'real request (median s)':>24}")
        for kind in ("waitress as before", "digest serve-unsubscribe"):
            for sockets in args.sockets:
                runs = [measure(kind, root, sockets, args.timeout) for _ in range(args.repeat)]
                done = [r for r in runs if r is not None]
                if len(done) * 2 > len(runs):
                    shown = f"{statistics.median(done):.3f}"
                else:
                    shown = f"timeout (> {args.timeout:.0f} s)"
                print(f"{kind:<28} {sockets:>17} {shown:>24}   runs: {runs}")


if __name__ == "__main__":
    main()
