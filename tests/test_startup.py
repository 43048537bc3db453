"""Start-up: a command imports what it uses and nothing else (timings: benchmarks/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLE_EDITION

# What `digest build` of local files never needs: fetching, feeds, HTML extraction, sending,
# the preview's watcher, rich output. premailer imports requests; digest defers it. (nh3 is
# left out: the sample's edition has an intro, which is sanitized with it.)
NOT_FOR_BUILD = frozenset(
    {
        "requests",
        "urllib3",
        "charset_normalizer",
        "chardet",
        "trafilatura",
        "feedparser",
        "rich",
        "smtplib",
        "sqlite3",
        "email_validator",
        "watchfiles",
        "aiosmtpd",
    }
)
# `digest --help` only describes commands: no pipeline, templates or CSS.
NOT_FOR_HELP = NOT_FOR_BUILD - {"rich"} | {"digest.build", "jinja2", "premailer", "cssutils", "nh3"}

PROBE = """
import json, sys
from digest.cli import main
sys.argv = ["digest", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    code = stop.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def modules_after(*argv: str, cwd: Path) -> set[str]:
    """Every module a fresh `digest ARGV...` process has imported by its end."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return set(report["modules"])


def loaded(modules: set[str], names: frozenset[str]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


def test_build_imports_only_what_it_uses(tmp_path: Path) -> None:
    modules = modules_after("build", str(SAMPLE_EDITION), "--out", str(tmp_path), cwd=tmp_path)
    assert "premailer" in modules and "digest.build" in modules  # it did build
    assert (tmp_path / "digest.html").is_file()
    assert loaded(modules, NOT_FOR_BUILD) == []


def test_help_imports_no_pipeline(tmp_path: Path) -> None:
    assert loaded(modules_after("--help", cwd=tmp_path), NOT_FOR_HELP) == []


def test_premailer_still_reaches_requests_when_it_needs_it() -> None:
    # Deferred, not removed: the first use of premailer's `requests` imports the real one.
    code = (
        "import sys; from digest.mail.compile import _premailer_class; _premailer_class(); "
        "import premailer.premailer as p; assert 'requests' not in sys.modules; "
        "get = p.requests.get; import requests; assert get is requests.get; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


DIGEST = str(Path(sys.executable).with_name("digest"))  # the console script: cli.run
LEAVING = """
import atexit, sys, threading, time
from pathlib import Path
from digest.cli.shutdown import leave
folder = Path(sys.argv[1])
def late():
    time.sleep(0.3)
    (folder / "thread.txt").write_text("done")
threading.Thread(target=late).start()
atexit.register(lambda: (folder / "atexit.txt").write_text("ran"))
print("flushed", end="")
leave(3)
"""


def test_leaving_waits_for_threads_runs_atexit_and_flushes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LEAVING, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (3, "flushed")
    assert (tmp_path / "thread.txt").read_text() == "done"
    assert (tmp_path / "atexit.txt").read_text() == "ran"


def test_the_console_script_loses_no_file_and_no_database_row(sample_copy: Path) -> None:
    """`digest` ends without the interpreter's teardown: every output is whole, every
    journal row committed, as another process reads them right after."""
    from tests.smtp_server import FaultHandler, smtp_server

    edition = sample_copy / "editions" / "2024-11-22.toml"
    out = sample_copy / "out-fast"
    built = subprocess.run(
        [DIGEST, "build", str(edition), "--out", str(out)], capture_output=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    assert (out / "digest.html").read_bytes().rstrip().endswith(b"</html>")
    assert json.loads((out / "report.json").read_text())  # whole JSON
    (sample_copy / "list.csv").write_text("email\nann@example.org\nbob@example.org\n")
    toml = sample_copy / "digest.toml"
    toml.write_text(toml.read_text().replace('username = "digest@greenwatch.example"\n', ""))
    handler = FaultHandler()
    env = {**os.environ, "DIGEST_UNSUBSCRIBE_SECRET": "a-test-secret-of-32-characters!!"}
    with smtp_server(handler) as server:
        smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(server.port)]
        sent = subprocess.run(
            [DIGEST, "send", str(edition), "--to", str(sample_copy / "list.csv"), "--yes", *smtp,
             "--smtp-security", "none", "--json"],
            capture_output=True, env=env, timeout=120,
        )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["sent"] == 2 and len(handler.received) == 2
    status = subprocess.run(
        [DIGEST, "status", str(edition), "--json"], capture_output=True, env=env, timeout=60
    )
    assert json.loads(status.stdout)["counts"]["sent"] == 2, status.stderr
