"""Finding the publication a subscribers command works on: a folder or its digest.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digest.config import PUBLICATION_FILE, Publication, find_publication, load_publication
from digest.errors import DigestError, ExitCode


@dataclass(frozen=True, slots=True)
class PublicationFolder:
    """A loaded digest.toml and the folder it lives in (where `.digest/` is)."""

    publication: Publication
    root: Path


def open_publication(where: Path) -> PublicationFolder:
    """Load digest.toml from `where` (a folder, a parent of it, or the file itself)."""
    where = where.expanduser()
    if where.is_file() and where.name == PUBLICATION_FILE:
        path: Path | None = where
    elif where.is_dir():
        path = find_publication(where.resolve())
    else:
        raise DigestError(f"{where}: no such folder", exit_code=ExitCode.CONFIG)
    if path is None:
        raise DigestError(
            f"{where}: no {PUBLICATION_FILE} here or in a parent folder; "
            "give the publication folder with --dir",
            exit_code=ExitCode.CONFIG,
        )
    return PublicationFolder(load_publication(path), path.parent)
