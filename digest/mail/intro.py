"""The editor's note (`intro` in an edition): Markdown -> sanitized HTML, and plain text.

Raw HTML in the Markdown is not rendered; the HTML that Markdown produces is then cleaned by
nh3 to a small allow-list with http(s)/mailto links only, and every element gets the theme's
class so light and dark mode style it like the rest of the email.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({"p", "a", "strong", "em", "b", "i", "ul", "ol", "li", "br"})
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# The theme's classes: body text and accent links (see partials/style.mjml.j2).
CLASSES = {"p": "tx", "li": "tx", "a": "ac"}


def _parser() -> MarkdownIt:
    # Imported here: only editions with an intro pay for the Markdown parser (start-up).
    from markdown_it import MarkdownIt

    # commonmark without raw HTML; linkify off (bare URLs stay text, as the editor typed them).
    return MarkdownIt("commonmark", {"html": False})


def intro_html(markdown: str) -> Markup:
    """The note as HTML for the email: Markdown rendered, then sanitized."""
    rendered = _parser().render(markdown)
    import nh3  # only editions with an intro pay for it (start-up)

    clean = nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={"a": {"href"}},
        url_schemes=set(LINK_SCHEMES),
        link_rel=None,
        set_tag_attribute_values={tag: {"class": name} for tag, name in CLASSES.items()},
    )
    return Markup(clean.strip())  # nh3's output is the allow-list only


def intro_text(markdown: str) -> str:
    """The note as plain text: paragraphs and list items, links as "text (url)"."""
    blocks: list[str] = []
    prefix = ""
    for token in _parser().parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            prefix = "- "
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefix = ""
        elif token.type == "inline":
            blocks.append(prefix + _inline_text(token.children or []))
    return "\n\n".join(block for block in blocks if block.strip())


def _inline_text(children: list[Any]) -> str:
    out: list[str] = []
    href = ""
    label_start = 0
    for child in children:
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            label_start = len(out)
        elif child.type == "link_close":
            label = "".join(out[label_start:])
            if href and href != label and href.lower().startswith(("http", "mailto:")):
                out.append(f" ({href})")
            href = ""
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type in ("text", "code_inline"):
            out.append(str(child.content))
    return " ".join("".join(out).split())
