"""Caches: the rebuild memo, the user cache folder and Jinja's compiled templates on disk."""

from __future__ import annotations

import pickle
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.build import build_in_memory, reading_code_stamp
from digest.cache import (
    BUILDS_FOLDER,
    CACHE_DIR_ENV,
    CACHE_SWITCH_ENV,
    BuildCache,
    Memo,
    code_stamp,
    private_cache_folder,
    saved_build_cache,
    user_cache_root,
)
from digest.config import load_edition
from digest.mail import render as render_module
from tests.conftest import PublicationFactory

EDITION = """\
[[articles]]
source = "../articles/one.md"
[[articles]]
source = "../articles/two.md"
title = "Second headline"
"""
ARTICLE = """\
---
title: {title}
---
{body}
"""
BODY = "The council approved the budget on Monday. It funds three new schools. " * 3


def articles(second: str = "Rail strike ends. " + BODY) -> dict[str, str]:
    return {
        "articles/one.md": ARTICLE.format(title="First headline", body=BODY),
        "articles/two.md": ARTICLE.format(title="Two", body=second),
    }


# -- the memo ------------------------------------------------------------------------------------


def test_memo_computes_once_and_forgets_the_least_recent() -> None:
    memo: Memo[str, int] = Memo(limit=2)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(key)

    assert memo.get("a", lambda: compute("a")) == 1
    assert memo.get("a", lambda: compute("a")) == 1
    assert (memo.hits, memo.misses, calls) == (1, 1, ["a"])
    memo.get("bb", lambda: compute("bb"))
    memo.get("a", lambda: compute("a"))  # "a" is now the most recent
    memo.get("ccc", lambda: compute("ccc"))  # evicts "bb"
    memo.get("a", lambda: compute("a"))
    memo.get("bb", lambda: compute("bb"))
    assert calls == ["a", "bb", "ccc", "bb"]
    assert len(memo) == 2


def test_memo_tells_what_was_used_only_when_asked_to() -> None:
    memo: Memo[str, int] = Memo(limit=4, track_use=True)
    memo.preload([("old", 1), ("kept", 2)])
    memo.get("kept", lambda: 0)
    memo.get("new", lambda: 3)
    assert sorted(memo.used()) == [("kept", 2), ("new", 3)]
    with pytest.raises(ValueError):
        Memo[str, int](limit=4).used()


def test_memo_keeps_nothing_when_the_computation_fails() -> None:
    memo: Memo[str, int] = Memo(limit=4)

    def fail() -> int:
        raise ValueError("unreadable")

    with pytest.raises(ValueError):
        memo.get("x", fail)
    assert memo.get("x", lambda: 7) == 7 and memo.misses == 1


# -- rebuilds with a cache -------------------------------------------------------------------------


def test_cached_rebuild_redoes_only_what_changed(make_publication: PublicationFactory) -> None:
    edition = make_publication(EDITION, articles())
    cache = BuildCache()
    first = build_in_memory(load_edition(edition), cache=cache)
    assert (cache.reads.misses, cache.summaries.misses) == (2, 2)

    again = build_in_memory(load_edition(edition), cache=cache)
    assert (cache.reads.misses, cache.summaries.misses) == (2, 2)
    assert again.digest == first.digest

    # One article's text changes: that file is read and summarized again, nothing else.
    root = edition.parent.parent
    (root / "articles" / "two.md").write_text(
        articles(second="Fares rise in March. Buses run late.")["articles/two.md"], encoding="utf-8"
    )
    edited = build_in_memory(load_edition(edition), cache=cache)
    assert (cache.reads.misses, cache.summaries.misses) == (3, 3)
    assert "Fares rise in March" in edited.digest.text
    assert edited.digest == build_in_memory(load_edition(edition)).digest  # same as uncached

    # A new headline override changes the summary's key (the title steers it), not the read.
    edition.write_text(EDITION.replace("Second headline", "Another headline"), encoding="utf-8")
    retitled = build_in_memory(load_edition(edition), cache=cache)
    assert (cache.reads.misses, cache.summaries.misses) == (3, 4)
    assert "Another headline" in retitled.digest.text


def test_a_failed_read_is_retried_on_the_next_build(make_publication: PublicationFactory) -> None:
    from digest.errors import SourceError

    edition = make_publication(EDITION, articles())
    root = edition.parent.parent
    (root / "articles" / "two.md").write_bytes(b"---\ntitle: [unclosed\n---\nBody.\n")
    cache = BuildCache()
    with pytest.raises(SourceError):
        build_in_memory(load_edition(edition), cache=cache)
    (root / "articles" / "two.md").write_text(articles()["articles/two.md"], encoding="utf-8")
    result = build_in_memory(load_edition(edition), cache=cache)
    assert "Rail strike ends" in result.digest.text


# -- the user cache folder -------------------------------------------------------------------------


def test_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert user_cache_root({CACHE_DIR_ENV: str(tmp_path / "c")}) == tmp_path / "c"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert user_cache_root({}) == tmp_path / "xdg" / "digest"
    folder = private_cache_folder("jinja", {CACHE_DIR_ENV: str(tmp_path / "c")})
    assert folder == tmp_path / "c" / "jinja"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (
        private_cache_folder("jinja", {CACHE_DIR_ENV: str(tmp_path), CACHE_SWITCH_ENV: "0"}) is None
    )


def test_a_folder_others_can_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "jinja"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    assert private_cache_folder("jinja", {CACHE_DIR_ENV: str(tmp_path / "shared")}) is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert private_cache_folder("jinja", {CACHE_DIR_ENV: str(blocked)}) is None


# -- compiled templates on disk --------------------------------------------------------------------


@pytest.fixture
def fresh_template_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A new cache folder, and no environment or bytecode cache left from other tests."""
    user_cache = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv(CACHE_DIR_ENV, str(user_cache))
    render_module.bytecode_cache.cache_clear()
    render_module.forget_templates()
    yield user_cache / render_module.BYTECODE_FOLDER
    render_module.bytecode_cache.cache_clear()
    render_module.forget_templates()


def test_templates_compile_once_into_the_user_cache(
    fresh_template_cache: Path, make_publication: PublicationFactory
) -> None:
    edition = make_publication(EDITION, articles())
    first = build_in_memory(load_edition(edition)).digest
    cached = sorted(fresh_template_cache.iterdir())
    assert len(cached) >= 2  # the MJML and text templates, and the partials
    assert not any(edition.parent.parent.rglob("*.cache"))  # nothing inside the publication
    render_module.forget_templates()
    loaded: list[str] = []
    original = render_module._TemplateBytecodeCache.load_bytecode

    def spy(self: render_module._TemplateBytecodeCache, bucket: object) -> None:
        original(self, bucket)  # type: ignore[arg-type]
        loaded.append("hit" if bucket.code is not None else "miss")  # type: ignore[attr-defined]

    render_module._TemplateBytecodeCache.load_bytecode = spy  # type: ignore[method-assign]
    try:
        second = build_in_memory(load_edition(edition)).digest
    finally:
        render_module._TemplateBytecodeCache.load_bytecode = original  # type: ignore[method-assign]
    assert loaded and set(loaded) == {"hit"}
    assert second == first
    assert sorted(fresh_template_cache.iterdir()) == cached


def test_compile_settings_are_part_of_the_key() -> None:
    environment = render_module.make_environment(None)
    html = render_module._compile_settings(environment, "digest.mjml.j2")
    text = render_module._compile_settings(environment, "digest.txt.j2")
    assert html != text  # autoescaped and not
    other = environment.overlay(trim_blocks=True)
    assert render_module._compile_settings(other, "digest.mjml.j2") != html


def test_a_cache_folder_that_cannot_be_written_is_no_error(
    fresh_template_cache: Path, make_publication: PublicationFactory
) -> None:
    assert render_module.bytecode_cache() is not None  # the folder exists now...
    fresh_template_cache.rmdir()
    fresh_template_cache.write_text("...and is replaced by a file (root ignores permissions)")
    edition = make_publication(EDITION, articles())
    assert "First headline" in build_in_memory(load_edition(edition)).digest.text


# -- build caches saved between processes ------------------------------------------------------


@pytest.fixture
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


def saved_build(edition: Path, stamp: str = "code-1") -> tuple[BuildCache | None, str]:
    """One build, as `digest build` makes it, in a cache saved for the edition file."""
    with saved_build_cache(edition, stamp) as cache:
        text = build_in_memory(load_edition(edition), cache=cache).digest.text
    return cache, text


def test_a_saved_build_cache_serves_the_next_process(
    user_cache: Path, make_publication: PublicationFactory
) -> None:
    edition = make_publication(EDITION, articles())
    cache, first = saved_build(edition)
    assert cache is not None and (cache.reads.misses, cache.summaries.misses) == (2, 2)
    [saved] = (user_cache / BUILDS_FOLDER).iterdir()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    cache, again = saved_build(edition)
    assert cache is not None and (cache.reads.misses, cache.summaries.misses) == (0, 0)
    assert (cache.reads.hits, cache.summaries.hits) == (2, 2) and again == first
    written = saved.stat().st_mtime_ns
    assert saved_build(edition)[1] == first and saved.stat().st_mtime_ns == written  # no rewrite

    # One file edited: one read and one summary redone; the file keeps only what was used.
    (edition.parent.parent / "articles" / "two.md").write_text(
        articles(second="Fares rise in March. Buses run late.")["articles/two.md"], "utf-8"
    )
    cache, edited = saved_build(edition)
    assert cache is not None and (cache.reads.misses, cache.summaries.misses) == (1, 1)
    assert "Fares rise in March" in edited
    assert len(pickle.loads(saved.read_bytes())["reads"]) == 2


def test_other_code_or_a_broken_file_starts_afresh(
    user_cache: Path, make_publication: PublicationFactory
) -> None:
    edition = make_publication(EDITION, articles())
    saved_build(edition, stamp="code-1")
    cache, _ = saved_build(edition, stamp="code-2")  # the readers or summarizers changed
    assert cache is not None and cache.reads.misses == 2
    [saved] = (user_cache / BUILDS_FOLDER).iterdir()
    saved.write_bytes(b"\x80\x05 not a pickle")
    cache, text = saved_build(edition, stamp="code-2")
    assert cache is not None and cache.reads.misses == 2 and "First headline" in text


def test_a_failed_build_saves_nothing(
    user_cache: Path, make_publication: PublicationFactory
) -> None:
    from digest.errors import SourceError

    edition = make_publication(EDITION, articles())
    (edition.parent.parent / "articles" / "two.md").write_text("---\ntitle: [x\n---\nBody.\n")
    with pytest.raises(SourceError):
        saved_build(edition)  # the first article was read; the second could not be
    assert not any((user_cache / BUILDS_FOLDER).iterdir())


def test_no_disk_cache_when_switched_off(
    monkeypatch: pytest.MonkeyPatch, make_publication: PublicationFactory
) -> None:
    monkeypatch.setenv(CACHE_SWITCH_ENV, "0")
    edition = make_publication(EDITION, articles())
    cache, text = saved_build(edition)
    assert cache is None and "First headline" in text


def test_the_code_stamp_follows_the_code(tmp_path: Path) -> None:
    module = tmp_path / "reader.py"
    module.write_text("A = 1\n")
    before = code_stamp([module], ["yaml"], ["pagetext=digest.sources.readers.pagetext:read"])
    assert before == code_stamp(
        [module], ["yaml"], ["pagetext=digest.sources.readers.pagetext:read"]
    )
    module.write_text("A = 22\n")
    assert code_stamp([module], ["yaml"], ["pagetext=..."]) != before
    assert reading_code_stamp() == reading_code_stamp()
