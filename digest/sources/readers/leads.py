"""True leads: the body starts where the story starts, checked against the page's structure.

trafilatura sometimes starts a body with a sidebar teaser or a related-story box, keeps a
standfirst that repeats the headline, or loses a first paragraph written as bare text. Here
each body line is located in the page (a flat rendering of its text, block by block); the
block that holds most of the body is the article. Leading lines from outside it are dropped,
and prose the article starts with but the extraction skipped is put back in front.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# Elements whose start or end breaks the text into separate blocks.
BLOCK_TAGS = frozenset(
    {
        "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "section", "article", "header", "footer", "aside", "nav", "figure", "figcaption",
        "table", "tr", "td", "th", "center", "br", "hr", "main", "form", "dl", "dt", "dd", "pre",
    }
)  # fmt: skip
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Headings, captions and navigation never become a recovered lead.
NOT_PROSE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "nav", "a", "li"})
# A body line is found in the page by this many of its first characters (normalized).
PROBE_CHARS = 40
# Only the first lines can be a stray teaser; later ones are left to the extraction.
LEADING_LINES = 4
# The article element is the deepest one holding at least this share of the located lines.
ARTICLE_SHARE = 0.6
# A recovered lead is prose: enough words, sentence punctuation at the end.
LEAD_MIN_WORDS = 15
# Class names of a lead kept beside the body ("article__summary"), and of what is not one.
SUMMARY_CLASS = re.compile(r"summary|lead|intro|standfirst")
PROMO_CLASS = re.compile(r"related|teaser|promo|recommend|newsletter|sidebar")
_FINAL = re.compile(r"[.!?…][\"”’'»)]*$")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the page's text and the element it sits in."""

    text: str
    element: Any
    start: int  # offset of the block in the flat key text


def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _squeezed(text: str) -> str:
    """A comparison key blind to spacing, so a split drop cap ("H ong Kong") still matches."""
    return _key(text).replace(" ", "")[:PROBE_CHARS]


def page_blocks(tree: Any) -> list[Block]:
    """The page's visible text as blocks, in document order, with their elements."""
    blocks: list[Block] = []
    parts: list[str] = []
    owner: list[Any] = [None]
    offset = 0

    def flush() -> None:
        nonlocal offset
        text = " ".join(" ".join(parts).split())
        parts.clear()
        if text:
            blocks.append(Block(text, owner[0], offset))
            offset += len(_key(text)) + 1

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIPPED_TAGS or not tag:
            return
        block = tag in BLOCK_TAGS
        if block:
            flush()
            owner[0] = element
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                if isinstance(child.tag, str) and child.tag in BLOCK_TAGS:
                    owner[0] = element
                parts.append(child.tail)
        if block:
            flush()
            owner[0] = element.getparent()

    body = tree.find("body")
    walk(body if body is not None else tree)
    return blocks


def _locate(line: str, blocks: list[Block]) -> Block | None:
    probe = _key(line)[:PROBE_CHARS]
    if not probe:
        return None
    for block in blocks:
        if probe in _key(block.text):
            return block
    return None


def _ancestors(element: Any) -> list[Any]:
    chain = []
    while element is not None:
        chain.append(element)
        element = element.getparent()
    return chain


def _article_element(located: list[Any]) -> Any | None:
    """The deepest element that holds at least ARTICLE_SHARE of the located lines."""
    counts: Counter[Any] = Counter()
    depth: dict[Any, int] = {}
    for element in located:
        chain = _ancestors(element)
        for level, ancestor in enumerate(reversed(chain)):
            counts[ancestor] += 1
            depth[ancestor] = level
    needed = ARTICLE_SHARE * len(located)
    candidates = [element for element, count in counts.items() if count >= needed]
    return max(candidates, key=lambda element: depth[element]) if candidates else None


def _inside(element: Any, container: Any) -> bool:
    return any(ancestor is container for ancestor in _ancestors(element))


def _is_prose(block: Block, title: str | None) -> bool:
    tag = block.element.tag if block.element is not None else ""
    return (
        tag not in NOT_PROSE_TAGS
        and len(block.text.split()) >= LEAD_MIN_WORDS
        and _FINAL.search(block.text) is not None
        and (title is None or _key(block.text) != _key(title))
    )


def _is_summary_beside(element: Any, article: Any) -> bool:
    """A lead paragraph kept beside the article body: a sibling marked summary, lead or intro."""
    parent = article.getparent()
    if parent is None or not _inside(element, parent):
        return False
    marks = " ".join(str(e.get("class") or "") for e in _ancestors(element)[:3]).lower()
    return SUMMARY_CLASS.search(marks) is not None and PROMO_CLASS.search(marks) is None


def true_lead(
    tree: Any, lines: list[str], title: str | None, teaser: str | None = None
) -> list[str]:
    """The body lines with stray leading lines dropped and a skipped first paragraph restored."""
    if len(lines) < 2:
        return lines
    blocks = page_blocks(tree)
    found = [_locate(line, blocks) for line in lines]
    located = [block.element for block in found if block is not None]
    if len(located) < 2:
        return lines
    article = _article_element(located)
    if article is None or article.tag in ("body", "html"):
        return lines
    kept = list(lines)
    # Leading lines are judged against the article's parent: a lead set apart from the body
    # (an intro block) stays, a sidebar or a related-story box does not.
    region = article.getparent() if article.getparent() is not None else article
    first_inside = next(
        (
            i
            for i, block in enumerate(found)
            if block is not None and _inside(block.element, article)
        ),
        None,
    )
    if first_inside is None:
        return lines
    for index in range(min(len(lines), LEADING_LINES)):
        block = found[index]
        if block is None:
            continue
        outside = index < first_inside and not _inside(block.element, region)
        # A standfirst set as a heading ("<h2 class=subhead>") repeats the page's teaser.
        standfirst = (
            teaser is not None
            and block.element.tag in HEADING_TAGS
            and _squeezed(block.text) == _squeezed(teaser)
        )
        if block.element.tag == "h1" or outside or standfirst:
            log.debug("dropped a line from outside the article: %.60s", lines[index])
            kept[index] = ""
    kept = [line for line in kept if line]
    first_block = found[first_inside]
    assert first_block is not None
    body_keys = {_squeezed(line) for line in kept}
    teaser_key = _squeezed(teaser) if teaser else None
    restored = [
        block.text
        for block in blocks
        if block.start < first_block.start
        and block.element is not None
        and _is_prose(block, title)
        and _squeezed(block.text) not in body_keys
        # Inside the article: a first paragraph the extraction skipped. Beside it: an intro
        # block, unless it is the page's teaser (a standfirst, which is left out on purpose).
        and (
            _inside(block.element, article)
            or (_is_summary_beside(block.element, article) and _squeezed(block.text) != teaser_key)
        )
    ]
    if restored:
        log.debug("restored %d skipped lead paragraph(s)", len(restored))
    return restored + kept


def is_body_paragraph(tree: Any, text: str) -> bool:
    """True when a <p> with this text sits among the article's other paragraphs (a lead, not
    a standfirst in the page header)."""
    probe = _key(text)[:PROBE_CHARS]
    for paragraph in tree.iter("p"):
        if probe and _key(paragraph.text_content())[:PROBE_CHARS] == probe:
            parent = paragraph.getparent()
            siblings = (
                [p for p in parent.iter("p") if p is not paragraph] if parent is not None else []
            )
            if sum(len(p.text_content().split()) >= LEAD_MIN_WORDS for p in siblings) >= 2:
                return True
    return False


def join_wrapped(lines: list[str]) -> list[str]:
    """Join lines broken mid-sentence (a <br> inside a paragraph) and re-attach drop caps."""
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        open_end = previous and not re.search(r"[.!?:;…\"”’)\]]$", previous)
        ends_mid_phrase = re.search(r"\b[a-z][\w’']*,?$", previous) is not None
        if open_end and (line[:1].islower() or ends_mid_phrase):
            joined[-1] = f"{previous} {line}"
        else:
            joined.append(line)
    return joined
