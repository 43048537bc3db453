"""A week in a newsroom: two editions whose second repeats, rewrites and follows up the first.

Edition D (2024-11-21) runs four stories. Edition D+1 (2024-11-22) runs the Mourinho story again
at the same link (with a tracking parameter), the World Bank story as a wire's paraphrase at a
new address, an unrelated Valencia story (it shares only the place name with D's floods), a
follow-up on the floods marked `update = true`, and one fresh story.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app

SECRET = "history-test-secret-0123456789abcdef"
ENV = {"DIGEST_UNSUBSCRIBE_SECRET": SECRET}
READERS = (
    "ann@example.org",
    "bob@example.org",
    "cat@example.org",
    "dan@example.net",
    "eve@example.com",
)
D, D1 = "2024-11-21", "2024-11-22"

PUBLICATION = """\
name = "Harbour Daily"
from = "Harbour Daily <news@harbour.example.org>"
timezone = "Europe/London"
archive_url = "https://harbour.example.org/archive/{{date}}.html"
sections = ["World", "Business", "Sport"]
[brand]
postal_address = "1 Quay Street, Bristol BS1 4DJ"
[unsubscribe]
url = "{unsubscribe_url}"
[theme]
name = "{theme}"
[delivery]
transport = "smtp"
host = "127.0.0.1"
port = {smtp_port}
security = "none"
timeout = 10
connections = 2
{delivery_extra}
"""

# slug: (title, url, section, body)
ARTICLES = {
    "worldbank": (
        "World Bank cuts Bangladesh growth forecast to 4.1% for FY25",
        "https://harbour.example.org/business/world-bank-bangladesh",
        "Business",
        "The World Bank has cut its growth forecast for Bangladesh to 4.1% for the 2025 "
        "fiscal year, citing political unrest and floods. The lender had forecast 5.7% in "
        "April. Garment exports held up, the bank said.",
    ),
    "floods": (
        "Valencia floods: death toll rises to 95 as rescuers search for the missing",
        "https://harbour.example.org/world/valencia-floods",
        "World",
        "Flash floods in the Spanish region of Valencia have killed at least 95 people, "
        "officials said, as rescuers searched flooded towns for the missing. A year's rain "
        "fell in eight hours in some places.",
    ),
    "mourinho": (
        "Mourinho fined after criticising referee",
        "https://harbour.example.org/sport/mourinho-fine",
        "Sport",
        "Jose Mourinho has been fined and banned for one match by the Turkish football "
        "federation after criticising the referee following Fenerbahce's draw. The coach "
        "said he would appeal the decision.",
    ),
    "ferry": (
        "Harbour ferry timetable changes from Monday",
        "https://harbour.example.org/local/ferry-timetable",
        "World",
        "The harbour ferry will run every twenty minutes from Monday, the operator said, "
        "with later sailings on Fridays and Saturdays through the winter.",
    ),
    # D+1
    "wire": (
        "Bangladesh's GDP growth to decline to 4.1% in FY25: WB",
        "https://wire.example.com/asia/bangladesh-gdp-fy25",
        "Business",
        "Bangladesh's economy will grow by 4.1% in the 2025 fiscal year, down from an "
        "earlier estimate, the WB said in its latest update, pointing to unrest and floods.",
    ),
    "coach": (
        "Valencia football club appoints new head coach",
        "https://harbour.example.org/sport/valencia-coach",
        "Sport",
        "Valencia CF have named Carlos Corberan as head coach on a contract until 2027. "
        "The former West Brom manager takes over a side near the bottom of La Liga.",
    ),
    "followup": (
        "Valencia floods: rescuers search for the missing as death toll rises",
        "https://harbour.example.org/world/valencia-floods-toll",
        "World",
        "Rescuers in Valencia searched flooded towns for the missing on Friday as the death "
        "toll from the floods rose, officials said, and the regional leader faced questions "
        "over warnings that came too late.",
    ),
    "budget": (
        "City council approves harbour wall repairs",
        "https://harbour.example.org/local/harbour-wall",
        "World",
        "The city council approved repairs to the old harbour wall at a cost of two million "
        "pounds, with work due to start in the spring.",
    ),
}

ARTICLE = """\
---
title: "{title}"
url: {url}
section: {section}
date: {date}
---
{body}
"""


def entry(slug: str, *, url: str | None = None, **extra: object) -> str:
    """One [[articles]] table for an article file."""
    lines = ["[[articles]]", f'source = "../articles/{slug}.md"']
    if url:
        lines.append(f'url = "{url}"')
    for key, value in extra.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


EDITION_D = "".join(entry(slug) for slug in ("floods", "worldbank", "mourinho", "ferry"))
EDITION_D1 = "".join(
    (
        entry("budget"),
        entry("mourinho", url=ARTICLES["mourinho"][1] + "?utm_source=newsletter"),
        entry("wire"),
        entry("coach"),
        entry("followup", update=True),
    )
)


@dataclass(frozen=True)
class Newsroom:
    """A publication folder with editions D and D+1 and a list of five readers."""

    root: Path
    recipients: Path

    def edition(self, day: str) -> Path:
        return self.root / "editions" / f"{day}.toml"


def make_newsroom(
    folder: Path,
    smtp_port: int,
    *,
    unsubscribe_url: str = "https://harbour.example.org/unsubscribe?token={token}",
    theme: str = "briefing",
    delivery_extra: str = "",
    editions: dict[str, str] | None = None,
    tail: str = "",
) -> Newsroom:
    """Write digest.toml (`tail` appended), the article files, editions D and D+1, list.csv."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "editions").mkdir(exist_ok=True)
    (folder / "digest.toml").write_text(
        PUBLICATION.format(
            unsubscribe_url=unsubscribe_url,
            smtp_port=smtp_port,
            theme=theme,
            delivery_extra=delivery_extra,
        )
        + tail,
        encoding="utf-8",
    )
    for slug, (title, url, section, body) in ARTICLES.items():
        day = D if slug in ("worldbank", "floods", "mourinho", "ferry") else D1
        (folder / "articles" / f"{slug}.md").write_text(
            ARTICLE.format(title=title, url=url, section=section, date=day, body=body),
            encoding="utf-8",
        )
    for day, text in (editions or {D: EDITION_D, D1: EDITION_D1}).items():
        (folder / "editions" / f"{day}.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    recipients = folder / "list.csv"
    recipients.write_text("email\n" + "".join(f"{r}\n" for r in READERS), encoding="utf-8")
    return Newsroom(folder, recipients)


runner = CliRunner()


def digest(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `digest ARGS...`; (exit code, stdout and stderr together)."""
    result = runner.invoke(app, list(args), env={**ENV, **(env or {})})
    return result.exit_code, result.output
