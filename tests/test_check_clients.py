"""The email against caniemail's data: unsupported features are findings, the theme's accepted
exceptions are not, in-email links need <a name> targets, `--clients` prints the table."""

from __future__ import annotations

import json
import tomllib
from importlib.resources import files

from lxml import etree
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode
from digest.mail.client_data import MAJOR_CLIENTS, caniemail, major_clients_data
from digest.mail.client_lint import anchor_findings, client_report

from .conftest import SAMPLE_EDITION, PublicationFactory
from .test_check import ARTICLE, ONE_ARTICLE, check

runner = CliRunner()
SHADOW = (
    '{% extends "default/digest.mjml.j2" %}{% block head_extra %}<mj-style>'
    ".card { box-shadow: 0 1px 2px #000000; }</mj-style>{% endblock %}"
)


def test_the_vendored_data_says_where_it_comes_from() -> None:
    folder = files("digest.mail") / "caniemail"
    source = tomllib.loads((folder / "SOURCE.toml").read_text(encoding="utf-8"))
    assert source["package"] == "caniemail" and source["integrity"].startswith("sha512-")
    assert source["data_updated"] == caniemail().updated
    licence = (folder / "LICENSE.txt").read_text(encoding="utf-8")
    assert "Rémi Parmentier" in licence and "MIT License" in licence
    assert len(caniemail().features) > 300


def test_the_part_the_checks_read_is_derived_from_the_data_exactly() -> None:
    folder = files("digest.mail") / "caniemail"
    whole = json.loads((folder / "caniemail.json").read_text(encoding="utf-8"))
    major = json.loads((folder / "major-clients.json").read_text(encoding="utf-8"))
    assert major == major_clients_data(whole)  # else: python benchmarks/refresh_caniemail.py


def test_a_feature_major_clients_lack_is_a_finding(make_publication: PublicationFactory) -> None:
    files_ = {**ARTICLE, "templates/digest.mjml.j2": SHADOW}
    code, payload = check(make_publication(ONE_ARTICLE, files=files_))
    assert code == 0
    ((finding),) = payload["findings"]
    assert (finding["code"], finding["severity"]) == ("client-unsupported", "warning")
    message = finding["message"]
    assert "box-shadow (`box-shadow: 0 1px 2px #000000`)" in message
    assert "Gmail web, Outlook Windows, Yahoo web, Yahoo iOS, Yahoo Android" in message


def test_a_publication_can_accept_it_once_with_the_reason(
    make_publication: PublicationFactory,
) -> None:
    accepted = (
        '[[accepted]]\nfeature = "css-box-shadow"\n'
        'clients = ["gmail.desktop-webmail", "outlook.windows", "yahoo.*"]\n'
        'why = "The card has no shadow there; it is decoration."\n'
    )
    files_ = {
        **ARTICLE,
        "templates/digest.mjml.j2": SHADOW,
        "templates/email-clients.toml": accepted,
    }
    edition = make_publication(ONE_ARTICLE, files=files_)
    assert check(edition)[1]["findings"] == []
    # Accepted for some clients only: the others are still reported.
    narrower = accepted.replace('"yahoo.*"', '"yahoo.ios"')
    (edition.parent.parent / "templates" / "email-clients.toml").write_text(narrower)
    (finding,) = check(edition)[1]["findings"]
    assert finding["code"] == "client-unsupported"
    assert "supported by Yahoo web, Yahoo Android (" in finding["message"]


def test_a_broken_exceptions_file_is_a_config_error(make_publication: PublicationFactory) -> None:
    bad = '[[accepted]]\nfeature = "css-box-shadows"\nwhy = "typo"\n'
    files_ = {**ARTICLE, "templates/email-clients.toml": bad}
    result = runner.invoke(app, ["check", str(make_publication(ONE_ARTICLE, files=files_))])
    assert result.exit_code == ExitCode.CONFIG
    assert "email-clients.toml: accepted[1].feature: 'css-box-shadows' is no caniemail" in (
        result.output
    )


def test_what_sits_inside_a_media_query_counts_only_where_the_query_works() -> None:
    html = (
        "<html><head><style>@media (prefers-color-scheme: dark) { .x { box-shadow: none; } }"
        "</style></head><body><p class='x'>Hi</p></body></html>"
    )
    report = client_report(html, etree.HTML(html), None)
    shadow = {gap.client for gap in report.gaps if gap.slug == "css-box-shadow"}
    # Gmail web and Yahoo ignore the dark-mode query, so they never see the box-shadow.
    assert "gmail.desktop-webmail" not in shadow and "yahoo.desktop-webmail" not in shadow
    dark = {gap.client for gap in report.gaps if gap.slug == "css-at-media-prefers-color-scheme"}
    assert "gmail.desktop-webmail" in dark


def test_in_email_links_to_id_targets_are_a_finding(make_publication: PublicationFactory) -> None:
    contents = (
        '{% extends "default/digest.mjml.j2" %}{% block contents %}<mj-text>'
        '<a href="#later">Later</a></mj-text>{% endblock %}{% block in_brief %}<mj-text>'
        '<h2 id="later">Later</h2></mj-text>{% endblock %}'
    )
    files_ = {**ARTICLE, "templates/digest.mjml.j2": contents}
    _code, payload = check(make_publication(ONE_ARTICLE, files=files_))
    (finding,) = [f for f in payload["findings"] if f["code"] != "client-unsupported"]
    assert finding["code"] == "anchor-id-target"
    assert (
        "#later target `id`s; Gmail web, Outlook Windows, Yahoo web follow only"
        in (finding["message"])
    )


def test_named_targets_pass() -> None:
    html = '<p><a href="#s1">One</a></p><h2 id="s1"><a name="s1"></a>One</h2>'
    assert list(anchor_findings(etree.HTML(html))) == []


def test_the_sample_uses_nothing_unsupported_but_what_the_theme_accepts() -> None:
    result = runner.invoke(app, ["check", str(SAMPLE_EDITION), "--json", "--clients"])
    payload = json.loads(result.output)
    assert payload["findings"] == []
    table = payload["clients"]
    for _client, name in MAJOR_CLIENTS:
        assert f"  {name} " in table
    assert "border-radius*" in table and "@media (prefers-color-scheme)*" in table
    assert "templates/briefing/email-clients.toml" in table
    # Every unsupported feature in the table is one the theme accepts.
    unsupported = [line for line in table.splitlines() if "no: " in line]
    for line in unsupported:
        cells = line.split("no:", 1)[1].strip()
        assert cells == "-" or all(cell.endswith("*") for cell in cells.split(", ")), line
