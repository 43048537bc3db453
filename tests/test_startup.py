"""Start-up: a command imports what it uses and nothing else (timings: benchmarks/startup.py)."""

from __future__ import annotations

import json
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
