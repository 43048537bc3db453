"""`digest init` starts right: an example that builds, placeholders `check` refuses, a guide."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_edition
from digest.config.placeholders import PLACEHOLDER_DOMAIN, PLACEHOLDER_POSTAL_ADDRESS
from digest.errors import ExitCode
from digest.mail.check import contrast_ratio
from digest.scaffold import scaffold

runner = CliRunner()
DAY = date(2024, 11, 22)
REAL_SETTINGS = {
    r"^from = .*$": 'from = "Morning Brief <news@brief.example.org>"',
    r"^postal_address = .*$": 'postal_address = "Morning Brief, 1 High Street, London N1 1AA"',
    r"^url = .*$": 'url = "https://brief.example.org/unsubscribe?token={token}"',
}


@pytest.fixture
def publication(tmp_path: Path) -> Path:
    folder = tmp_path / "newsroom"
    scaffold(folder, name="Morning Brief", today=DAY)
    return folder


def _set(folder: Path, replacements: dict[str, str]) -> None:
    settings = folder / "digest.toml"
    text = settings.read_text(encoding="utf-8")
    for pattern, line in replacements.items():
        text, count = re.subn(pattern, line, text, count=1, flags=re.M)
        assert count == 1, pattern
    settings.write_text(text, encoding="utf-8")


def _check(folder: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["check", str(folder / "editions" / "2024-11-22.toml")])
    return result.exit_code, result.output


def test_check_refuses_the_placeholders_until_they_are_set(publication: Path) -> None:
    code, output = _check(publication)
    assert code == ExitCode.CHECK
    for key in ("`from`", "[brand] postal_address", "[unsubscribe] url"):
        assert f"digest.toml {key} is still the placeholder" in output
    _set(publication, REAL_SETTINGS)
    code, output = _check(publication)
    assert code == ExitCode.OK, output
    assert "placeholder" not in output


def test_the_example_builds_a_real_section_with_real_stories(publication: Path) -> None:
    edition = publication / "editions" / "2024-11-22.toml"
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == 0, result.output
    assert "2 articles in 1 section (lead: Council approves the tram line" in result.output
    assert "In brief: 2 items kept, 0 dropped" in result.output
    text = (publication / "out" / "2024-11-22" / "digest.txt").read_text(encoding="utf-8")
    assert "Central library to open on Sundays" in text and "14-kilometre tram line" in text
    assert load_edition(edition).edition.articles[0].lead


def test_placeholders_of_digest_itself_stay_as_written(publication: Path) -> None:
    settings = (publication / "digest.toml").read_text(encoding="utf-8")
    assert '# archive_url = "https://example.org/digest/{date}.html"' in settings
    assert "{{" not in settings and "2024-11-22" not in settings
    data = tomllib.loads(settings)
    assert data["unsubscribe"]["url"] == f"https://{PLACEHOLDER_DOMAIN}/unsubscribe?token={{token}}"
    assert data["brand"]["postal_address"] == PLACEHOLDER_POSTAL_ADDRESS
    assert data["name"] == "Morning Brief"


def test_templates_readme_says_where_the_default_theme_is(publication: Path) -> None:
    readme = (publication / "templates" / "README.md").read_text(encoding="utf-8")
    (theme,) = (line.strip() for line in readme.splitlines() if line.strip().startswith("/"))
    assert (Path(theme) / "digest.mjml.j2").is_file()
    assert (Path(theme) / "partials" / "story.mjml.j2").is_file()
    assert "partials/story.mjml.j2" in readme and "footer" in readme


def test_templates_readme_names_every_block_and_template_of_the_theme(publication: Path) -> None:
    """Read from the theme's files when `init` runs, so it stays true when the theme changes."""
    import re

    from digest.scaffold import default_theme_folder

    readme = (publication / "templates" / "README.md").read_text(encoding="utf-8")
    theme = default_theme_folder()
    source = (theme / "digest.mjml.j2").read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.DOTALL)  # its comment shows one too
    blocks = list(dict.fromkeys(re.findall(r"\{%-?\s*block\s+(\w+)", source)))
    assert len(blocks) >= 8
    listed = readme.split("The blocks of `digest.mjml.j2`, in order:", 1)[1].split(".\n", 1)[0]
    assert re.findall(r"`(\w+)`", listed) == blocks
    for template in theme.rglob("*.j2"):
        assert f"- `{template.relative_to(theme).as_posix()}`" in readme


def test_templates_readme_follows_the_theme_it_is_given(tmp_path: Path) -> None:
    """Another theme (its own blocks and files) gives another README."""
    from digest.scaffold import theme_markers
    from digest.scaffold.theme_outline import outline

    theme = tmp_path / "briefing"
    (theme / "parts").mkdir(parents=True)
    (theme / "digest.mjml.j2").write_text(
        "{#- A one-column briefing. Short. -#}\n<mjml>{% block top %}{% endblock %}"
        "{% block body %}{% block item %}{% endblock %}{% endblock %}"
        "{% trans %}x{% endtrans %}</mjml>\n"
    )
    (theme / "parts" / "item.mjml.j2").write_text("{#- One item. -#}\n")
    markers = theme_markers(outline("briefing", theme))
    assert markers["blocks"] == "The blocks of `digest.mjml.j2`, in order: `top`, `body`, `item`."
    assert markers["theme_name"] == "briefing" and markers["example_block"] == "item"
    assert "- `parts/item.mjml.j2`: One item." in markers["templates"]
    assert markers["example_template"] == "parts/item.mjml.j2"


def test_init_ends_with_the_next_three_commands(tmp_path: Path) -> None:
    folder = tmp_path / "newsroom"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-3:]
    edition = folder / "editions" / f"{date.today().isoformat()}.toml"
    assert [line.split("#")[0].split() for line in last] == [
        ["digest", command, str(edition)] for command in ("preview", "check", "build")
    ]
    assert "postal_address" in result.output


def test_init_refuses_a_name_that_would_break_the_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--name", 'Say "hi"'])
    assert result.exit_code == ExitCode.CONFIG and "without quotes" in result.output
    assert not (tmp_path / "x").exists()


def test_init_into_a_file_is_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file")
    result = runner.invoke(app, ["init", str(blocker / "newsroom")])
    assert result.exit_code == ExitCode.IO
    assert "cannot create" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("colour", "severity"),
    [("#ffdd00", "error"), ("#d46a00", "warning"), ("#1a5fb4", None)],
)
def test_brand_contrast_under_3_is_an_error_under_4_5_a_warning(
    publication: Path, colour: str, severity: str | None
) -> None:
    _set(publication, {**REAL_SETTINGS, r"^color = .*$": f'color = "{colour}"'})
    code, output = _check(publication)
    ratio = contrast_ratio("#ffffff", colour)
    if severity is None:
        assert code == ExitCode.OK and "contrast" not in output and ratio >= 4.5
    elif severity == "error":
        assert code == ExitCode.CHECK and ratio < 3
        assert (
            f"error  masthead text (white) on brand.color has a contrast of {ratio:.1f}:1" in output
        )
    else:
        assert code == ExitCode.OK and 3 <= ratio < 4.5
        assert "warning  masthead text (white) on brand.color" in output
