"""The readers' pages: catalogs that match their sources, every language's page and message, and
pages a person can use on a phone and with a screen reader (axe-core in Chromium)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from digest.config import load_publication
from digest.subscribers.mailer import confirmation_message
from digest.subscribers.pages import LOCALE_FOLDER, readers_page, render_page, strings_for
from tests.judges import NOT_INSTALLED, axe_violations
from tests.newsroom import parse
from tests.readers_newsroom import make_readers_newsroom

SUBSCRIBERS = LOCALE_FOLDER.parent
FULL_LANGUAGES = ("de", "fr", "es", "pt")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
PHONE_PX = 375


def messages(catalog: Any) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("folder", sorted(p for p in LOCALE_FOLDER.iterdir() if p.is_dir()))
def test_each_shipped_catalog_says_what_its_source_says(folder: Path) -> None:
    with (folder / "LC_MESSAGES" / "digest.po").open("rb") as handle:
        source = read_po(handle)
    with (folder / "LC_MESSAGES" / "digest.mo").open("rb") as handle:
        shipped = read_mo(handle)
    assert {k: v for k, v in messages(source).items() if v} == messages(shipped)
    with (LOCALE_FOLDER / "digest.pot").open("rb") as handle:
        wanted = set(messages(read_po(handle)))
    assert set(messages(source)) == wanted, "run `make readers-strings`, then update the .po"
    for english, text in messages(source).items():
        if text:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english)), english
        elif folder.name in FULL_LANGUAGES:
            raise AssertionError(f"{folder.name}: {english!r} is not translated")


def test_the_template_knows_every_string_the_code_and_pages_use(tmp_path: Path) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    target = tmp_path / "fresh.pot"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "locale/babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(target),
            ".",
        ],
        cwd=SUBSCRIBERS,
        check=True,
        capture_output=True,
    )
    with target.open("rb") as fresh, (LOCALE_FOLDER / "digest.pot").open("rb") as kept:
        assert set(messages(read_po(fresh))) == set(messages(read_po(kept)))


@pytest.mark.parametrize("language", FULL_LANGUAGES)
def test_pages_and_the_confirmation_message_in_each_language(language: str, tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525, language=language)
    publication = load_publication(newsroom.root / "digest.toml")
    english = load_publication(newsroom.root / "digest.toml").model_copy(update={"language": "en"})
    for state in ("signup", "confirm", "preferences", "change", "click_gone", "expired"):
        page = readers_page(publication, newsroom.root, state, 200, address="a@example.org")
        assert f'lang="{language}"'.encode() in page.html
        base = readers_page(english, newsroom.root, state, 200, address="a@example.org")
        assert page.html != base.html, state  # translated, not the English text
    unsubscribe = render_page(publication, newsroom.root, "confirm", 200, "a@example.org")
    assert b"a@example.org" in unsubscribe.html
    message = confirmation_message(
        publication,
        strings_for(publication),
        to="a@example.org",
        name="",
        url="https://news.example.org/r/confirm/x",
        hours=48,
    )
    parsed = parse(message.data)
    subject = str(parsed["Subject"])
    assert "Test Daily" in subject and subject != "Confirm your subscription to Test Daily"
    text = parsed.get_body(("plain",))
    assert text is not None and "48" in str(text.get_content())


@pytest.mark.parametrize("state", ["signup", "preferences", "confirm", "change"])
def test_pages_fit_a_phone_and_pass_axe(browser: Any, state: str, tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525)
    publication = load_publication(newsroom.root / "digest.toml")
    page = readers_page(
        publication,
        newsroom.root,
        state,
        200,
        address="a.very.long.address.that.goes.on.and.on@subdomain.example.org",
        old_address="old@example.org",
        standing="You receive every edition.",
        can_move=True,
        proof="x",
    )
    path = tmp_path / f"{state}.html"
    path.write_bytes(page.html)
    view = browser.new_page(viewport={"width": PHONE_PX, "height": 700})
    view.goto(path.as_uri())
    assert view.evaluate("document.documentElement.scrollWidth") <= PHONE_PX
    for form in view.query_selector_all("form"):
        assert form.get_attribute("method") == "post"
    view.close()
    found = axe_violations(browser, path)
    if found == NOT_INSTALLED:
        pytest.skip("axe-core is not installed (npm ci --prefix benchmarks/node)")
    assert found == "0"


def test_a_publication_restyles_every_page_with_its_own_layout(tmp_path: Path) -> None:
    newsroom = make_readers_newsroom(tmp_path / "news", 2525)
    (newsroom.root / "templates").mkdir()
    (newsroom.root / "templates" / "layout.html.j2").write_text(
        "<main class='house'>{% block content %}{% endblock %}</main>", encoding="utf-8"
    )
    publication = load_publication(newsroom.root / "digest.toml")
    page = readers_page(publication, newsroom.root, "signup", 200)
    assert page.html.startswith(b"<main class='house'>") and b'name="email"' in page.html
