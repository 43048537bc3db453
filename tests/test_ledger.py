"""The send journal: WAL, durable states, the per-edition lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digest.delivery.journal import Journal, JournalError, State


def test_states_and_counts(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.add("e1", ["A@x.org", "b@x.org", "c@x.org"])
        journal.add("e1", ["a@x.org"])  # existing rows keep their state
        journal.mark("e1", "a@x.org", State.SENDING)
        journal.mark("e1", "a@x.org", State.SENT)
        journal.mark("e1", "b@x.org", State.FAILED, "550 no such user")
        counts = journal.counts("e1")
        assert counts[State.SENT] == 1 and counts[State.FAILED] == 1 and counts[State.PENDING] == 1
        assert journal.errors("e1") == [("b@x.org", State.FAILED, "550 no such user")]
        assert journal.counts("other")[State.PENDING] == 0
        mode = journal._db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = journal._db.execute("PRAGMA synchronous").fetchone()[0]
        assert mode == "wal" and sync == 2  # FULL


def test_lock_keeps_two_sends_apart_and_dies_with_the_process(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as first, Journal(path) as second:
        first.lock("e1")
        with pytest.raises(JournalError, match="another send"):
            second.lock("e1")
        second.lock("e2")  # other editions are independent
        first.unlock("e1")
        second.lock("e1")
    # A killed holder releases the lock (flock is dropped by the kernel).
    code = (
        "import os, sys; from pathlib import Path; from digest.delivery.journal import Journal; "
        f"Journal(Path({str(path)!r})).lock('e3'); os.kill(os.getpid(), 9)"
    )
    subprocess.run([sys.executable, "-c", code], check=False, timeout=30)
    with Journal(path) as journal:
        journal.lock("e3")
