"""`digest new` on feeds served over HTTP: teasers are material, never the editor's words."""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.sources.draft import new_edition
from digest.summarize.tidy import calm_capitals, drop_label, is_cut_off, written_forms

runner = CliRunner()
NOW = datetime(2024, 11, 22, 18, 0, tzinfo=UTC)
# What a teaser must never bring into a draft or an email.
DEBRIS = re.compile(r"\(AP\)|SAN FRANCISCO —|…|\.\.\.|A THIRD|BREAKING:")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _item(base: str, slug: str, title: str, teaser: str) -> str:
    return (
        f"<item><title>{title}</title><link>{base}/{slug}.html</link>"
        f"<pubDate>Fri, 22 Nov 2024 09:00:00 +0000</pubDate>"
        f"<description>{teaser}</description></item>"
    )


def _page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang=en><head><title>{title}</title></head><body><main><article>"
        f"<h1>{title}</h1>{body}</article></main></body></html>"
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    site = tmp_path / "site"
    site.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    wire = [
        _item(
            base,
            "pge",
            "PG&amp;E begins shut-offs",
            "SAN FRANCISCO (AP) — Pacific Gas &amp; Electric Co. cut power to 500,000 homes on "
            "Friday to keep its lines from starting wildfires. The utility was set to begin...",
        ),
        _item(
            base,
            "plague",
            "Third plague case confirmed",
            "A THIRD case of the plague was confirmed in Inner Mongolia on Friday, health "
            "officials said. The patient, a herder, is in quarantine. He said “we are",
        ),
        _item(
            base,
            "mayor",
            "Mayor resigns",
            "BREAKING: The mayor resigned on Friday after a vote of no confidence. “It is "
            "time for someone else,” she told reporters. Her deputy takes over until…",
        ),
    ]
    city = [
        _item(base, "tram", "Tram line approved", "The council… “a historic day"),
    ]
    for name, items in (("wire.xml", wire), ("city.xml", city)):
        (site / name).write_text(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>{base}/</link>{''.join(items)}</channel></rss>",
            encoding="utf-8",
        )
    tram = [
        "WASHINGTON (AP) — The city council approved the new tram line on Friday after a "
        "debate that lasted eleven hours.",
        "The line will link the station with the hospital and open in 2027, officials said.",
        "Opponents had warned about the cost, which the council put at 120 million euros.",
    ]
    (site / "tram.html").write_text(_page("Tram line approved", tram), encoding="utf-8")
    for slug in ("pge", "plague", "mayor"):
        (site / f"{slug}.html").write_text(
            _page(slug, [f"The {slug} story is told in full on its page, with all details."] * 3),
            encoding="utf-8",
        )
    room = tmp_path / "room"
    room.mkdir()
    (room / "digest.toml").write_text(
        'name = "City Digest"\nfrom = "news@city.example"\nsummary_chars = 200\n'
        f'[fetch]\nallow_hosts = ["127.0.0.1"]\ntimeout = 5\n'
        f'[sources.per_feed]\n"{base}/wire.xml" = "feed"\n',
        encoding="utf-8",
    )
    yield base, room
    httpd.shutdown()
    httpd.server_close()


def test_a_draft_and_its_email_carry_no_teaser_debris(served: tuple[str, Path]) -> None:
    base, room = served
    draft = new_edition([f"{base}/wire.xml", f"{base}/city.xml"], folder=room, now=NOW)
    text = draft.path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    entries = {entry["title"]: entry for entry in data["articles"]}
    assert all("summary" not in entry for entry in entries.values())  # never the editor's words
    drafted = {title: entry.get("drafted_summary", "") for title, entry in entries.items()}
    for title, summary in drafted.items():
        assert DEBRIS.search(summary) is None, (title, summary)
        assert not is_cut_off(summary), (title, summary)
    # The wire feed's teasers, cleaned: dateline gone, the cut last sentence dropped.
    assert drafted["PG&E begins shut-offs"].startswith("Pacific Gas & Electric Co. cut power")
    assert drafted["Third plague case confirmed"].startswith("A third case of the plague")
    assert "we are" not in drafted["Third plague case confirmed"]
    assert drafted["Mayor resigns"].startswith("The mayor resigned on Friday")
    # The city feed defaults to the page: its summary comes from the linked page.
    assert drafted["Tram line approved"].startswith("The city council approved the new tram")
    assert text.count("# summary drafted from the feed's text") == 3
    assert text.count("# summary drafted from the linked page") == 1

    built = runner.invoke(app, ["build", str(draft.path)])
    assert built.exit_code == 0, built.output
    email = (room / "out" / "2024-11-22" / "digest.txt").read_text(encoding="utf-8")
    html = (room / "out" / "2024-11-22" / "digest.html").read_text(encoding="utf-8")
    for summary in drafted.values():
        assert summary[:40] in email
    assert DEBRIS.search(email) is None and DEBRIS.search(html) is None


def test_a_page_that_cannot_be_read_falls_back_to_the_feed_with_a_note(
    served: tuple[str, Path],
) -> None:
    base, room = served
    (room.parent / "site" / "tram.html").unlink()
    draft = new_edition([f"{base}/city.xml"], folder=room, now=NOW)
    text = draft.path.read_text(encoding="utf-8")
    assert "# note: the linked page could not be read" in text
    # The teaser is only fragments ("The council…", a quote never closed): nothing drafted.
    assert "\ndrafted_summary =" not in text and "\nsummary =" not in text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A THIRD case of the plague was found.", "A third case of the plague was found."),
        ("A NATO spokeswoman said no.", "A NATO spokeswoman said no."),
        ("The WHO and the US agreed.", "The WHO and the US agreed."),
        ("BREAKING: The mayor resigned.", "The mayor resigned."),
        (
            "SHOCKING NEW FIGURES FROM THE FBI show a rise.",
            "Shocking new figures from the FBI show a rise.",
        ),
    ],
)
def test_shouting_is_calmed_and_acronyms_kept(sentence: str, expected: str) -> None:
    assert (
        calm_capitals(drop_label(sentence), written_forms(["Officials gave the new figures."]))
        == expected
    )
