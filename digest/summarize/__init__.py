"""Summaries: sentence splitting and extractive summarizers behind one small interface."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from digest.errors import DigestError, ExitCode
from digest.summarize.budget import shorten
from digest.summarize.centroid import summarize_centroid
from digest.summarize.document import Document
from digest.summarize.headline import TICKER_MAX_CHARS, normalize_headline
from digest.summarize.lead import summarize_lead
from digest.summarize.sentences import split_sentences

logger = logging.getLogger(__name__)

Summarizer = Callable[[Document, int], str]

METHODS: dict[str, str] = {
    "lead": "the article's opening sentences, in order, as many as fit",
    "centroid": "central sentences with a lead prior and no repeats, in article order",
}
_SUMMARIZERS: dict[str, Summarizer] = {
    "lead": summarize_lead,
    "centroid": summarize_centroid,
}
# The best measured method on CNN stories at 350 chars (benchmarks/summaries.py), ~2 ms/article.
DEFAULT_METHOD = "centroid"

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "TICKER_MAX_CHARS",
    "normalize_headline",
    "shorten",
    "split_sentences",
    "summarize",
]


def summarize(
    paragraphs: Sequence[str],
    max_chars: int,
    method: str = DEFAULT_METHOD,
    *,
    title: str | None = None,
) -> str:
    """Summarize an article's paragraphs in at most max_chars with sentences from the article."""
    summarizer = _SUMMARIZERS.get(method)
    if summarizer is None:
        valid = ", ".join(sorted(METHODS))
        raise DigestError(
            f"unknown summary method {method!r}; choose one of: {valid}",
            exit_code=ExitCode.CONFIG,
        )
    document = Document.from_paragraphs(paragraphs, title)
    if not document.sentences or max_chars <= 0:
        return ""
    summary = summarizer(document, max_chars)
    logger.debug("%s summary: %d of %d chars", method, len(summary), max_chars)
    return summary
