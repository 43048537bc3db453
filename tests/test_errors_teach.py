"""Errors that teach: dates, unknown keys, plain words, template and MJML locations."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_edition
from digest.config.dates import parse_iso_date
from digest.errors import ConfigError, ExitCode
from digest.mail.errors import mjml_problem_line

from .conftest import MINIMAL_PUBLICATION, ROOT, SAMPLE, PublicationFactory

runner = CliRunner()
THEME = ROOT / "templates" / "classic"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-31", "2026-11-31 is not a date: November has 30 days"),
        ("2026-02-29", "2026-02-29 is not a date: 2026 is not a leap year, so February has 28"),
        ("2026-13-01", "there is no month 13"),
        ("2026-04-00", "days start at 01"),
        ("25/11/2026", "'25/11/2026' is not a date in the form YYYY-MM-DD .*; write 2026-11-25"),
        ("11.25.2026", "; write 2026-11-25"),
        ("03/04/2026", r"is it 2026-04-03 or 2026-03-04\?"),
        ("22 Nov 2024", "not a date in the form YYYY-MM-DD"),
    ],
)
def test_dates_say_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        parse_iso_date(text)


def test_a_real_date() -> None:
    assert parse_iso_date(" 2024-02-29 ") == date(2024, 2, 29)


def test_file_name_that_is_not_a_date(make_publication: PublicationFactory) -> None:
    edition = make_publication('[[ticker]]\ntext = "x"\n', edition_name="2026-11-31.toml")
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    (problem,) = caught.value.problems
    assert problem.message.startswith("2026-11-31 is not a date: November has 30 days")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"25/11/2026"', "write 2026-11-25"),
        ("1732233600", "1732233600 is not a date; write it as YYYY-MM-DD"),
        ("2024-11-22T06:00:00", "has a time of day; write the date alone: 2024-11-22"),
        ('"2024-11-22"', None),
        ("2024-11-22", None),
    ],
)
def test_edition_dates_are_iso_only(
    make_publication: PublicationFactory, value: str, expected: str | None
) -> None:
    edition = make_publication(f'date = {value}\n[[ticker]]\ntext = "x"\n', edition_name="d.toml")
    if expected is None:
        assert load_edition(edition).date == date(2024, 11, 22)
        return
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    (problem,) = caught.value.problems
    assert problem.key == "date" and expected in problem.message
    assert "Input should" not in str(caught.value)  # no pydantic wording


def test_unknown_keys_suggest_the_nearest_or_the_right_table(
    make_publication: PublicationFactory,
) -> None:
    publication = MINIMAL_PUBLICATION.replace(
        "[brand]", "postal_adress = 'x'\n[brand]\ncolour = 'red'"
    )
    edition = make_publication(
        '[[articles]]\nsource = "a.md"\ntitel = "T"\n\n[[ticker]]\ntext = "x"\nlead = true\n',
        files={"editions/a.md": "---\ntitle: A\n---\nBody.\n"},
        publication=publication + "[delivery]\nprot = 25\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    messages = {problem.key: problem.message for problem in caught.value.problems}
    assert messages["brand.colour"] == "unknown key; did you mean `color`?"
    assert messages["delivery.prot"] == "unknown key; did you mean `port`?"
    assert messages["postal_adress"] == (
        "unknown key here; did you mean `postal_address` in [brand]?"
    )
    assert messages["articles[1].titel"] == "unknown key; did you mean `title`?"
    assert messages["ticker[1].lead"] == "unknown key here; `lead` belongs in [[articles]]"


def test_values_are_judged_in_plain_words(make_publication: PublicationFactory) -> None:
    publication = 'summary_chars = "many"\ndirection = "up"\n' + MINIMAL_PUBLICATION.replace(
        'sections = ["World", "Business"]', 'sections = "World"'
    )
    publication += "[delivery]\nport = 0\n"
    edition = make_publication('[[ticker]]\ntext = "x"\n', publication=publication)
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    messages = {problem.key: problem.message for problem in caught.value.problems}
    assert messages["summary_chars"] == "must be a whole number (not 'many')"
    assert messages["direction"] == "must be one of 'ltr' or 'rtl' (not 'up')"
    assert messages["sections"].startswith("must be a list")
    assert messages["delivery.port"] == "must be at least 1 (not 0)"


# --- templates and MJML ------------------------------------------------------------------------


@pytest.fixture
def overridden(tmp_path: Path) -> Path:
    """The sample publication with its own copy of the story partial, to break."""
    target = tmp_path / "greenwatch"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("out"))
    (target / "templates" / "partials").mkdir(parents=True)
    with (target / "digest.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[theme]\nname = "classic"\n')
    shutil.copy(THEME / "partials" / "story.mjml.j2", target / "templates" / "partials")
    return target


def _break(folder: Path, old: str, new: str) -> None:
    partial = folder / "templates" / "partials" / "story.mjml.j2"
    text = partial.read_text(encoding="utf-8")
    assert old in text
    partial.write_text(text.replace(old, new, 1), encoding="utf-8")


def _build(folder: Path) -> str:
    result = runner.invoke(app, ["build", str(folder / "editions" / "2024-11-22.toml")])
    assert result.exit_code == ExitCode.RENDER, result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert not (folder / "out").exists()
    return result.output


def test_undefined_name_names_the_template_and_line(overridden: Path) -> None:
    _break(overridden, "{{ story.title }}</a>", "{{ story.titel }}</a>")
    output = _build(overridden)
    assert "template error in templates/partials/story.mjml.j2, line 12:" in output
    assert "has no attribute 'titel'" in output
    assert ">   12 | <{{ tag }}" in output


def test_python_error_in_a_template_is_named_too(overridden: Path) -> None:
    _break(overridden, "{{ story.summary }}", "{{ story.summary + 1 }}")
    output = _build(overridden)
    assert "templates/partials/story.mjml.j2, line 38: TypeError:" in output


def test_syntax_error_names_the_line(overridden: Path) -> None:
    _break(overridden, "{%- endmacro -%}", "{%- endmacr -%}")
    output = _build(overridden)
    assert "templates/partials/story.mjml.j2, line 9:" in output


def test_unclosed_mjml_names_the_line_of_digest_mjml(overridden: Path) -> None:
    _break(overridden, "{{ more(story) }}</mj-text>", "{{ more(story) }}")
    output = _build(overridden)
    assert "the MJML compiler rejected" in output
    assert "<mj-text> is not closed before the <mj-text> on line" in output
    assert ">   " in output and 'css-class="ld"' in output


def test_broken_tag_names_the_line_of_digest_mjml(overridden: Path) -> None:
    _break(
        overridden, '<mj-text>{{ headline(story, "h3") }}', '<mj-text{{ headline(story, "h3") }}'
    )
    output = _build(overridden)
    assert "digest.mjml, line" in output and "<mj-text<h3>" in output


def test_well_formed_mjml_has_no_problem_line() -> None:
    assert (
        mjml_problem_line("<mjml><mj-body><mj-text>a &nbsp; <br> b</mj-text></mj-body></mjml>")
        is None
    )
    head = '<mj-head><mj-attributes><mj-text padding="0" /></mj-attributes></mj-head>'
    assert mjml_problem_line(f"<mjml>\n{head}\n<mj-body></mj-section>\n</mjml>") == (
        3,
        "Opening and ending tag mismatch: mj-body line 3 and mj-section",
    )
