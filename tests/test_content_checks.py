"""`digest check` content warnings, each on a crafted edition: boilerplate or short summaries,
stale or undated stories, stories without a link, two stories telling the same news."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode

from .conftest import MINIMAL_PUBLICATION, PublicationFactory

runner = CliRunner()
BODY = (
    "The city council approved a new budget this week after a long debate about the "
    "cost of repairing the old bridge over the river."
)


def article(
    title: str,
    *,
    when: str | None = "2024-11-21T09:30:00Z",
    url: bool = True,
    body: str = BODY,
) -> str:
    """A Markdown article with front matter."""
    lines = [f"title: {json.dumps(title)}"]
    if when is not None:
        lines.append(f"date: {when}")
    if url:
        lines.append(f"url: https://example.org/{title.lower().replace(' ', '-')}")
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


GOOD = {"articles/a.md": article("Council approves budget")}
ONE = '[[articles]]\nsource = "../articles/a.md"\n'


def findings(edition: Path, *options: str) -> tuple[int, list[dict[str, str]]]:
    result = runner.invoke(app, ["check", str(edition), "--json", *options])
    payload = json.loads(result.output)
    return result.exit_code, payload["findings"]


def codes(found: list[dict[str, str]]) -> list[str]:
    return [finding["code"] for finding in found]


def test_a_fresh_dated_linked_story_with_a_real_summary_is_clean(
    make_publication: PublicationFactory,
) -> None:
    code, found = findings(make_publication(ONE, files=GOOD))
    assert (code, found) == (0, [])


def test_short_summary_warns_and_strict_fails(make_publication: PublicationFactory) -> None:
    edition = make_publication(ONE + 'summary = "Budget passed."\n', files=GOOD)
    code, found = findings(edition)
    assert code == 0 and codes(found) == ["summary-short"]
    assert "14 characters" in found[0]["message"] and "under 60" in found[0]["message"]
    strict, _found = findings(edition, "--strict")
    assert strict == ExitCode.WARNINGS


def test_boilerplate_summary_warns(make_publication: PublicationFactory) -> None:
    summary = "This article was originally published by Futurism. Read more at futurism.com."
    edition = make_publication(ONE + f'summary = "{summary}"\n', files=GOOD)
    _code, found = findings(edition)
    assert codes(found) == ["summary-boilerplate"]
    assert "Council approves budget" in found[0]["message"]


def test_story_older_than_stale_after_days_warns(make_publication: PublicationFactory) -> None:
    files = {"articles/a.md": article("Council approves budget", when="2024-11-15T09:30:00Z")}
    _code, found = findings(make_publication(ONE, files=files))
    assert codes(found) == ["story-stale"]
    assert "2024-11-15, 7 days before" in found[0]["message"]
    # The publication decides what stale means.
    relaxed = MINIMAL_PUBLICATION.replace("sections = [", "stale_after_days = 7\nsections = [")
    _code, found = findings(make_publication(ONE, files=files, publication=relaxed))
    assert found == []


def test_stale_counts_days_in_the_publication_time_zone(
    make_publication: PublicationFactory,
) -> None:
    # 23:30 UTC on the 18th is already the 19th in Tokyo: 3 days before the edition, not 4.
    files = {"articles/a.md": article("Council approves budget", when="2024-11-18T23:30:00Z")}
    tokyo = MINIMAL_PUBLICATION.replace("Europe/London", "Asia/Tokyo")
    _code, found = findings(make_publication(ONE, files=files, publication=tokyo))
    assert found == []
    _code, found = findings(make_publication(ONE, files=files))
    assert codes(found) == ["story-stale"]


def test_unknown_date_warns(make_publication: PublicationFactory) -> None:
    files = {"articles/a.md": article("Council approves budget", when=None)}
    _code, found = findings(make_publication(ONE, files=files))
    assert codes(found) == ["story-no-date"]


def test_story_without_link_warns(make_publication: PublicationFactory) -> None:
    files = {"articles/a.md": article("Council approves budget", url=False)}
    _code, found = findings(make_publication(ONE, files=files))
    assert codes(found) == ["story-no-link"]


def test_kept_stories_telling_the_same_news_warn(make_publication: PublicationFactory) -> None:
    files = {
        "articles/a.md": article(
            "World Bank cuts Bangladesh growth forecast to 4.1% for FY25",
            body="The World Bank on Tuesday cut its forecast for Bangladesh's economic growth "
            "to 4.1% for the 2025 fiscal year, citing political unrest and high inflation.",
        ),
        "articles/b.md": article(
            "Bangladesh's GDP Growth to Decline to 4.1% in FY25: WB",
            body="Growth in Bangladesh is expected to slow sharply this year as unrest and "
            "floods weigh on output, the lender said in its latest development update.",
        ),
    }
    both = ONE + '\n[[articles]]\nsource = "../articles/b.md"\nkeep = true\n'
    _code, found = findings(make_publication(both, files=files))
    assert codes(found) == ["same-news"]
    assert "World Bank cuts" in found[0]["message"] and "GDP Growth" in found[0]["message"]


def test_different_stories_sharing_a_word_do_not_warn(
    make_publication: PublicationFactory,
) -> None:
    files = {
        "articles/a.md": article("Council approves budget"),
        "articles/b.md": article(
            "Bangladesh budget talks with IMF stall over fuel subsidies",
            body="Talks between Bangladesh and the IMF stalled on Monday over fuel subsidies, "
            "officials in Dhaka said, delaying the next loan tranche until the new year.",
        ),
    }
    both = ONE + '\n[[articles]]\nsource = "../articles/b.md"\n'
    _code, found = findings(make_publication(both, files=files))
    assert "same-news" not in codes(found)
