"""The whole build of the sample edition: golden files, determinism, sizes, the message."""

from __future__ import annotations

import json
import os
import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import strict
from pathlib import Path

import pytest

from digest.build import build

from .conftest import DATA

GOLDEN = DATA / "sample"
# Set DIGEST_REGENERATE_GOLDEN=1 to rewrite the golden files after an intended change.
REGENERATE = os.environ.get("DIGEST_REGENERATE_GOLDEN") == "1"
GOLDEN_FILES = ("digest.html", "digest.txt", "digest.mjml", "digest.eml")


@pytest.fixture
def built(sample_copy: Path) -> Path:
    build(sample_copy / "editions" / "2024-11-22.toml")
    return sample_copy / "out" / "2024-11-22"


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_sample_matches_golden_files(built: Path, name: str) -> None:
    produced = (built / name).read_bytes()
    golden = GOLDEN / name
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(produced)
    assert golden.exists(), f"missing {golden}; run with DIGEST_REGENERATE_GOLDEN=1"
    assert produced == golden.read_bytes(), f"{name} differs from {golden}"


def test_two_builds_are_byte_identical(sample_copy: Path, tmp_path: Path) -> None:
    edition = sample_copy / "editions" / "2024-11-22.toml"
    build(edition, tmp_path / "first")
    build(edition, tmp_path / "second")
    for name in GOLDEN_FILES:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_html_fits_gmail_limits_and_keeps_email_essentials(built: Path) -> None:
    html = (built / "digest.html").read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < 102_400
    styles = re.findall(r"<style\b[^>]*>.*?</style>", html, flags=re.DOTALL)
    assert sum(len(style.encode("utf-8")) for style in styles) < 16_384
    assert html.lower().startswith("<!doctype html>")
    assert "<!--[if mso | IE]>" in html and "<![endif]-->" in html
    media = [style for style in styles if "@media" in style]
    assert media and all("!important" in style for style in media)
    assert "prefers-color-scheme: dark" in html
    # Our rules were inlined and their block dropped; MJML's resets stayed in <head> only.
    assert "digest:inline" not in html
    assert 'style="margin:0 0 8px"' in html
    assert html.count("mso-table-lspace") == 1
    assert '<html lang="en" dir="ltr"' in html


def test_eml_is_a_valid_multipart_alternative(built: Path) -> None:
    message = message_from_bytes((built / "digest.eml").read_bytes(), policy=strict)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert all(not part.defects for part in parts)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert message[header], header
    assert b"\r\n" in (built / "digest.eml").read_bytes()
    text = parts[0].get_content()
    assert "NATO, Ukraine to Meet Tuesday Over Russian Attack" in text


def test_report_lists_what_was_kept_and_dropped(built: Path) -> None:
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    assert len(report["articles"]) == 8
    assert report["articles"][0]["section"] == "Lead"
    assert [section["name"] for section in report["sections"]] == [
        "Diplomacy",
        "Economy",
        "Climate",
        "World",
    ]
    assert report["ticker"]["kept"] == [
        "Metro rail to run until 11pm from December 1",
        "Hilsa prices fall as the fishing ban ends",
    ]
    dropped = report["ticker"]["dropped"]
    reasons = {item["reason"].split(" '")[0] for item in dropped}
    assert reasons == {"repeats an article headline", "same news as the article"}
    # The sample's two repeats go, each naming the article kept in its place.
    in_favour = {item["text"]: item["in_favour_of"] for item in dropped if item["in_favour_of"]}
    assert (
        in_favour.items()
        >= {
            "Sudan war becomes more deadly: Ethnically motivated attacks up": (
                "UN: Ethnically motivated attacks rising as Sudan war becomes deadlier"
            ),
            "Bangladesh’s GDP Growth to Decline to 4.1% in FY25: WB": (
                "World Bank cuts Bangladesh growth forecast to 4.1% for FY25"
            ),
        }.items()
    )
    assert report["html_bytes"] == len((built / "digest.html").read_bytes())
    assert report["style_bytes"] > 0 and report["html_budget_bytes"] == 102_400
    assert set(report["timings_ms"]) >= {
        "load",
        "read",
        "summarize",
        "arrange",
        "render",
        "compile",
    }


def test_summaries_respect_the_budget(built: Path) -> None:
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    for article in report["articles"]:
        assert 0 < article["summary_chars"] <= 350
