"""The publication (digest.toml) and edition files, validated, with every problem at once.

Owns: the pydantic models of both files and the loading that turns TOML into them.
May import: `digest.errors`, `digest.summarize` (the method names). Nothing else of digest.
"""

from __future__ import annotations

from digest.config.edition import ArticleEntry, EditionFile, LoadedEdition, TickerEntry
from digest.config.load import (
    find_publication,
    load_edition,
    load_publication,
    refuse_publication_file,
)
from digest.config.publication import (
    DEFAULT_SUMMARY_CHARS,
    MAX_SUMMARY_CHARS,
    MIN_SUMMARY_CHARS,
    PUBLICATION_FILE,
    Brand,
    Delivery,
    Publication,
    Unsubscribe,
)

__all__ = [
    "DEFAULT_SUMMARY_CHARS",
    "MAX_SUMMARY_CHARS",
    "MIN_SUMMARY_CHARS",
    "PUBLICATION_FILE",
    "ArticleEntry",
    "Brand",
    "Delivery",
    "EditionFile",
    "LoadedEdition",
    "Publication",
    "TickerEntry",
    "Unsubscribe",
    "find_publication",
    "load_edition",
    "load_publication",
    "refuse_publication_file",
]
