"""One `digest` command run over and over in its own process, for the store's concurrency tests.

`python -m tests.store_churn READY STOP SECONDS -- ARGS...` runs `digest ARGS` until the file
STOP exists (or SECONDS pass), touching READY after the first run. Each run opens and closes the
publication's SQLite files exactly as a new `digest` process would: when a command ends, the
process's last user of a file closes its connection, which may checkpoint and remove the WAL.
Doing it in one process makes it many times a second instead of once per interpreter start.
Prints one JSON line: how many runs ended with each exit code.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app

# Between runs: enough for the others to get the write lock, short enough to churn.
PAUSE_S = 0.01


def main() -> None:
    """Run the command until told to stop."""
    ready, stop, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    args = sys.argv[sys.argv.index("--") + 1 :]
    deadline = time.monotonic() + seconds
    runner = CliRunner()
    codes: Counter[int] = Counter()
    outputs: dict[int, str] = {}
    while not stop.exists() and time.monotonic() < deadline:
        result = runner.invoke(app, args)
        codes[result.exit_code] += 1
        outputs.setdefault(result.exit_code, result.output[-500:])
        ready.touch()
        time.sleep(PAUSE_S)
    print(json.dumps({"codes": dict(codes), "outputs": outputs}))


if __name__ == "__main__":
    main()
