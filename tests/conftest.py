"""Shared fixtures: the sample publication, and small publications built in tmp_path."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser import browser  # noqa: F401 - the shared headless Chromium fixture

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "greenwatch"
SAMPLE_EDITION = SAMPLE / "editions" / "2024-11-22.toml"
SEED = SAMPLE / "articles" / "greenwatch-nato-ukraine.txt"
DATA = Path(__file__).resolve().parent / "data"

MINIMAL_PUBLICATION = """\
name = "Test Daily"
from = "Test Daily <digest@example.org>"
timezone = "Europe/London"
sections = ["World", "Business"]
[brand]
postal_address = "1 Test Street, London"
[unsubscribe]
url = "https://example.org/unsubscribe?token={token}"
"""


@pytest.fixture(autouse=True, scope="session")
def private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """digest's disk cache (compiled templates) goes to a scratch folder, not ~/.cache."""
    folder = tmp_path_factory.mktemp("user-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("DIGEST_CACHE_DIR", str(folder))
    yield folder
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def pinned_today() -> Iterator[str]:
    """The checks take the sample's day as today: test editions are dated around it, and a
    test must not turn red as the calendar moves on (tests of the date check set their own)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("DIGEST_TODAY", "2024-11-22")
    yield "2024-11-22"
    patch.undo()


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the sample publication (tests may write out/ in it)."""
    target = tmp_path / "greenwatch"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("out"))
    return target


PublicationFactory = Callable[..., Path]


@pytest.fixture
def make_publication(tmp_path: Path) -> PublicationFactory:
    """Write digest.toml, an edition and article files; return the edition path."""

    def make(
        edition: str,
        files: dict[str, str] | None = None,
        publication: str = MINIMAL_PUBLICATION,
        edition_name: str = "2024-11-22.toml",
    ) -> Path:
        (tmp_path / "digest.toml").write_text(publication, encoding="utf-8")
        for name, text in (files or {}).items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        edition_path = tmp_path / "editions" / edition_name
        edition_path.parent.mkdir(parents=True, exist_ok=True)
        edition_path.write_text(textwrap.dedent(edition), encoding="utf-8")
        return edition_path

    return make
