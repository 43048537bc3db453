"""digest.toml and edition files: validation reports every problem at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.config import load_edition
from digest.errors import ConfigError

from .conftest import MINIMAL_PUBLICATION, SAMPLE_EDITION, PublicationFactory


def test_sample_loads() -> None:
    loaded = load_edition(SAMPLE_EDITION)
    assert loaded.date == date(2024, 11, 22)
    assert loaded.publication.name == "Greenwatch Daily"
    assert loaded.publication.sections[:2] == ["Diplomacy", "Economy"]
    assert len(loaded.edition.articles) == 8


def test_every_problem_is_reported_at_once(make_publication: PublicationFactory) -> None:
    edition = make_publication(
        """
        subject = "Line one\\nline two"
        colour = "red"

        [[articles]]
        title = "No source"

        [[articles]]
        source = "missing.txt"

        [[articles]]
        url = "javascript:alert(1)"

        [[ticker]]
        text = "A"
        source = "b.txt"
        """,
        publication=MINIMAL_PUBLICATION.replace(
            'timezone = "Europe/London"', 'timezone = "Mars/Base"'
        ),
    )
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    keys = {(Path(problem.file).name, problem.key) for problem in caught.value.problems}
    assert ("digest.toml", "timezone") in keys
    assert ("2024-11-22.toml", "subject") in keys
    assert ("2024-11-22.toml", "colour") in keys
    assert ("2024-11-22.toml", "articles[1]") in keys
    assert ("2024-11-22.toml", "articles[3].url") in keys
    assert ("2024-11-22.toml", "ticker[1]") in keys
    message = str(caught.value)
    assert "unknown key" in message and "Mars/Base" in message
    assert "Traceback" not in message


def test_missing_source_file_is_named(make_publication: PublicationFactory) -> None:
    edition = make_publication('[[articles]]\nsource = "../articles/nope.md"\n')
    with pytest.raises(
        ConfigError, match=r"articles\[1\]\.source: file not found: \.\./articles/nope\.md"
    ):
        load_edition(edition)


def test_toml_syntax_error(make_publication: PublicationFactory) -> None:
    edition = make_publication("[[articles]\nsource = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_edition(edition)


def test_no_publication_file(tmp_path: Path) -> None:
    edition = tmp_path / "2024-11-22.toml"
    edition.write_text('[[ticker]]\ntext = "x"\n')
    with pytest.raises(ConfigError, match=r"no digest\.toml found"):
        load_edition(edition)


def test_date_from_file_name_or_key(make_publication: PublicationFactory) -> None:
    named = make_publication('[[ticker]]\ntext = "x"\n', edition_name="2024-12-01-morning.toml")
    assert load_edition(named).date == date(2024, 12, 1)
    keyed = make_publication(
        'date = 2025-01-02\n[[ticker]]\ntext = "x"\n', edition_name="draft.toml"
    )
    assert load_edition(keyed).date == date(2025, 1, 2)
    undated = make_publication('[[ticker]]\ntext = "x"\n', edition_name="draft.toml")
    with pytest.raises(ConfigError, match="no date"):
        load_edition(undated)


def test_bad_publication_values(make_publication: PublicationFactory) -> None:
    publication = 'summary_chars = 5\nbase_url = "ftp://x"\n' + MINIMAL_PUBLICATION
    publication = publication.replace(
        "[brand]", '[brand]\ncolor = "green"\nfont_family = "x;}</style>"'
    )
    edition = make_publication('[[ticker]]\ntext = "x"\n', publication=publication)
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    keys = {problem.key for problem in caught.value.problems}
    assert {"summary_chars", "base_url", "brand.color", "brand.font_family"} <= keys


def test_empty_edition_is_an_error(make_publication: PublicationFactory) -> None:
    with pytest.raises(ConfigError, match="selects no articles"):
        load_edition(make_publication("subject = 'x'\n"))


# --- local sources stay inside the publication ------------------------------------------------

STORY = "---\ntitle: Shared wire story\n---\nA wire story paragraph that is long enough.\n"


def test_source_outside_the_publication_is_a_config_error(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.md"
    outside.write_text(STORY)
    edition = make_publication(
        f"""
        [[articles]]
        source = "../../../../../../../../etc/passwd"

        [[articles]]
        source = "{outside}"

        [[ticker]]
        source = "../../../../../../../../etc/hostname"
        """
    )
    with pytest.raises(ConfigError) as caught:
        load_edition(edition)
    problems = {problem.key: problem.message for problem in caught.value.problems}
    assert set(problems) == {"articles[1].source", "articles[2].source", "ticker[1].source"}
    assert "/etc/passwd, outside the publication folder" in problems["articles[1].source"]
    assert "[sources] allow_paths" in problems["articles[2].source"]


def test_symlink_leading_outside_is_refused(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-secret.md"
    outside.write_text(STORY)
    edition = make_publication('[[articles]]\nsource = "../articles/link.md"\n')
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "link.md").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"articles\[1\]\.source: .*outside the publication"):
        load_edition(edition)


def test_allow_paths_opens_a_shared_folder(
    make_publication: PublicationFactory, tmp_path: Path
) -> None:
    wires = tmp_path.parent / f"{tmp_path.name}-wires"
    wires.mkdir()
    (wires / "story.md").write_text(STORY)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "link.md").symlink_to(wires / "story.md")  # inside via a link
    edition = make_publication(
        f'[[articles]]\nsource = "{wires}/story.md"\n'
        '[[articles]]\nsource = "../articles/link.md"\n',
        publication=MINIMAL_PUBLICATION + f'[sources]\nallow_paths = ["../{wires.name}"]\n',
    )
    loaded = load_edition(edition)
    assert loaded.publication.sources.roots(loaded.root)[1] == wires.resolve()

    from digest.sources.read import read_articles

    articles, _warnings = read_articles(loaded)
    assert [item.article.title for item in articles] == ["Shared wire story"] * 2
