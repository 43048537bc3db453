"""The connection factory: private whole files, one descriptor, errors never masked, migrations."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from digest.delivery.journal import Journal
from digest.delivery.suppression import Reason, SuppressionList
from digest.store import Column, DamagedError, Migration, Schema, StoreError, open_database
from digest.store.schemas import JOURNAL, SUBSCRIBERS

ROOT = Path(__file__).resolve().parent.parent
# A table whose trigger rolls the whole transaction back by itself, as SQLite does on a full
# disk or an I/O error: the ROLLBACK that follows then fails with "no transaction is active".
GUARDED = Schema(
    "test store",
    (
        Migration(
            1,
            "a table that refuses 'bad'",
            (
                "CREATE TABLE t (x TEXT)",
                "CREATE TRIGGER refuse BEFORE INSERT ON t WHEN NEW.x = 'bad' "
                "BEGIN SELECT RAISE(ROLLBACK, 'the trigger refused it'); END",
            ),
        ),
    ),
)
CREATORS = 4


def _descriptors(path: Path) -> list[str]:
    """This process's open descriptors on `path` (not its -wal or -shm)."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if target == str(path.resolve()):
            found.append(target)
    return found


def test_a_new_file_is_private_whole_and_at_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / ".digest" / "journal.sqlite"
    with open_database(path, JOURNAL) as database:
        assert database.read("PRAGMA user_version") == [(JOURNAL.version,)]
        assert database.read("PRAGMA journal_mode") == [("wal",)]
        assert database.read("PRAGMA busy_timeout") == [(5_000,)]
        with database.transaction() as connection:
            connection.execute(
                "INSERT INTO deliveries (edition, address, state, updated) "
                "VALUES ('e', 'a@x.org', 'pending', 1)"
            )
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    assert modes == {
        name: 0o600 for name in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm")
    }
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["journal.sqlite"]  # no temp left


def test_one_process_keeps_one_descriptor_on_a_live_database(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops the process's POSIX locks on it: a second one
    on a live database must never be opened (and closed) beside SQLite's own."""
    path = tmp_path / "subscribers.sqlite"
    first = SuppressionList(path)
    first.add("ann@example.org", Reason.UNSUBSCRIBED)
    assert len(_descriptors(path)) == 1
    for _ in range(3):  # what each server thread used to do on its first request
        with SuppressionList(path) as other:
            other.add("bob@example.org", Reason.UNSUBSCRIBED)
            assert len(_descriptors(path)) == 1
    assert first.get("bob@example.org") is not None
    assert Path(f"{path}-wal").exists()  # the live connection's WAL was never removed
    first.close()
    assert _descriptors(path) == []


def test_a_rollback_that_fails_never_hides_the_first_error(tmp_path: Path) -> None:
    with open_database(tmp_path / "t.sqlite", GUARDED) as database:
        with pytest.raises(StoreError) as raised, database.transaction() as connection:
            connection.execute("INSERT INTO t VALUES ('good')")
            connection.execute("INSERT INTO t VALUES ('bad')")
        assert "the trigger refused it" in str(raised.value)
        assert "no transaction is active" not in str(raised.value)
        assert database.read("SELECT x FROM t") == []  # the good row went with the transaction
        with database.transaction() as connection:  # and the connection still works
            connection.execute("INSERT INTO t VALUES ('good')")
        assert database.read("SELECT x FROM t") == [("good",)]


def test_an_error_in_the_block_rolls_back_and_is_raised_as_it_was(tmp_path: Path) -> None:
    with open_database(tmp_path / "t.sqlite", GUARDED) as database:
        with pytest.raises(KeyError), database.transaction() as connection:
            connection.execute("INSERT INTO t VALUES ('good')")
            raise KeyError("the caller's own error")
        assert database.read("SELECT x FROM t") == []


def test_migrations_apply_once_in_order_and_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    with open_database(path, GUARDED):
        pass
    grown = GUARDED.then(
        Migration(2, "a second table", ("CREATE TABLE u (y TEXT)",)),
        Migration(3, "a column", columns=(Column("t", "z", "INTEGER NOT NULL DEFAULT 0"),)),
    )
    with open_database(path, grown) as database:
        assert database.read("PRAGMA user_version") == [(3,)]
        assert [row[1] for row in database.read("PRAGMA table_info(t)")] == ["x", "z"]
    with pytest.raises(StoreError, match="newer version of digest"):
        open_database(path, GUARDED)
    with pytest.raises(ValueError, match="numbered 1, 2"):
        Schema("gappy", (Migration(1, "a"), Migration(3, "c")))


def test_files_from_before_schema_versions_are_taken_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.sqlite"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE suppressions (address TEXT PRIMARY KEY, reason TEXT NOT NULL, "
            "created REAL NOT NULL, source TEXT NOT NULL DEFAULT '') WITHOUT ROWID"
        )
        old.execute("INSERT INTO suppressions VALUES ('ann@example.org', 'manual', 1, '')")
    old.close()
    path.chmod(0o644)
    with SuppressionList(path) as suppressions:
        assert suppressions.get("ann@example.org") is not None
        assert suppressions.record_soft_bounce("bob@example.org", "e", "4.2.2")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with open_database(path, SUBSCRIBERS) as database:
        assert database.read("PRAGMA user_version") == [(SUBSCRIBERS.version,)]


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", r"is empty \(0 bytes\)"),
        (b"name,email\nann,ann@example.org\n" * 40, "is not a SQLite database"),
        (None, "is cut short"),
    ],
    ids=["0 bytes", "another file", "cut short"],
)
def test_a_damaged_file_is_refused_never_taken_for_a_new_one(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "journal.sqlite"
    if content is None:  # a copy that stopped half-way through a real journal
        whole = tmp_path / "whole.sqlite"
        with Journal(whole) as journal:
            journal.add("e", [f"r{n}@x.org" for n in range(500)])
        content = whole.read_bytes()[:-1000]
    path.write_bytes(content)
    with pytest.raises(DamagedError, match=reason):
        open_database(path, JOURNAL)
    assert path.read_bytes() == content  # left as found, for whoever restores it


def test_processes_creating_one_file_at_once_all_get_the_same_database(tmp_path: Path) -> None:
    path = tmp_path / ".digest" / "subscribers.sqlite"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from digest.delivery.suppression import Reason, SuppressionList\n"
        "with SuppressionList(Path(sys.argv[1])) as s:\n"
        "    s.add(sys.argv[2], Reason.MANUAL)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(path), f"r{n}@x.org"], env=environment)
        for n in range(CREATORS)
    ]
    assert [process.wait(timeout=60) for process in processes] == [0] * CREATORS
    with SuppressionList(path) as suppressions:
        assert len(list(suppressions.entries())) == CREATORS
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".new")]
