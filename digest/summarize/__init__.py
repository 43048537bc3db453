"""Summaries: sentence splitting and extractive summarizers behind one small interface."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points

from digest.errors import DigestError, ExitCode
from digest.summarize.budget import shorten
from digest.summarize.centroid import summarize_centroid
from digest.summarize.document import Document
from digest.summarize.headline import TICKER_MAX_CHARS, normalize_headline
from digest.summarize.lead import summarize_lead
from digest.summarize.learned import summarize_learned
from digest.summarize.sentences import split_sentences

logger = logging.getLogger(__name__)

Summarizer = Callable[[Document, int], str]

METHODS: dict[str, str] = {
    "learned": "sentences chosen by a model trained on news stories, in article order",
    "lead": "the article's opening sentences, in order, as many as fit",
    "centroid": "central sentences with a lead prior and no repeats, in article order",
}
_SUMMARIZERS: dict[str, Summarizer] = {
    "learned": summarize_learned,
    "lead": summarize_lead,
    "centroid": summarize_centroid,
}
# The best measured method on CNN stories at 350 chars (benchmarks/summaries.py).
DEFAULT_METHOD = "learned"

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "TICKER_MAX_CHARS",
    "available_methods",
    "get_summarizer",
    "normalize_headline",
    "shorten",
    "split_sentences",
    "summarize",
]


SUMMARIZER_GROUP = "digest.summarizers"


@functools.cache
def _plugins() -> dict[str, EntryPoint]:
    """Summarizers other packages register under the `digest.summarizers` entry point group."""
    return {point.name: point for point in entry_points(group=SUMMARIZER_GROUP)}


def available_methods() -> list[str]:
    """Every method name: the built-in ones first, then installed plugins, sorted."""
    return [*METHODS, *sorted(set(_plugins()) - set(METHODS))]


def get_summarizer(method: str) -> Summarizer:
    """The summarizer behind a method name; unknown names are a configuration error."""
    summarizer = _SUMMARIZERS.get(method)
    if summarizer is not None:
        return summarizer
    point = _plugins().get(method)
    if point is None:
        valid = ", ".join(available_methods())
        raise DigestError(
            f"unknown summary method {method!r}; choose one of: {valid}",
            exit_code=ExitCode.CONFIG,
        )
    loaded: Summarizer = point.load()
    return loaded


def summarize(
    paragraphs: Sequence[str],
    max_chars: int,
    method: str = DEFAULT_METHOD,
    *,
    title: str | None = None,
) -> str:
    """Summarize an article's paragraphs in at most max_chars with sentences from the article."""
    summarizer = get_summarizer(method)
    document = Document.from_paragraphs(paragraphs, title)
    if not document.sentences or max_chars <= 0:
        return ""
    summary = summarizer(document, max_chars)
    logger.debug("%s summary: %d of %d chars", method, len(summary), max_chars)
    return summary
