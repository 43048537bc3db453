"""Where a template or the MJML went wrong: the file, the line, and the line itself.

Jinja names the file only for syntax errors; a mistake found while rendering (an undefined
name, a bad filter argument) comes with Jinja's rewritten traceback, whose frames carry the
template's file and line. mjml-python reports no position at all, so the MJML is checked for
the first tag that does not close where it should.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType

from jinja2 import TemplateError
from lxml import etree

TEMPLATE_SUFFIX = ".j2"
# Lines shown around the one that failed.
CONTEXT_LINES = 2
# A shown source line is cut here, so a minified line does not flood the terminal.
MAX_SHOWN_LINE = 110
# MJML elements whose content is HTML or CSS, not MJML: checked as opaque text.
MJML_ENDING_TAGS = (
    "mj-text", "mj-button", "mj-raw", "mj-table", "mj-style", "mj-title", "mj-preview",
    "mj-navbar-link", "mj-accordion-title", "mj-accordion-text", "mj-social-element",
)  # fmt: skip
_ENDING_CONTENT = re.compile(
    r"(<(" + "|".join(MJML_ENDING_TAGS) + r")\b[^>]*(?<!/)>)(.*?)(</\2\s*>)", re.DOTALL
)
_MJML_ELEMENT = re.compile(r"<(mj-[a-z-]+)")
_LOOSE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)")
_XML_LINE = re.compile(r", line (\d+), column \d+$")


def excerpt(lines: list[str], number: int) -> str:
    """The lines around line `number` (1-based), the failing one marked with >."""
    first = max(1, number - CONTEXT_LINES)
    last = min(len(lines), number + CONTEXT_LINES)
    shown = []
    for index in range(first, last + 1):
        text = lines[index - 1].rstrip()
        if len(text) > MAX_SHOWN_LINE:
            text = text[:MAX_SHOWN_LINE] + "…"
        marker = ">" if index == number else " "
        shown.append(f"  {marker} {index:>4} | {text}")
    return "\n".join(shown)


def _template_frame(trace: TracebackType | None) -> tuple[str, int] | None:
    """The innermost traceback frame that runs template code: its file and line."""
    found = None
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(TEMPLATE_SUFFIX):
            found = (filename, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _shown_path(filename: str, roots: list[tuple[Path, str]]) -> str:
    """A template's path as the editor knows it: templates/… of the publication, or the
    default theme's file."""
    path = Path(filename)
    for root, label in roots:
        if path.is_relative_to(root):
            return f"{label}{path.relative_to(root)}"
    return filename


def describe_template_error(
    error: BaseException, publication_root: Path | None, theme: Path | None = None
) -> str:
    """'templates/partials/story.mjml.j2, line 8: ... has no attribute 'titel'' and the line."""
    message = getattr(error, "message", None) or str(error)
    if not isinstance(error, TemplateError):  # not Jinja's: say which Python error it is
        message = f"{type(error).__name__}: {message}"
    location = None
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if filename and line:
        location = (str(filename), int(line))
    else:
        location = _template_frame(error.__traceback__)
    if location is None:
        return f"template error: {message}"
    roots = [(theme, "the default theme's ")] if theme is not None else []
    if publication_root is not None:
        roots.insert(0, (publication_root, ""))
    filename, line = location
    where = f"{_shown_path(filename, roots)}, line {line}"
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return f"template error in {where}: {message}"
    return f"template error in {where}: {message}\n{excerpt(lines, line)}"


def _structure_only(mjml: str) -> str:
    """The MJML with the content of ending tags (HTML, CSS) blanked, keeping line numbers."""

    def blank(match: re.Match[str]) -> str:
        inner = re.sub(r"[^\n]", " ", match.group(3))
        return match.group(1) + inner + match.group(4)

    return _LOOSE_AMPERSAND.sub("&amp;", _ENDING_CONTENT.sub(blank, mjml))


def _unclosed_ending_tag(mjml: str) -> tuple[int, str] | None:
    """An ending tag (mj-text...) whose content runs into the next MJML element."""
    for match in _ENDING_CONTENT.finditer(mjml):
        inner = _MJML_ELEMENT.search(match.group(3))
        if inner is not None:
            opened = mjml.count("\n", 0, match.start()) + 1
            runs_into = mjml.count("\n", 0, match.start(3) + inner.start()) + 1
            return opened, (
                f"<{match.group(2)}> is not closed before the <{inner.group(1)}> on line "
                f"{runs_into}"
            )
    return None


def mjml_problem_line(mjml: str) -> tuple[int, str] | None:
    """The first line where the MJML's tags do not nest, and why; None when they do."""
    unclosed = _unclosed_ending_tag(mjml)
    if unclosed is not None:
        return unclosed
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    try:
        etree.fromstring(_structure_only(mjml).encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        reason = _XML_LINE.sub("", str(error.msg or error))
        return (line, reason) if line > 0 else None
    return None


def describe_mjml_error(mjml: str, compiler_message: str) -> str:
    """The compiler's complaint, and where in digest.mjml the tags stop nesting."""
    lines = [f"the MJML compiler rejected the MJML the templates made: {compiler_message}"]
    found = mjml_problem_line(mjml)
    if found is not None:
        number, reason = found
        lines += [
            f"digest.mjml, line {number}: {reason}",
            excerpt(mjml.splitlines(), number),
        ]
    lines.append("Fix the template that writes these lines (`digest build` wrote no files).")
    return "\n".join(lines)
