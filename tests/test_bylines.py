"""Bylines people would print: the raw CMS bylines the issue found, and the list format."""

from __future__ import annotations

import pytest

from digest.sources.readers.bylines import clean_byline, join_names, outlet_keys


@pytest.mark.parametrize(
    ("raw", "site", "url", "names"),
    [
        ("JERUSALEM POST STAFF NOVEMBER", "The Jerusalem Post", "https://www.jpost.com/a", ()),
        ("Tom Gillespie News reporter", "Sky News", None, ("Tom Gillespie",)),
        ("Paul Takahashi; Staff writer", "Houston Chronicle", None, ("Paul Takahashi",)),
        (
            "David Jeans; Kevin Rebong; Kevin-R",
            None,
            None,
            ("David Jeans", "Kevin Rebong"),
        ),
        ("JANIE HAR", "AP News", None, ("Janie Har",)),
        ("Sandee LaMotte; CNN", "MSN", "https://www.msn.com/a", ("Sandee LaMotte",)),
        ("Tom Krisher; Ap Auto Writer", None, None, ("Tom Krisher",)),
        (
            "Finian Cunningham Sputnik International",
            None,
            "https://sputniknews.com/a",
            ("Finian Cunningham",),
        ),
        (
            "Troy Smith; Troy L Smith; Cleveland com",
            None,
            "https://www.cleveland.com/a",
            ("Troy Smith",),
        ),
        (
            "Mike Wuerthele; Malcolm Owen Monday; November",
            None,
            None,
            ("Mike Wuerthele", "Malcolm Owen"),
        ),
        ("Phil Helsel is a reporter", "NBC News", None, ("Phil Helsel",)),
        ("Текст Венера Ерофеева", None, None, ("Венера Ерофеева",)),
        ("Admin", None, None, ()),
        ("REUTERS", None, None, ("Reuters",)),
        ("Greenwatch Desk", None, None, ("Greenwatch Desk",)),
        ("Detroit News wire services", "The Detroit News", None, ()),
    ],
)
def test_raw_bylines_become_names(
    raw: str, site: str | None, url: str | None, names: tuple[str, ...]
) -> None:
    assert clean_byline(raw, outlets=outlet_keys([site], url)) == names


def test_several_authors_are_joined_in_the_publications_language() -> None:
    names = ("Lisa Kaczke", "Trevor J Mitchell", "Ana Ruiz")
    assert join_names(names, "en") == "Lisa Kaczke, Trevor J Mitchell, and Ana Ruiz"
    assert join_names(names, "de") == "Lisa Kaczke, Trevor J Mitchell und Ana Ruiz"
    assert join_names(names[:2], "fr") == "Lisa Kaczke et Trevor J Mitchell"
    assert join_names((), "en") is None
