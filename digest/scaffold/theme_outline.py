"""What a theme holds, read from its files: templates, what each is for, and its blocks.

`digest init` writes the publication's templates/README.md from this, so the README names the
blocks the theme really has, whichever theme the publication uses and however it changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError, nodes

# The template an `{% extends %}` starts from: the whole email.
MAIN_TEMPLATE = "digest.mjml.j2"
TEMPLATE_SUFFIX = ".j2"
# A template's opening comment, `{#- ... -#}`; its first sentence says what the file is for.
OPENING_COMMENT = re.compile(r"\A\s*\{#-?\s*(.*?)\s*-?#\}", re.DOTALL)
FIRST_SENTENCE = re.compile(r"^(.*?[.!?])(?:\s|$)", re.DOTALL)
# For a template Jinja cannot parse here (a tag of an extension we don't load).
BLOCK_TAG = re.compile(r"\{%-?\s*block\s+(\w+)")
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Template:
    """One template of a theme: its path inside the theme, and what its opening comment says."""

    name: str
    about: str
    blocks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ThemeOutline:
    """A theme's templates, the main one first."""

    name: str
    folder: Path
    templates: tuple[Template, ...]

    @property
    def main(self) -> Template | None:
        """The template holding the whole email, if the theme has one."""
        return next((t for t in self.templates if t.name == MAIN_TEMPLATE), None)


def outline(name: str, folder: Path) -> ThemeOutline:
    """Read the theme in `folder` (its templates, their opening comments and blocks)."""
    paths = sorted(path for path in folder.rglob(f"*{TEMPLATE_SUFFIX}") if path.is_file())
    templates = [_template(folder, path) for path in paths]
    templates.sort(key=lambda t: (t.name != MAIN_TEMPLATE, t.name.count("/"), t.name))
    return ThemeOutline(name, folder, tuple(templates))


def _template(folder: Path, path: Path) -> Template:
    source = path.read_text(encoding="utf-8")
    comment = OPENING_COMMENT.match(source)
    about = ""
    if comment:
        text = " ".join(comment.group(1).split())
        sentence = FIRST_SENTENCE.match(text)
        about = sentence.group(1) if sentence else text
    return Template(path.relative_to(folder).as_posix(), about, blocks_of(source))


def blocks_of(source: str) -> tuple[str, ...]:
    """The names of the blocks a template defines, in the order they appear."""
    try:
        tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    except TemplateSyntaxError:
        return tuple(dict.fromkeys(BLOCK_TAG.findall(TEMPLATE_COMMENT.sub("", source))))
    return tuple(dict.fromkeys(block.name for block in tree.find_all(nodes.Block)))
