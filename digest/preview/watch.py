"""Which files the preview watches: the edition, digest.toml, templates and local sources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.config import PUBLICATION_FILE, LoadedEdition, find_publication
from digest.mail.render import themes_folder


@dataclass(frozen=True, slots=True)
class WatchSet:
    """Files and folders whose change means a rebuild."""

    files: frozenset[Path]
    trees: frozenset[Path]

    def wants(self, path: Path) -> bool:
        """Is a change at `path` one to rebuild for?"""
        return path in self.files or any(path.is_relative_to(tree) for tree in self.trees)

    def is_template(self, path: Path) -> bool:
        """Is `path` in a templates folder (the publication's or the theme's)?"""
        return any(path.is_relative_to(tree) for tree in self.trees)

    def roots(self) -> tuple[Path, ...]:
        """The existing folders to watch, none inside another (watched recursively)."""
        folders = {f.parent for f in self.files}
        for tree in self.trees:
            # A templates/ folder that doesn't exist yet is seen through its parent.
            folders.add(tree if tree.is_dir() else tree.parent)
        existing = sorted(folder for folder in folders if folder.is_dir())
        roots: list[Path] = []
        for folder in existing:  # sorted, so a parent comes before its children
            if not any(folder.is_relative_to(root) for root in roots):
                roots.append(folder)
        return tuple(roots)


def fingerprint(watching: WatchSet) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every watched file, to catch edits made before the watcher started."""
    paths = set(watching.files)
    for tree in watching.trees:
        if tree.is_dir():
            paths.update(path for path in tree.rglob("*") if path.is_file())
    stamps = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        stamps[path] = (info.st_mtime_ns, info.st_size)
    return stamps


def watch_set(edition_path: Path, loaded: LoadedEdition | None) -> WatchSet:
    """The edition, digest.toml, templates (publication and theme) and local sources."""
    edition_path = edition_path.resolve()
    files = {edition_path}
    trees = {themes_folder().resolve()}
    if loaded is not None:
        root = loaded.root
        files.add(root / PUBLICATION_FILE)
        entries: Iterable[Any] = [*loaded.edition.articles, *loaded.edition.ticker]
        files.update(loaded.resolve(e.source) for e in entries if e.source)
    else:
        publication = find_publication(edition_path.parent)
        root = (publication.parent if publication else edition_path.parent).resolve()
        if publication is not None:
            files.add(publication.resolve())
    trees.add(root / "templates")
    return WatchSet(frozenset(files), frozenset(trees))
