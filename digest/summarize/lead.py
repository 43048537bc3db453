"""The lead method: the article's opening sentences, in order, within the budget."""

from __future__ import annotations

from collections.abc import Sequence

from digest.summarize.budget import fit_sentences
from digest.summarize.document import Document


def summarize_lead(document: Document, max_chars: int) -> str:
    """Fill the budget with whole sentences from the top (inverted pyramid)."""
    return fit_sentences(document.sentences, max_chars)


def lead_n(document: Document, count: int) -> str:
    """The first count sentences, unbudgeted (the classic lead-3 reference)."""
    return " ".join(document.sentences[:count])


def lead_paragraphs(paragraphs: Sequence[str], max_chars: int) -> str:
    """Lead over raw paragraphs (convenience for callers without a Document)."""
    return summarize_lead(Document.from_paragraphs(paragraphs), max_chars)
