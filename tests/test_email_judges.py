"""Both themes judged by third-party tools: node MJML's strict validation, html-validate,
axe-core in Chromium, caniemail's data (less the theme's accepted exceptions), SpamAssassin.

The node tools are installed by `npm ci --prefix benchmarks/node` (CI does it); without them
these tests skip and say so. benchmarks/theme.py prints the same figures as a table.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from digest.build import build

from .judges import (
    NODE,
    NOT_INSTALLED,
    axe_violations,
    caniemail_figures,
    html_validate,
    mjml_strict,
    spamassassin,
)

THEMES = ("briefing", "classic")
needs_judges = pytest.mark.skipif(
    not (NODE / "node_modules").is_dir() or shutil.which("node") is None,
    reason="the email's judges are not installed (npm ci --prefix benchmarks/node); skipped",
)


@pytest.fixture(params=THEMES)
def built_theme(request: pytest.FixtureRequest, sample_copy: Path) -> tuple[str, Path]:
    """The sample built in one theme, with the contents on and the readers' side (preference
    link, click links, the hidden canary): every element shown."""
    theme = str(request.param)
    toml = sample_copy / "digest.toml"
    extra = (
        f'\n[theme]\nname = "{theme}"\ncontents = true\n'
        '\n[readers]\nurl = "https://www.greenwatch.example/r/"\n\n[clicks]\nenabled = true\n'
    )
    toml.write_text(toml.read_text(encoding="utf-8") + extra, encoding="utf-8")
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    return theme, Path(files["html"])


@needs_judges
def test_mjml_is_valid_under_strict_validation(built_theme: tuple[str, Path]) -> None:
    _, html = built_theme
    assert mjml_strict(html.with_name("digest.mjml")) == "0"


@needs_judges
def test_html_validate_finds_no_errors(built_theme: tuple[str, Path], tmp_path: Path) -> None:
    _, html = built_theme
    assert html_validate(html, tmp_path) == "0"


@needs_judges
def test_axe_finds_nothing_serious_or_critical(browser: Any, built_theme: tuple[str, Path]) -> None:
    _, html = built_theme
    assert axe_violations(browser, html) == "0"


@needs_judges
def test_briefing_uses_nothing_caniemail_marks_unsupported_beyond_its_exceptions(
    sample_copy: Path,
) -> None:
    _, files = build(sample_copy / "editions" / "2024-11-22.toml")
    strict, enhanced = caniemail_figures("briefing", Path(files["html"]))
    assert (strict, enhanced) == ("0", "0")


@pytest.mark.skipif(shutil.which("spamassassin") is None, reason="SpamAssassin is not installed")
def test_spamassassin_scores_each_theme_at_most_zero(built_theme: tuple[str, Path]) -> None:
    _, html = built_theme
    score = spamassassin(html.with_name("digest.eml"))
    assert score != NOT_INSTALLED and float(score) <= 0.0, score
