"""The whole build of the sample edition: golden files, determinism, sizes, the message."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import resource
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import strict
from pathlib import Path
from typing import Any

import pytest

from digest.atomic import SHARED_MODE
from digest.build import BuildResult, build, build_in_memory, write_build
from digest.config import load_edition
from digest.errors import ExitCode

from .conftest import DATA

GOLDEN = DATA / "sample"
# Set DIGEST_REGENERATE_GOLDEN=1 to rewrite the golden files after an intended change.
REGENERATE = os.environ.get("DIGEST_REGENERATE_GOLDEN") == "1"
GOLDEN_FILES = ("digest.html", "digest.txt", "digest.mjml", "digest.eml")


@pytest.fixture
def built(sample_copy: Path) -> Path:
    build(sample_copy / "editions" / "2024-11-22.toml")
    return sample_copy / "out" / "2024-11-22"


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_sample_matches_golden_files(built: Path, name: str) -> None:
    produced = (built / name).read_bytes()
    golden = GOLDEN / name
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(produced)
    assert golden.exists(), f"missing {golden}; run with DIGEST_REGENERATE_GOLDEN=1"
    assert produced == golden.read_bytes(), f"{name} differs from {golden}"


def test_two_builds_are_byte_identical(sample_copy: Path, tmp_path: Path) -> None:
    edition = sample_copy / "editions" / "2024-11-22.toml"
    build(edition, tmp_path / "first")
    build(edition, tmp_path / "second")
    for name in GOLDEN_FILES:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_html_fits_gmail_limits_and_keeps_email_essentials(built: Path) -> None:
    html = (built / "digest.html").read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < 102_400
    styles = re.findall(r"<style\b[^>]*>.*?</style>", html, flags=re.DOTALL)
    assert sum(len(style.encode("utf-8")) for style in styles) < 16_384
    assert html.lower().startswith("<!doctype html>")
    assert "<!--[if mso | IE]>" in html and "<![endif]-->" in html
    media = [style for style in styles if "@media" in style]
    assert media and all("!important" in style for style in media)
    assert "prefers-color-scheme: dark" in html
    # Our rules were inlined and their block dropped; MJML's resets stayed in <head> only.
    assert "digest:inline" not in html
    assert 'style="margin:0 0 8px"' in html
    assert html.count("mso-table-lspace") == 1
    assert '<html lang="en" dir="ltr"' in html


def test_eml_is_a_valid_multipart_alternative(built: Path) -> None:
    message = message_from_bytes((built / "digest.eml").read_bytes(), policy=strict)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert all(not part.defects for part in parts)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert message[header], header
    assert b"\r\n" in (built / "digest.eml").read_bytes()
    text = parts[0].get_content()
    assert "NATO, Ukraine to Meet Tuesday Over Russian Attack" in text


def test_report_lists_what_was_kept_and_dropped(built: Path) -> None:
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    assert len(report["articles"]) == 8
    assert report["articles"][0]["section"] == "Lead"
    assert [section["name"] for section in report["sections"]] == [
        "Diplomacy",
        "Economy",
        "Climate",
        "World",
    ]
    assert report["ticker"]["kept"] == [
        "Metro rail to run until 11pm from December 1",
        "Hilsa prices fall as the fishing ban ends",
    ]
    dropped = report["ticker"]["dropped"]
    reasons = {item["reason"].split(" '")[0] for item in dropped}
    assert reasons == {"repeats an article headline", "same news as the article"}
    # The sample's two repeats go, each naming the article kept in its place.
    in_favour = {item["text"]: item["in_favour_of"] for item in dropped if item["in_favour_of"]}
    assert (
        in_favour.items()
        >= {
            "Sudan war becomes more deadly: Ethnically motivated attacks up": (
                "UN: Ethnically motivated attacks rising as Sudan war becomes deadlier"
            ),
            "Bangladesh’s GDP Growth to Decline to 4.1% in FY25: WB": (
                "World Bank cuts Bangladesh growth forecast to 4.1% for FY25"
            ),
        }.items()
    )
    assert report["html_bytes"] == len((built / "digest.html").read_bytes())
    assert report["style_bytes"] > 0 and report["html_budget_bytes"] == 102_400
    assert set(report["timings_ms"]) >= {
        "load",
        "read",
        "summarize",
        "arrange",
        "render",
        "compile",
    }


def test_summaries_respect_the_budget(built: Path) -> None:
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    for article in report["articles"]:
        assert 0 < article["summary_chars"] <= 350


# --- outputs are written whole: crash, Ctrl-C, full disk ---------------------------------------

EDITION_NAME = "2024-11-22.toml"
FILE_OPERATIONS = ("replace", "rename", "link", "fsync", "chmod", "mkdir", "unlink")


def _beside(folder: Path) -> list[Path]:
    return [path for path in folder.parent.iterdir() if path != folder]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _consistent(files: dict[str, bytes]) -> bool:
    """The report describes the HTML beside it (the same build)."""
    report = json.loads(files["report.json"])
    return bool(report["html_bytes"] == len(files["digest.html"]))


def _second_build(sample_copy: Path) -> BuildResult:
    """The sample with another subject: a build whose message differs from the first."""
    edition = sample_copy / "editions" / EDITION_NAME
    text = re.sub(r"^subject = .*$", 'subject = "A second build"', edition.read_text(), flags=re.M)
    edition.write_text(text)
    return build_in_memory(load_edition(edition))


class Interrupted(BaseException):
    """Stands for Ctrl-C or a kill arriving in the middle of a file operation."""


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, step: int) -> list[str]:
    """Make the `step`-th file operation of digest.atomic raise; return the operations seen."""
    import digest.atomic as atomic

    seen: list[str] = []
    for name in FILE_OPERATIONS:
        real = getattr(os, name)

        def patched(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            seen.append(_name)
            if len(seen) == step:
                raise Interrupted(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(atomic.os, name, patched)
    return seen


def test_rebuild_switches_the_whole_folder(sample_copy: Path) -> None:
    edition = sample_copy / "editions" / EDITION_NAME
    build(edition)
    out = sample_copy / "out" / "2024-11-22"
    first = _snapshot(out)
    result = _second_build(sample_copy)
    write_build(result, out)
    second = _snapshot(out)
    assert set(second) == set(first)
    assert second["digest.eml"] != first["digest.eml"] and _consistent(second)
    assert sorted(path.name for path in out.parent.iterdir()) == ["2024-11-22"]  # no leftovers
    assert stat.S_IMODE((out / "digest.html").stat().st_mode) == SHARED_MODE


def _interrupt_every_step(
    monkeypatch: pytest.MonkeyPatch, write: Callable[[], None], check: Callable[[list[str]], None]
) -> int:
    """Run `write` once per file operation it makes, cut at that operation; `check` after
    each cut. Returns how many operations a whole write takes."""
    step = 0
    while True:
        step += 1
        seen = _interrupt_at(monkeypatch, step)
        with contextlib.suppress(Interrupted):
            write()
        monkeypatch.undo()
        check(seen)
        if len(seen) < step:  # this time the write ran to the end
            return len(seen)


def test_interrupted_at_any_step_leaves_one_whole_build(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(sample_copy / "editions" / EDITION_NAME)
    out = sample_copy / "out" / "2024-11-22"
    before = _snapshot(out)
    result = _second_build(sample_copy)
    write_build(result, sample_copy / "elsewhere")
    new = _snapshot(sample_copy / "elsewhere")

    def one_build(files: dict[str, bytes]) -> bool:
        """All the old build, or all the new one (whose report names where it was written)."""
        emails = {name: data for name, data in files.items() if name != "report.json"}
        new_emails = {name: data for name, data in new.items() if name != "report.json"}
        return files == before or (emails == new_emails and _consistent(files))

    def check(seen: list[str]) -> None:
        assert one_build(_snapshot(out)), seen
        # Trash an interruption strands (the old build, when the very last step is cut) is
        # only ever hidden beside the folder, and the next build clears it.
        assert all(path.name.startswith(".2024-11-22.old-") for path in _beside(out)), seen

    operations = _interrupt_every_step(monkeypatch, lambda: write_build(result, out), check)
    assert operations > 10 and one_build(_snapshot(out)) and _snapshot(out) != before
    assert _beside(out) == []


def test_folder_with_other_files_keeps_them_and_never_shows_a_stale_report(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = sample_copy / "shared-folder"
    out.mkdir()
    (out / "notes.txt").write_text("the editor's own file")
    build(sample_copy / "editions" / EDITION_NAME, out)
    result = _second_build(sample_copy)

    def check(seen: list[str]) -> None:
        after = _snapshot(out)
        assert after["notes.txt"] == b"the editor's own file"
        # The report, when present, describes the HTML beside it.
        assert "report.json" not in after or _consistent(after), seen
        assert not [name for name in after if name.startswith(".")], seen

    operations = _interrupt_every_step(monkeypatch, lambda: write_build(result, out), check)
    assert operations > 10 and "report.json" in _snapshot(out)


def _digest_command(*args: str, limit_bytes: int | None = None) -> subprocess.Popen[bytes]:
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.Popen(
        [sys.executable, "-c", "from digest.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
    )


def test_full_disk_is_a_message_and_the_old_build_stays(sample_copy: Path) -> None:
    """RLIMIT_FSIZE makes every write past 8 KB fail with EFBIG, as a full disk would."""
    edition = str(sample_copy / "editions" / EDITION_NAME)
    build(Path(edition))
    out = sample_copy / "out" / "2024-11-22"
    before = _snapshot(out)
    _second_build(sample_copy)
    process = _digest_command("build", edition, limit_bytes=8 * 1024)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == ExitCode.IO, stderr.decode()
    message = stderr.decode()
    assert "error: cannot write" in message and "larger than this system allows" in message
    assert "holds the previous build" in message
    assert "Traceback" not in message + stdout.decode()
    assert _snapshot(out) == before
    assert sorted(path.name for path in out.parent.iterdir()) == ["2024-11-22"]


def test_unwritable_output_path_is_a_message(sample_copy: Path) -> None:
    from typer.testing import CliRunner

    from digest.cli import app

    blocker = sample_copy / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(
        app, ["build", str(sample_copy / "editions" / EDITION_NAME), "--out", str(blocker / "x")]
    )
    assert result.exit_code == ExitCode.IO
    assert f"cannot write {blocker}" in result.output and "is a file, not a folder" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_sigkill_during_builds_never_leaves_a_broken_folder(sample_copy: Path) -> None:
    """Kill builds at spread-out moments; each time the folder holds one whole build."""
    edition = str(sample_copy / "editions" / EDITION_NAME)
    out = sample_copy / "out" / "2024-11-22"
    build(Path(edition))
    rng = random.Random(11)
    for _ in range(4):
        process = _digest_command("build", edition)
        time.sleep(rng.uniform(0.3, 2.0))
        process.kill()
        process.communicate(timeout=60)
        files = _snapshot(out)
        assert set(files) == set(GOLDEN_FILES) | {"report.json"}
        assert all(files.values()) and _consistent(files)
