"""`digest check` on mistakes in the edition file: each gives exactly its code, named by key."""

from __future__ import annotations

import pytest

from digest.cli import app
from digest.errors import ExitCode

from .conftest import PublicationFactory
from .test_check import ARTICLE, ONE_ARTICLE, check, runner


def findings(edition_text: str, make: PublicationFactory, **options: str) -> list[dict[str, str]]:
    _code, payload = check(make(edition_text, files=ARTICLE, **options))
    found = payload["findings"]
    assert isinstance(found, list)
    return found


def test_a_section_not_in_digest_toml_is_an_error_with_did_you_mean(
    make_publication: PublicationFactory,
) -> None:
    code, payload = check(make_publication(ONE_ARTICLE + 'section = "Wrold"\n', files=ARTICLE))
    (finding,) = payload["findings"]
    assert (code, finding["code"], finding["severity"]) == (
        ExitCode.CHECK,
        "section-unknown",
        "error",
    )
    assert finding["message"].startswith("editions/2024-11-22.toml: articles[1].section: 'Wrold'")
    assert "did you mean 'World'?" in finding["message"]


@pytest.mark.parametrize("section", ["world", "BUSINESS", "News"])
def test_a_known_section_in_any_case_or_the_default_section_is_fine(
    make_publication: PublicationFactory, section: str
) -> None:
    assert findings(ONE_ARTICLE + f'section = "{section}"\n', make_publication) == []


def test_a_section_nothing_resembles_gets_no_guess(make_publication: PublicationFactory) -> None:
    (finding,) = findings(ONE_ARTICLE + 'section = "Quantum"\n', make_publication)
    assert finding["code"] == "section-unknown" and "did you mean" not in finding["message"]
    assert "(World, Business)" in finding["message"]


def test_two_leads_are_an_error_naming_the_second(make_publication: PublicationFactory) -> None:
    second = '[[articles]]\nsource = "../articles/b.md"\nlead = true\n'
    files = {
        **ARTICLE,
        "articles/b.md": ARTICLE["articles/a.md"]
        .replace("First story", "Second story")
        .replace("/a\n", "/b\n")
        .replace("The first story of the day", "Another story entirely different"),
    }
    code, payload = check(make_publication(ONE_ARTICLE + "lead = true\n\n" + second, files=files))
    assert code == ExitCode.CHECK
    assert [f["code"] for f in payload["findings"]] == ["lead-twice"]
    assert (
        "articles[2].lead: a second `lead = true`; articles[1] is already the lead"
        in (payload["findings"][0]["message"])
    )


def test_a_year_typo_gives_one_finding_not_one_per_story(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(ONE_ARTICLE, files=ARTICLE, edition_name="2091-11-22.toml")
    code, payload = check(edition, "--strict")
    assert [f["code"] for f in payload["findings"]] == ["edition-date-far"]
    message = payload["findings"][0]["message"]
    assert "2091-11-22.toml: (the date in the file name): the edition is dated 2091-11-22, " in (
        message
    )
    assert "67 years after today (2024-11-22)" in message
    assert code == ExitCode.WARNINGS


def test_a_typed_date_far_behind_today_names_the_key(
    make_publication: PublicationFactory,
) -> None:
    # A file name without a date, so `date =` alone dates it (a dated name must agree with it).
    found = findings(
        "date = 2024-10-01\n" + ONE_ARTICLE, make_publication, edition_name="autumn-special.toml"
    )
    assert [f["code"] for f in found] == ["edition-date-far"]
    assert ": date: the edition is dated 2024-10-01, 52 days before today" in found[0]["message"]


@pytest.mark.parametrize("day", ["2024-11-15", "2024-11-29"])
def test_a_week_either_way_is_fine(make_publication: PublicationFactory, day: str) -> None:
    article = {"articles/a.md": ARTICLE["articles/a.md"].replace("2024-11-22", day)}
    edition = make_publication(ONE_ARTICLE, files=article, edition_name=f"{day}.toml")
    assert check(edition)[1]["findings"] == []


def test_today_is_the_clock_unless_digest_today_names_a_day(
    make_publication: PublicationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = make_publication(ONE_ARTICLE, files=ARTICLE)
    monkeypatch.delenv("DIGEST_TODAY")  # the clock: years after the test edition's day
    assert [f["code"] for f in check(edition)[1]["findings"]] == ["edition-date-far"]
    monkeypatch.setenv("DIGEST_TODAY", "22/11/2024")
    result = runner.invoke(app, ["check", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert "DIGEST_TODAY='22/11/2024' is not a day" in result.output
    assert "Traceback" not in result.output
