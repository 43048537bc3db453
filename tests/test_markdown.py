"""Markdown articles with YAML front matter."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from digest.errors import SourceError
from digest.sources.readers import ReadContext
from digest.sources.readers.markdown import read

UTC = ZoneInfo("UTC")
CONTEXT = ReadContext(tz=ZoneInfo("Europe/London"), base_url="https://example.org/img/")


def read_md(text: str):  # type: ignore[no-untyped-def]
    return read(text.encode("utf-8"), origin="a.md", context=CONTEXT)


def test_front_matter_and_body() -> None:
    article = read_md(
        "---\ntitle: A *bold* move\nurl: https://example.org/a\nsection: World\n"
        "date: 2024-11-22 09:30\nimage: pic.jpg\nsummary: Given.\n---\n\n"
        "# Heading\n\nFirst **strong** paragraph with a [link](https://x.org).\n\nSecond.\n"
    )
    assert article.title == "A *bold* move"
    assert article.url == "https://example.org/a"
    assert article.section == "World"
    assert article.published == datetime(2024, 11, 22, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    assert article.image == "https://example.org/img/pic.jpg"
    assert article.summary == "Given."
    assert article.body == ("Heading", "First strong paragraph with a link.", "Second.")


def test_only_title_is_required() -> None:
    article = read_md("---\ntitle: Only a title\n---\n")
    assert article.title == "Only a title" and article.body == () and article.url is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "front matter"),
        ("---\nsection: x\n---\nbody", "needs a `title`"),
        ("---\ntitle: [unclosed\n---\n", "not valid YAML"),
        ("---\ntitle: x\ncolour: red\n---\n", "unknown front matter key"),
        ("---\ntitle: x\nurl: javascript:alert(1)\n---\n", "absolute http"),
        ("---\ntitle: x\ndate: yesterday\n---\n", "YYYY-MM-DD"),
        ("---\n- a list\n---\n", "key: value"),
        ("---\ntitle: !!python/object/apply:os.system ['true']\n---\n", "not valid YAML"),
    ],
)
def test_bad_front_matter(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read_md(text)
