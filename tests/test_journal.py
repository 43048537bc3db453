"""The send journal: WAL + FULL, grouped commits, private file, the per-edition lock."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from digest.delivery.journal import Change, Entry, Journal, JournalDamaged, JournalError, State
from digest.errors import ExitCode


def test_states_counts_and_errors(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.add("e1", ["A@x.org", "b@x.org", "c@x.org"]) == {
            key: Entry(State.PENDING, False) for key in ("a@x.org", "b@x.org", "c@x.org")
        }
        journal.record(
            "e1",
            [
                Change("a@x.org", State.SENDING),
                Change("a@x.org", State.SENT),
                Change("b@x.org", State.FAILED, "550 no such user"),
                Change("c@x.org", State.UNKNOWN, "dropped after the dot", resend=True),
            ],
        )
        assert journal.commits == 1  # one transaction for the whole group
        # Rows that exist keep their state; new ones start pending.
        entries = journal.add("e1", ["a@x.org", "C@x.org", "d@x.org"])
        assert entries["a@x.org"] == Entry(State.SENT, False)
        assert entries["c@x.org"] == Entry(State.UNKNOWN, True)
        assert entries["d@x.org"] == Entry(State.PENDING, False)
        counts = journal.counts("e1")
        assert (counts[State.SENT], counts[State.FAILED], counts[State.UNKNOWN]) == (1, 1, 1)
        assert counts[State.PENDING] == 1
        assert journal.errors("e1") == [("b@x.org", State.FAILED, "550 no such user")]
        assert journal.lookup("e1", ["B@X.org", "zz@x.org"]) == {
            "b@x.org": Entry(State.FAILED, False)
        }
        first, last = journal.sent_between("e1") or (0, 0)
        assert 0 < first <= last
        assert journal.sent_between("other") is None and not journal.has("other")
        [(mode,)] = journal._db.read("PRAGMA journal_mode")
        [(sync,)] = journal._db.read("PRAGMA synchronous")
        assert mode == "wal" and sync == 2  # FULL: a commit survives a crash of the machine


def test_a_resent_flag_is_sticky(tmp_path: Path) -> None:
    """Once an unknown was re-sent, later changes never clear the mark (at most one resend)."""
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.add("e", ["a@x.org"])
        journal.record("e", [Change("a@x.org", State.SENDING, resend=True)])
        journal.record("e", [Change("a@x.org", State.DEFERRED, "451 later")])
        assert journal.lookup("e", ["a@x.org"])["a@x.org"] == Entry(State.DEFERRED, True)


def test_big_chunks_fit_in_one_statement_limit(tmp_path: Path) -> None:
    addresses = [f"r{n}@x.org" for n in range(5_000)]
    with Journal(tmp_path / "j.sqlite") as journal:
        assert len(journal.add("e", addresses)) == 5_000
        assert len(journal.add("e", addresses)) == 5_000  # all existing now
        assert len(journal.lookup("e", addresses)) == 5_000


def test_journal_files_are_private_and_old_journals_are_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:  # a journal written before `resent` existed
        old.execute(
            "CREATE TABLE deliveries (edition TEXT NOT NULL, address TEXT NOT NULL, "
            "state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, "
            "updated REAL NOT NULL, PRIMARY KEY (edition, address)) WITHOUT ROWID"
        )
        old.execute("INSERT INTO deliveries VALUES ('e', 'a@x.org', 'sending', 1, NULL, 1.0)")
    path.chmod(0o644)
    with Journal(path) as journal:
        assert journal.lookup("e", ["a@x.org"]) == {"a@x.org": Entry(State.SENDING, False)}
        journal.mark("e", "a@x.org", State.SENT)
    for file in tmp_path.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


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


def test_an_unusable_journal_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot open the send journal"):
        Journal(blocker / "j.sqlite")


def test_a_damaged_journal_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalDamaged, match="is not a SQLite database") as raised:
        Journal(path)
    assert raised.value.exit_code == ExitCode.JOURNAL and "--resend-all" in str(raised.value)
