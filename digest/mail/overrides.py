"""Template overrides: a block a publication's template fills must exist in what it extends.

Jinja2 silently ignores a block the parent does not define, so `{% block footr %}` would
leave the footer unchanged with no word said; this check names the file and the block.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError, nodes

from digest.errors import RenderError
from digest.mail.errors import describe_template_error

TEMPLATE_SUFFIX = ".j2"


def _parsed(environment: Environment, name: str) -> nodes.Template:
    assert environment.loader is not None
    source, _filename, _uptodate = environment.loader.get_source(environment, name)
    return environment.parse(source, name)


def _parent(tree: nodes.Template) -> str | None:
    extends = next(iter(tree.find_all(nodes.Extends)), None)
    if extends is None or not isinstance(extends.template, nodes.Const):
        return None  # no parent, or one chosen at render time: nothing to check against
    return str(extends.template.value)


def _block_names(environment: Environment, name: str, seen: frozenset[str]) -> set[str]:
    """The blocks `name` and every template it extends define."""
    if name in seen:
        raise RenderError(f"template {name!r} extends itself")
    tree = _parsed(environment, name)
    names = {block.name for block in tree.find_all(nodes.Block)}
    parent = _parent(tree)
    if parent is not None:
        names |= _block_names(environment, parent, seen | {name})
    return names


@functools.lru_cache(maxsize=64)
def _check_file(
    environment: Environment, root: Path, path: Path, name: str, _stamp: tuple[int, int]
) -> None:
    try:
        tree = environment.parse(path.read_text(encoding="utf-8"), name, str(path))
        parent = _parent(tree)
        if parent is None:
            return
        available = _block_names(environment, parent, frozenset({name}))
    except TemplateSyntaxError as error:
        raise RenderError(describe_template_error(error, root)) from None
    except TemplateNotFound as error:
        raise RenderError(f"{path}: extends {error.name!r}, which does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RenderError(f"{path} cannot be read: {error}") from None
    unknown = sorted({block.name for block in tree.find_all(nodes.Block)} - available)
    if unknown:
        raise RenderError(
            f"{path}: block {', '.join(repr(b) for b in unknown)} is not defined in {parent!r}, "
            f"so it would be ignored; the blocks there are: {', '.join(sorted(available))}"
        )


def check_publication_blocks(environment: Environment, folder: Path) -> None:
    """Raise RenderError naming the file when one of `folder`'s templates fills an unknown block."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob(f"*{TEMPLATE_SUFFIX}")):
        try:
            stat = path.stat()
        except OSError:
            continue
        name = path.relative_to(folder).as_posix()
        _check_file(environment, folder.parent, path, name, (stat.st_mtime_ns, stat.st_size))
