"""Click links in the build: placed by the templates, deterministic, the same in both parts,
the canary in the HTML only, UTM parameters on request, nothing without `[clicks]`."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from typer.testing import CliRunner

from digest.cli import app
from digest.config import load_edition
from digest.mail.clicks import PREVIEW_CLICK_KEY, click_key, plan_links, read_click
from tests.newsroom import ENV, SECRET
from tests.readers_newsroom import STORIES, TICKER, make_readers_newsroom

CLICK = re.compile(r"https?://[^\s\"'<>]+/r/c/[^\s\"'<>]+")


def build(edition: Path) -> tuple[bytes, str, str]:
    result = CliRunner().invoke(app, ["build", str(edition)], env=ENV)
    assert result.exit_code == 0, result.output
    out = edition.parent.parent / "out" / edition.stem
    return (
        (out / "digest.eml").read_bytes(),
        (out / "digest.html").read_text(encoding="utf-8"),
        (out / "digest.txt").read_text(encoding="utf-8"),
    )


def test_click_links_are_deterministic_and_the_same_in_both_parts(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files")
    first = build(newsroom.edition)
    assert build(newsroom.edition) == first  # byte-identical rebuilds
    _, html, text = first
    in_html = list(dict.fromkeys(CLICK.findall(html)))
    in_text = list(dict.fromkeys(CLICK.findall(text)))
    canary = [link for link in in_html if "/c/0." in link]
    assert len(canary) == 1 and canary[0] not in text  # no person sees it
    assert [link for link in in_html if link not in canary] == in_text
    assert len(in_text) == len(STORIES) + len(TICKER)
    for link in in_html:  # a build's ids: recognised, never counted
        click = read_click(click_key(SECRET.encode()), link.rsplit("/", 1)[1])
        assert click is not None and click.preview
    assert not any(url in html for _, _, url in STORIES)  # every story link goes through /c/


def test_utm_parameters_without_clicks_and_behind_them(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(
        tmp_path / "news", 2525, transport="files", clicks=False, extra="utm = true\n"
    )
    _, html, text = build(newsroom.edition)
    assert "/r/c/" not in html
    tagged = [
        link
        for link in re.findall(r'href="([^"]+)"', html.replace("&amp;", "&"))
        if link.startswith("https://news.example.org/world/geneva")
    ]
    assert tagged, "the lead's link is there"
    query = parse_qs(urlsplit(tagged[0]).query)
    assert query == {
        "utm_source": ["Test Daily"],
        "utm_medium": ["email"],
        "utm_campaign": ["2024-11-24"],
    }
    assert tagged[0] in text
    loaded = load_edition(newsroom.edition)
    toml = newsroom.root / "digest.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("enabled = false", "enabled = true"),
        encoding="utf-8",
    )
    from digest.build import build_in_memory

    built = build_in_memory(load_edition(newsroom.edition), click_key=PREVIEW_CLICK_KEY)
    assert built.personal is not None and built.personal.links is not None
    targets = {link.url for link in built.personal.links.links}
    assert tagged[0] in targets  # the redirect leads to the tagged URL
    assert plan_links(built.edition, loaded.publication, loaded.identity) is not None


def test_no_readers_side_leaves_the_email_as_it_was(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, transport="files", clicks=False)
    toml = newsroom.root / "digest.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[: text.index("\n[readers]")] + "\n", encoding="utf-8")
    _, html, plain = build(newsroom.edition)
    assert "/r/" in html  # the unsubscribe link, nothing more of the server
    assert "/r/c/" not in html and "/r/p/" not in html and "Manage preferences" not in plain
    for _, _, url in STORIES:
        assert f'href="{url}"' in html
