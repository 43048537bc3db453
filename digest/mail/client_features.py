"""What HTML and CSS an email uses, named as caniemail names features (html-…, css-…).

Read from the compiled HTML: its elements and attributes, its links and images, the CSS of
its <style> blocks (rules, at-rules, selectors) and of every style="" attribute. Content inside
Outlook's conditional comments (<!--[if mso]>) is only for Outlook for Windows and is not read.
A use inside @media (prefers-color-scheme: dark) carries that context: a client that ignores
the media query never sees what is inside it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tinycss2
from tinycss2 import ast

# Elements with a feature of their own, by tag.
ELEMENTS = frozenset((
    "abbr", "acronym", "address", "audio", "base", "bdi", "blockquote", "body", "code", "del",
    "dfn", "dialog", "div", "form", "hr", "img", "link", "marquee", "meter", "object", "p",
    "picture", "pre", "progress", "rp", "rt", "ruby", "select", "small", "span", "strike",
    "strong", "style", "svg", "table", "textarea", "video", "wbr",
))  # fmt: skip
SEMANTIC = (
    "article", "aside", "details", "figcaption", "figure", "footer", "header", "main", "mark",
    "nav", "section", "summary", "time",
)  # fmt: skip
GROUPED_ELEMENTS = {
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)},
    **dict.fromkeys(("ul", "ol", "dl"), "html-lists"),
    **dict.fromkeys(("map", "area"), "html-image-maps"),
    **dict.fromkeys(SEMANTIC, "html-semantics"),
}
ATTRIBUTES = frozenset((
    "align", "background", "cellpadding", "cellspacing", "dir", "height", "hidden", "lang",
    "loading", "popover", "required", "role", "target", "valign", "width", "aria-describedby",
    "aria-hidden", "aria-label", "aria-labelledby", "aria-live",
))  # fmt: skip
INPUT_TYPES = frozenset({"checkbox", "hidden", "radio", "reset", "submit", "text"})
IMAGE_TYPES = {
    "png": "image-png", "jpg": "image-jpg", "jpeg": "image-jpg", "gif": "image-gif",
    "webp": "image-webp", "svg": "image-svg", "avif": "image-avif", "bmp": "image-bmp",
    "ico": "image-ico", "tif": "image-tiff", "tiff": "image-tiff", "heic": "image-heif",
    "heif": "image-heif", "apng": "image-apng", "mp4": "image-mp4",
}  # fmt: skip
# Properties sharing a feature with their family (the sides of a box, the corners).
PROPERTY_FAMILIES = (
    (re.compile(r"^border-(?:top|bottom)-(?:left|right)-radius$"), "css-border-radius"),
    (re.compile(r"^border-(?:start|end)-(?:start|end)-radius$"), "css-border-radius-logical"),
    (re.compile(r"^border(?:-(?:top|right|bottom|left))?(?:-(?:width|style|color))?$"),
     "css-border"),
    (re.compile(r"^padding-(?:top|right|bottom|left)$"), "css-padding"),
    (re.compile(r"^margin-(?:top|right|bottom|left)$"), "css-margin"),
    (re.compile(r"^(?:left|right|top|bottom)$"), "css-left-right-top-bottom"),
    (re.compile(r"^(?:row-|column-)?gap$"), "css-gap"),
    (re.compile(r"^column-(?!count$)"), "css-column-layout-properties"),
    (re.compile(r"^grid-template"), "css-grid-template"),
    (re.compile(r"^inset"), "css-inset"),
    (re.compile(r"^overflow-[xy]$"), "css-overflow"),
)  # fmt: skip
VALUE_FEATURES = {
    ("display", "flex"): "css-display-flex",
    ("display", "inline-flex"): "css-display-flex",
    ("display", "grid"): "css-display-grid",
    ("display", "none"): "css-display-none",
    ("flex-direction", "column"): "css-flex-direction",
    ("flex-wrap", "wrap"): "css-flex-wrap",
}
FUNCTIONS = {
    "rgb": "css-rgb", "rgba": "css-rgba", "linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient", "conic-gradient": "css-conic-gradient",
    "calc": "css-unit-calc", "clamp": "css-function-clamp", "min": "css-function-min",
    "max": "css-function-max", "light-dark": "css-function-light-dark", "var": "css-variables",
    "lch": "css-modern-color", "oklch": "css-modern-color", "lab": "css-modern-color",
    "oklab": "css-modern-color",
}  # fmt: skip
UNITS = frozenset(
    ("px", "em", "rem", "ex", "ch", "vh", "vw", "vmin", "vmax", "cm", "mm", "in", "pc", "pt")
)
SYSTEM_FONTS = frozenset({"system-ui", "ui-serif", "ui-sans-serif", "ui-rounded", "ui-monospace"})
INTRINSIC = frozenset({"fit-content", "min-content", "max-content"})
MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation",
    "hover": "css-at-media-hover",
    "any-hover": "css-at-media-hover",
    "-webkit-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-min-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-max-device-pixel-ratio": "css-at-media-device-pixel-ratio",
}
AT_RULES = {
    "font-face": "css-at-font-face",
    "import": "css-at-import",
    "keyframes": "css-at-keyframes",
    "-webkit-keyframes": "css-at-keyframes",
    "supports": "css-at-supports",
}
COMBINATORS = {
    ">": "css-selector-child",
    "+": "css-selector-adjacent-sibling",
    "~": "css-selector-general-sibling",
}
EXAMPLE_CHARS = 60


@dataclass(frozen=True, slots=True)
class Usage:
    """One feature the email uses: an example of it, and the at-rules it sits in."""

    slug: str
    example: str
    context: tuple[str, ...] = ()  # enclosing at-rule features, e.g. css-at-media


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def html_usages(root: Any, doctype: bool) -> Iterator[Usage]:
    """Every feature of the parsed document (lxml), element by element."""
    if doctype:
        yield Usage("html-doctype", "<!DOCTYPE html>")
    for element in root.iter() if root is not None else ():
        if not isinstance(element.tag, str):
            yield Usage("html-comments", "<!-- … -->")
            continue
        tag = element.tag.lower()
        yield from _element_usages(element, tag)
        if tag == "style" and element.text:
            yield from css_usages(element.text)
        style = element.get("style")
        if style:
            yield from declaration_usages(style, f"<{tag} style>")


def _element_usages(element: Any, tag: str) -> Iterator[Usage]:
    if tag in ELEMENTS:
        yield Usage(f"html-{tag}", f"<{tag}>")
    elif tag in GROUPED_ELEMENTS:
        yield Usage(GROUPED_ELEMENTS[tag], f"<{tag}>")
    kind = (element.get("type") or "").lower()
    if tag == "input" and kind in INPUT_TYPES:
        yield Usage(f"html-input-{kind}", f'<input type="{kind}">')
    if tag == "button" and kind in ("submit", "reset"):
        yield Usage(f"html-button-{kind}", f'<button type="{kind}">')
    if tag == "meta" and (element.get("name") or "").lower() in (
        "color-scheme",
        "supported-color-schemes",
    ):
        yield Usage("html-meta-color-scheme", f'<meta name="{element.get("name")}">')
    for name in element.attrib:
        lowered = str(name).lower()
        if lowered in ATTRIBUTES:
            yield Usage(f"html-{lowered}", f"<{tag} {lowered}>")
        elif lowered in ("srcset", "sizes"):
            yield Usage("html-srcset", f"<{tag} {lowered}>")
        elif lowered == "usemap":
            yield Usage("html-image-maps", f"<{tag} usemap>")
        elif lowered == "inert":
            yield Usage("css-inert-attribute", f"<{tag} inert>")
    href = (element.get("href") or "").strip()
    if tag == "a" and href.startswith("#") and len(href) > 1:
        yield Usage("html-anchor-links", f'<a href="{_short(href)}">')
    elif tag == "a" and href.lower().startswith("mailto:"):
        yield Usage("html-mailto-links", f'<a href="{_short(href)}">')
    if tag == "img":
        yield from _image_usages(element.get("src") or "")


def _image_usages(src: str) -> Iterator[Usage]:
    if src.lower().startswith("data:"):
        yield Usage("image-base64", f'<img src="{_short(src)}">')
        return
    path = src.split("?", 1)[0].split("#", 1)[0]
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if extension in IMAGE_TYPES:
        yield Usage(IMAGE_TYPES[extension], f'<img src="…{_short(path[-30:])}">')


@functools.lru_cache(maxsize=1024)
def css_usages(css: str, context: tuple[str, ...] = ()) -> tuple[Usage, ...]:
    """Every feature of a style sheet (remembered: rebuilds repeat the same blocks)."""
    found: list[Usage] = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=True):
        if isinstance(rule, ast.Comment):
            found.append(Usage("css-comments", "/* … */", context))
        elif isinstance(rule, ast.AtRule):
            found += _at_rule_usages(rule, context)
        elif isinstance(rule, ast.QualifiedRule):
            selector = tinycss2.serialize(rule.prelude).strip()
            found += _selector_usages(rule.prelude, selector, context)
            body = tinycss2.serialize(rule.content or [])
            found += declaration_usages(body, f"{_short(selector)} {{ }}", context)
    return tuple(found)


def _at_rule_usages(rule: ast.AtRule, context: tuple[str, ...]) -> list[Usage]:
    name = rule.lower_at_keyword
    prelude = tinycss2.serialize(rule.prelude).strip()
    example = _short(f"@{name} {prelude}")
    if name == "media":
        slugs = ["css-at-media"]
        slugs += [
            MEDIA_FEATURES[token.lower_value]
            for token in _tokens(rule.prelude)
            if isinstance(token, ast.IdentToken) and token.lower_value in MEDIA_FEATURES
        ]
        found = [Usage(slug, example, context) for slug in dict.fromkeys(slugs)]
        inner = (*context, *dict.fromkeys(slugs))
    elif name in AT_RULES:
        found = [Usage(AT_RULES[name], example, context)]
        inner = (*context, AT_RULES[name]) if name == "supports" else context
    else:
        return []
    if rule.content is not None and name in ("media", "supports"):
        found += css_usages(tinycss2.serialize(rule.content), inner)
    return found


def _tokens(nodes: list[Any]) -> Iterator[Any]:
    """Every token, inside blocks and functions too."""
    for node in nodes:
        yield node
        if isinstance(
            node, ast.ParenthesesBlock | ast.SquareBracketsBlock | ast.CurlyBracketsBlock
        ):
            yield from _tokens(node.content)
        elif isinstance(node, ast.FunctionBlock):
            yield from _tokens(node.arguments)


def _selector_usages(prelude: list[Any], text: str, context: tuple[str, ...]) -> list[Usage]:
    """Selector features: kinds of simple selectors, combinators, pseudo-classes."""
    selectors: list[list[Any]] = [[]]
    for token in prelude:
        if isinstance(token, ast.LiteralToken) and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    slugs = ["css-selector-grouping"] if len(selectors) > 1 else []
    for selector in selectors:
        slugs += _one_selector(selector)
    return [Usage(slug, _short(text), context) for slug in dict.fromkeys(slugs)]


def _one_selector(tokens: list[Any]) -> Iterator[str]:
    compound = 0  # simple selectors (not pseudo-classes) in the current compound selector
    space = False  # whitespace after a compound: a descendant combinator, unless one follows
    previous: Any = None
    for token in tokens:
        if isinstance(token, ast.WhitespaceToken):
            space = space or compound > 0
            continue
        if isinstance(token, ast.LiteralToken) and token.value in COMBINATORS:
            yield COMBINATORS[token.value]
            compound, space, previous = 0, False, token
            continue
        slug = _simple_selector(token, previous)
        previous = token
        if slug is None:
            continue
        if space:
            yield "css-selector-descendant"
            compound, space = 0, False
        yield slug
        if not slug.startswith("css-pseudo"):
            compound += 1
            if compound == 2:
                yield "css-selector-chaining"


def _simple_selector(token: Any, previous: Any) -> str | None:
    if isinstance(token, ast.HashToken):
        return "css-selector-id"
    if isinstance(token, ast.SquareBracketsBlock):
        return "css-selector-attribute"
    if isinstance(token, ast.LiteralToken) and token.value == "*":
        return "css-selector-universal"
    colon = isinstance(previous, ast.LiteralToken) and previous.value == ":"
    if isinstance(token, ast.IdentToken | ast.FunctionBlock) and colon:
        name = token.lower_value if isinstance(token, ast.IdentToken) else token.lower_name
        kind = "element" if name in ("before", "after", "first-letter", "first-line") else None
        return f"css-pseudo-{kind or 'class'}-{name}" if kind else f"css-pseudo-class-{name}"
    if isinstance(token, ast.IdentToken):
        dot = isinstance(previous, ast.LiteralToken) and previous.value == "."
        return "css-selector-class" if dot else "css-selector-type"
    return None


@functools.lru_cache(maxsize=4096)
def declaration_usages(text: str, where: str, context: tuple[str, ...] = ()) -> tuple[Usage, ...]:
    """Features of a declaration list (a style attribute, a rule's body): properties, their
    values' functions, units and keywords, !important."""
    found: list[Usage] = []
    for item in tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True):
        if not isinstance(item, ast.Declaration):
            if isinstance(item, ast.QualifiedRule):
                found.append(Usage("css-nesting", where, context))
            continue
        name = item.lower_name
        value = tinycss2.serialize(item.value).strip()
        example = _short(f"{name}: {value}{' !important' if item.important else ''}")
        for slug in _declaration_slugs(name, item):
            found.append(Usage(slug, example, context))
    return tuple(found)


def _declaration_slugs(name: str, item: ast.Declaration) -> Iterator[str]:
    if name.startswith("--"):
        yield "css-variables"
        return
    if name.startswith(("-", "mso-")):
        return  # a vendor's own property, for the one client that reads it
    yield f"css-{name}"  # kept only when caniemail has such a feature
    for pattern, slug in PROPERTY_FAMILIES:
        if pattern.search(name):
            yield slug
            break
    if item.important:
        yield "css-important"
    for token in _tokens(item.value):
        if isinstance(token, ast.FunctionBlock) and token.lower_name in FUNCTIONS:
            yield FUNCTIONS[token.lower_name]
        elif isinstance(token, ast.DimensionToken) and token.lower_unit in UNITS:
            yield f"css-unit-{token.lower_unit}"
        elif isinstance(token, ast.PercentageToken):
            yield "css-unit-percent"
        elif isinstance(token, ast.IdentToken):
            keyword = token.lower_value
            if (name, keyword) in VALUE_FEATURES:
                yield VALUE_FEATURES[(name, keyword)]
            elif keyword == "initial":
                yield "css-unit-initial"
            elif keyword in SYSTEM_FONTS:
                yield "css-sytem-ui"  # sic: caniemail's slug
            elif keyword in INTRINSIC:
                yield "css-intrinsic-size"
