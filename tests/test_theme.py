"""The theme: catalogs, string overrides, dark colours, template blocks, export, structure."""

from __future__ import annotations

import re
import tomllib
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from digest.build import build
from digest.cli import app
from digest.config import Brand, load_edition
from digest.errors import ConfigError, ExitCode, RenderError
from digest.mail.i18n import SHIPPED_LANGUAGES
from digest.mail.plaintext import TEXT_WIDTH
from digest.mail.render import (
    PREVIEW_CHARS,
    PREVIEW_FILLER,
    locale_folder,
    preview_filler,
    render,
)
from digest.mail.theme import (
    DARK_CARD,
    MIN_CONTRAST,
    contrast_ratio,
    image_box,
    lead_in,
    palettes,
    readable_on,
)

from .conftest import MINIMAL_PUBLICATION, PublicationFactory

runner = CliRunner()
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
THEMES = ("briefing", "classic")
THEME = TEMPLATES / "briefing"
GETTEXT_CALL = re.compile(r"""_\("((?:[^"\\]|\\.)*)\"""")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def template_strings() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.rglob("*.j2"):
        found |= set(GETTEXT_CALL.findall(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_catalogs_translate_every_string_and_are_compiled(language: str) -> None:
    folder = locale_folder() / language / "LC_MESSAGES"
    with (folder / "digest.po").open("rb") as handle:
        catalog = read_po(handle)
    ids = {message.id for message in catalog if message.id}
    assert ids == template_strings()
    for message in catalog:
        if not message.id:
            continue
        if language != "en":
            assert message.string, (language, message.id)
        given_ = set(PLACEHOLDER.findall(str(message.string)))
        assert not message.string or given_ == set(PLACEHOLDER.findall(str(message.id)))
    # The shipped .mo translates exactly what the .po says. Compared as parsed messages, never
    # as bytes: the compiler writes its own version into the file ("Generated-By: Babel …").
    with (folder / "digest.mo").open("rb") as handle:
        shipped = read_mo(handle)
    assert translations(shipped) == translations(catalog), "run `make catalogs`"


def translations(catalog: Catalog) -> dict[object, object]:
    """Message id -> translation, the header entry left out (it names the compiler)."""
    return {message.id: message.string for message in catalog if message.id and message.string}


def test_catalog_comparison_ignores_the_compilers_version_but_not_a_translation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import babel.messages.catalog

    folder = locale_folder() / "de" / "LC_MESSAGES"
    with (folder / "digest.po").open("rb") as handle:
        catalog = read_po(handle)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "99.0")
    bumped = BytesIO()
    write_mo(bumped, catalog)
    assert bumped.getvalue() != compiled.getvalue()  # the bytes a newer Babel would write
    bumped.seek(0)
    assert translations(read_mo(bumped)) == translations(catalog)
    first = next(message for message in catalog if message.id)
    first.string = "something else"
    changed = BytesIO()
    write_mo(changed, catalog)
    changed.seek(0)
    compiled.seek(0)
    assert translations(read_mo(changed)) != translations(read_mo(compiled))


def test_publication_overrides_a_string_and_typos_are_errors(
    make_publication: PublicationFactory,
) -> None:
    article = {"a.md": "---\ntitle: A\nurl: https://example.org/a\n---\nBody.\n"}
    edition = make_publication(
        '[[articles]]\nsource = "../a.md"\n[[ticker]]\ntext = "Item"\n',
        files=article,
        publication=MINIMAL_PUBLICATION + '[strings]\n"In brief" = "Briefly noted"\n',
    )
    result, _ = build(edition)
    assert "Briefly noted" in result.digest.html and "In brief" not in result.digest.html
    typo = make_publication(
        '[[articles]]\nsource = "../a.md"\n',
        files=article,
        publication=MINIMAL_PUBLICATION + '[strings]\n"In breif" = "Briefly"\n',
    )
    with pytest.raises(ConfigError, match="In breif"):
        build(typo)
    lost = make_publication(
        '[[articles]]\nsource = "../a.md"\n',
        files=article,
        publication=MINIMAL_PUBLICATION + '[strings]\n"Read more at %(outlet)s" = "More"\n',
    )
    with pytest.raises(ConfigError, match="placeholders"):
        build(lost)


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
def test_dark_accent_is_derived_from_any_brand_colour_and_readable(colour: str) -> None:
    accent = readable_on(colour, DARK_CARD)
    assert contrast_ratio(accent, DARK_CARD) >= MIN_CONTRAST


def test_image_boxes_keep_proportions() -> None:
    assert image_box(1200, 675, 552) is not None
    box = image_box(1200, 675, 552)
    assert box is not None and (box.width, box.height) == (552, 310)
    thumb = image_box(800, 1200, 160, 160)
    assert thumb is not None and (thumb.width, thumb.height) == (107, 160)
    assert image_box(None, 100, 160) is None


def test_preheader_filler_pads_the_inbox_line() -> None:
    short = "Short preheader."
    filler = preview_filler(short)
    assert len(short) + len(filler) >= PREVIEW_CHARS
    assert set(filler) <= set(PREVIEW_FILLER)


def test_unknown_block_in_a_publication_template_names_the_file(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(
        '[[articles]]\nsource = "../a.md"\n',
        files={
            "a.md": "---\ntitle: A\n---\nBody.\n",
            "templates/digest.mjml.j2": (
                '{% extends "default/digest.mjml.j2" %}{% block footr %}x{% endblock %}'
            ),
        },
    )
    with pytest.raises(RenderError, match=r"templates/digest\.mjml\.j2.*'footr'"):
        build(edition)
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.RENDER and "footr" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("theme", THEMES)
def test_theme_export_copies_templates_and_never_overwrites(tmp_path: Path, theme: str) -> None:
    target = tmp_path / "templates"
    folder = TEMPLATES / theme
    first = runner.invoke(app, ["theme", "export", str(target), "--theme", theme])
    assert first.exit_code == 0, first.output
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.j2"))
    assert copied == sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2"))
    (target / "digest.txt.j2").write_text("mine", encoding="utf-8")
    again = runner.invoke(app, ["theme", "export", str(target), "--theme", theme])
    assert again.exit_code == ExitCode.CONFIG and "--force" in again.output
    assert (target / "digest.txt.j2").read_text(encoding="utf-8") == "mine"
    forced = runner.invoke(app, ["theme", "export", str(target), "--force", "--theme", theme])
    assert forced.exit_code == 0
    assert (target / "digest.txt.j2").read_bytes() == (folder / "digest.txt.j2").read_bytes()


def test_theme_export_defaults_to_briefing_and_names_unknown_themes(tmp_path: Path) -> None:
    plain = runner.invoke(app, ["theme", "export", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    exported = (tmp_path / "a" / "digest.mjml.j2").read_bytes()
    assert exported == (THEME / "digest.mjml.j2").read_bytes()
    wrong = runner.invoke(app, ["theme", "export", str(tmp_path / "b"), "--theme", "fancy"])
    assert wrong.exit_code == ExitCode.CONFIG and "briefing, classic" in wrong.output


@pytest.mark.parametrize("theme", THEMES)
def test_structure_intro_contents_sponsor_number_and_read_more(
    make_publication: PublicationFactory, theme: str
) -> None:
    publication = (
        MINIMAL_PUBLICATION.replace(
            "[brand]",
            'issue_numbers = true\nfirst_issue = 100\nsubject_template = "No. {issue}: {lead}"\n'
            "[brand]",
        )
        + f'[theme]\nname = "{theme}"\ncontents = true\nread_more = true\n'
    )

    edition = make_publication(
        """
        intro = "Hello **readers**: [explainer](https://example.org/x) <script>x()</script>"
        [[articles]]
        source = "../a.md"
        [[articles]]
        source = "../b.md"
        [[sponsor]]
        label = "Paid partner"
        text = "Buy solar."
        url = "https://sponsor.example.org/"
        after = "World"
        """,
        files={
            "a.md": "---\ntitle: Lead story\nurl: https://www.reuters.com/a\n---\nBody.\n",
            "b.md": "---\ntitle: Second\nurl: https://example.org/b\nsection: World\n---\nB.\n",
            "editions/2024-11-20.toml": "",
            "editions/2024-11-21.toml": "",
        },
        publication=publication,
    )
    result, _ = build(edition)
    html, text = result.digest.html, result.digest.text
    assert result.edition.number == 102  # two earlier editions in the folder
    assert result.edition.subject == "No. 102: Lead story"
    assert "No. 102" in html and "No. 102" in text
    assert "<strong>readers</strong>" in html and "<script>" not in html
    assert "Hello readers: explainer (https://example.org/x)" in text
    assert 'href="#s1"' in html and 'id="s1"' in html and "In this edition" in html
    assert '<a name="s1" id="s1"' in html  # Gmail web, Outlook and Yahoo follow `name`
    assert "Read more at reuters.com" in html  # names the outlet, not only an aria-label
    sponsor_at = html.index("Paid partner")
    assert html.index("Second") < sponsor_at  # after the World section's stories
    assert "[Paid partner]" in text
    assert not [f for f in result.findings if f.severity == "error" and f.code.startswith("link")]


def test_each_theme_has_its_own_defaults_for_read_more_and_contents(
    make_publication: PublicationFactory,
) -> None:
    files = {
        "a.md": "---\ntitle: Lead\nurl: https://www.reuters.com/a\n---\nBody.\n",
        "b.md": "---\ntitle: Second\nurl: https://www.reuters.com/b\nsection: World\n---\nB.\n",
    }
    edition = '[[articles]]\nsource = "../a.md"\n[[articles]]\nsource = "../b.md"\n'
    shown = {}
    for theme in THEMES:
        path = make_publication(
            edition, files=files, publication=MINIMAL_PUBLICATION + f'[theme]\nname = "{theme}"\n'
        )
        html = build(path)[0].digest.html
        shown[theme] = ("Read more at" in html, "In this edition" in html, 'name="s1"' in html)
    assert shown == {"briefing": (False, False, False), "classic": (True, True, True)}


@given(
    st.from_regex(r"#[0-9a-f]{6}", fullmatch=True), st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
)
def test_every_briefing_colour_is_readable_on_its_surface(colour: str, text: str) -> None:
    for palette in palettes(Brand(color=colour, text_color=text)):
        pairs = [
            (palette.text, palette.card),
            (palette.muted, palette.card),
            (palette.headline, palette.card),
            (palette.accent, palette.card),
            (palette.band_text, palette.band),
            (palette.card, palette.button),  # the button's label
            (palette.muted, palette.image),  # alt text with images off
        ]
        for foreground, background in pairs:
            assert contrast_ratio(foreground, background) >= MIN_CONTRAST, (foreground, background)


def test_lead_in_is_the_first_clause_or_words() -> None:
    assert lead_in("NATO and Ukraine meet on Tuesday, diplomats said on Friday in Brussels.") == (
        "NATO and Ukraine meet on Tuesday,",
        " diplomats said on Friday in Brussels.",
    )
    first, rest = lead_in("Exports reached a record high in the ten months to October this year.")
    assert first == "Exports reached a record" and rest.startswith(" high")
    assert lead_in("Too short to split.") == ("", "Too short to split.")


def test_footer_links_for_forwarded_copies_and_preferences(
    make_publication: PublicationFactory,
) -> None:
    publication = MINIMAL_PUBLICATION.replace(
        "[brand]",
        'archive_url = "https://example.org/d/{date}.html"\n'
        'subscribe_url = "https://example.org/join"\n[brand]',
    )
    path = make_publication(
        '[[articles]]\nsource = "../a.md"\n',
        files={"a.md": "---\ntitle: A & B\nurl: https://example.org/a\n---\nBody.\n"},
        publication=publication,
    )
    result, _ = build(path)
    html, text = result.digest.html, result.digest.text
    assert 'href="https://example.org/join"' in html and "Was this forwarded to you?" in html
    assert (
        "mailto:?subject=" in html
        and "body=https%3A%2F%2Fexample.org%2Fd%2F2024-11-22.html" in html
    )
    assert "Manage preferences" not in html  # no preference page yet: no link
    assert "Subscribe: https://example.org/join" in text
    loaded = load_edition(path)
    source = render(
        result.edition,
        loaded.publication,
        publication_root=loaded.root,
        unsubscribe_url=None,
        archive_url=None,
        preferences_url="https://example.org/prefs?token=x",
    )
    assert (
        "Manage preferences" in source.mjml and "https://example.org/prefs?token=x" in source.text
    )
    assert "mailto:?" not in source.mjml  # nothing to forward without a web copy


@pytest.mark.parametrize("theme", THEMES)
def test_html_has_no_premailer_leftovers_and_a_translated_role(
    make_publication: PublicationFactory, theme: str
) -> None:
    publication = MINIMAL_PUBLICATION.replace("[brand]", 'language = "de"\n[brand]')
    path = make_publication(
        '[[articles]]\nsource = "../a.md"\n',
        files={"a.md": "---\ntitle: A\nurl: https://example.org/a\n---\nBody.\n"},
        publication=publication + f'[theme]\nname = "{theme}"\n',
    )
    html = build(path)[0].digest.html
    assert 'aria-roledescription="E-Mail"' in html and "x-digest-roledescription" not in html
    assert "data-premailer" not in html
    assert not re.search(r"<div\b[^>]*\bbgcolor=", html)


@pytest.mark.parametrize("theme", THEMES)
def test_text_part_is_wrapped_at_72_and_keeps_the_tagline(sample_copy: Path, theme: str) -> None:
    toml = sample_copy / "digest.toml"
    toml.write_text(toml.read_text() + f'\n[theme]\nname = "{theme}"\n', encoding="utf-8")
    edition = sample_copy / "editions" / "2024-11-22.toml"
    long_item = "A ticker line long enough to need wrapping in the plain-text part of the email"
    edition.write_text(
        edition.read_text() + f'\n[[ticker]]\ntext = "{long_item} today"\n', encoding="utf-8"
    )
    text = build(edition)[0].digest.text
    assert "The day's environment, economy and diplomacy news from Dhaka" in text
    too_long = [
        line for line in text.splitlines() if len(line) > TEXT_WIDTH and " " in line.strip()
    ]
    assert not too_long, too_long
    assert "- A ticker line long enough" in text and "\n  the email today" in text


def test_briefing_lists_its_accepted_client_exceptions() -> None:
    accepted = tomllib.loads((THEME / "email-clients.toml").read_text(encoding="utf-8"))["accepted"]
    features = {entry["feature"] for entry in accepted}
    assert {"html-meta-color-scheme", "css-border-radius", "css-at-media"} <= features
    assert all(entry["why"] and entry["clients"] for entry in accepted)
