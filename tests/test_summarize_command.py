"""`digest summarize` and `digest extract` show the summary the build would use."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode
from digest.summarize import summarize

runner = CliRunner()
PAGES = Path(__file__).resolve().parent / "data" / "pages"
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "greenwatch"


def _page() -> Path:
    return next(PAGES.glob("14cc2a0c*.html.gz"))


def test_summarize_reads_html_gz(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summarize", str(_page())])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("A team led by researchers out of NASA's Goddard")
    assert len(result.output.strip()) <= 350


def test_summarize_reads_plain_html(tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_bytes(gzip.decompress(_page().read_bytes()))
    result = runner.invoke(app, ["summarize", str(page), "--max-chars", "200"])
    assert result.exit_code == 0, result.output
    assert 0 < len(result.output.strip()) <= 200


def test_summarize_uses_the_publications_method_and_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "digest.toml").write_text(
        (SAMPLE / "digest.toml")
        .read_text(encoding="utf-8")
        .replace("summary_chars = 350", 'summary_chars = 120\nsummary_method = "lead"'),
        encoding="utf-8",
    )
    article = SAMPLE / "articles" / "rmg-exports-record.txt"
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["summarize", str(article)])
    assert result.exit_code == 0, result.output
    from datetime import UTC

    from digest.sources.readers import ReadContext
    from digest.sources.readers.pagetext import read

    body = read(article.read_bytes(), origin=str(article), context=ReadContext(tz=UTC)).body
    assert result.output.strip() == summarize(list(body), 120, "lead")


def test_summarize_stdin_reads_page_text() -> None:
    text = (SAMPLE / "articles" / "cop29-overtime.txt").read_text(encoding="utf-8")
    result = runner.invoke(app, ["summarize", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Negotiators at the UN climate summit")
    assert "COP29 Talks Run" not in result.output  # the headline is not body text


def test_summarize_missing_file_is_a_clear_error() -> None:
    result = runner.invoke(app, ["summarize", os.devnull + ".missing.html"])
    assert result.exit_code == ExitCode.SOURCE
    assert "Traceback" not in result.output
