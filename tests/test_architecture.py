"""The house rules of ARCHITECTURE.md, checked: which phase may import which, room sizes, I/O."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "digest"
FOUNDATION = frozenset({"errors", "models", "atomic", "cache"})
# What each part of digest may import (besides itself). Imports point down the editor's day:
# a phase never reaches into a later one, and nothing imports the command line.
ALLOWED: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "models": frozenset(),
    "atomic": frozenset({"errors"}),
    "cache": frozenset({"models", "atomic"}),
    # Every SQLite file digest keeps; below every phase that keeps one.
    "store": frozenset({"errors", "atomic"}),
    "summarize": FOUNDATION,
    "config": FOUNDATION | {"summarize"},
    "sources": FOUNDATION | {"config", "summarize"},
    "edition": FOUNDATION | {"config", "summarize"},
    "mail": FOUNDATION | {"config", "summarize", "edition"},
    # Editions over time (what ran, what went out, corrections, approvals, send times): on the
    # edition's near-duplicate test and the check findings, below the build that shows it.
    "history": FOUNDATION | {"config", "store", "summarize", "sources", "edition", "mail"},
    "build": FOUNDATION
    | {"config", "summarize", "sources", "edition", "mail", "output", "history"},
    "output": FOUNDATION | {"config", "mail", "build"},
    "delivery": FOUNDATION | {"config", "summarize", "mail", "build", "store", "history"},
    "subscribers": FOUNDATION | {"config", "mail", "delivery", "store"},
    "archive": FOUNDATION | {"config", "summarize", "edition", "mail", "build", "store", "history"},
    "preview": FOUNDATION | {"config", "summarize", "sources", "edition", "mail", "build"},
    "scaffold": FOUNDATION | {"config"},
    "cli": frozenset({"*"}),
}
# Modules that may open sockets: fetching pages, delivering mail, and the two local servers.
NETWORK_MODULES = frozenset({"socket", "urllib3", "smtplib", "http.server", "http.client"})
NETWORK_ROOMS = (
    "sources.fetch",
    "delivery.transports",
    "preview.server",
    "preview.pool",
    "subscribers",
)
MAX_MODULE_LINES = 400
MAX_TOP_LEVEL_MODULES = 8


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts) or "__init__", path


def _part(dotted: str) -> str:
    """'sources.fetch.http' -> 'sources'; 'build' -> 'build'."""
    return dotted.split(".", 1)[0]


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_every_part_of_the_package_is_placed() -> None:
    parts = {_part(name) for name, _ in _modules()} - {"__init__"}
    unplaced = sorted(parts - set(ALLOWED))
    assert not unplaced, f"add {unplaced} to ARCHITECTURE.md and ALLOWED in this test"


@pytest.mark.parametrize("name,path", list(_modules()), ids=lambda value: str(value))
def test_imports_point_down_the_phases(name: str, path: Path) -> None:
    part = _part(name)
    allowed = ALLOWED.get(part, frozenset())
    for imported in _imports(path):
        if not imported.startswith("digest."):
            continue
        target = _part(imported.removeprefix("digest."))
        if target == part or "*" in allowed:
            continue
        assert target in allowed, (
            f"digest.{name} imports digest.{target}; {part} may import {sorted(allowed)}"
        )


@pytest.mark.parametrize("name,path", list(_modules()), ids=lambda value: str(value))
def test_only_the_network_rooms_open_sockets(name: str, path: Path) -> None:
    if name.startswith(NETWORK_ROOMS):
        return
    used = sorted(set(_imports(path)) & NETWORK_MODULES)
    assert not used, f"digest.{name} imports {used}; network access belongs in {NETWORK_ROOMS}"


def test_no_module_holds_two_jobs_worth_of_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules()}
    too_big = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not too_big, f"split these by job: {too_big}"


def test_the_top_level_holds_only_the_spine() -> None:
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules


def test_only_the_cli_prints() -> None:
    for name, path in _modules():
        if _part(name) == "cli":
            continue
        calls = [
            node
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ]
        assert not calls, f"digest.{name} prints; log instead, the command line prints"


# SQLite files are opened only through digest.store; the recipient list's spool is an anonymous
# temporary database (no file anyone else opens).
SQLITE_ROOMS = ("store", "delivery.recipient_list")


def test_only_the_store_opens_sqlite_files() -> None:
    for name, path in _modules():
        if name.startswith(SQLITE_ROOMS):
            continue
        assert "sqlite3" not in set(_imports(path)), (
            f"digest.{name} imports sqlite3; open the file through digest.store.open_database"
        )
