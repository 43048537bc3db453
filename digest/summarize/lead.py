"""The lead method: the article's opening sentences, in order, within the budget."""

from __future__ import annotations

from collections.abc import Sequence

from digest.summarize.budget import join_sentences, joiner, shorten
from digest.summarize.coherence import links_of
from digest.summarize.document import Document


def summarize_lead(document: Document, max_chars: int) -> str:
    """Fill the budget with whole sentences from the top (inverted pyramid), never ending on
    a claim the next sentence (left out) attributes or disputes."""
    sentences = document.sentences
    links = links_of(sentences, document.paragraph_of)
    chosen: list[int] = []
    used = 0
    for index, sentence in enumerate(sentences):
        extra = len(sentence) + (len(joiner(sentences[chosen[-1]])) if chosen else 0)
        if used + extra > max_chars:
            break
        chosen.append(index)
        used += extra
    while chosen and not links.can_end(chosen):
        chosen.pop()
    if not chosen:
        return shorten(links.opening(sentences), max_chars) if sentences else ""
    return join_sentences([sentences[i] for i in chosen])


def lead_n(document: Document, count: int) -> str:
    """The first count sentences, unbudgeted (the classic lead-3 reference)."""
    return " ".join(document.sentences[:count])


def lead_paragraphs(paragraphs: Sequence[str], max_chars: int) -> str:
    """Lead over raw paragraphs (convenience for callers without a Document)."""
    return summarize_lead(Document.from_paragraphs(paragraphs), max_chars)
