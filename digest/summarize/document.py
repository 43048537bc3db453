"""An article prepared for summarizing: cleaned paragraphs split into sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.summarize.cleanup import clean_paragraphs, is_boilerplate
from digest.summarize.sentences import split_sentences
from digest.summarize.tidy import calm_capitals, drop_cut_ending, drop_label, written_forms

# Sentence-final punctuation: a paragraph ending without it is a heading or a link.
_FINAL = re.compile(r"[.!?…。！？][\"”’'»)\]]*$")
# A heading-like paragraph (no final punctuation) longer than this is still body text.
HEADING_MAX_CHARS = 100


@dataclass(frozen=True, slots=True)
class Document:
    """Sentences in reading order with the index of the paragraph each came from."""

    sentences: tuple[str, ...]
    paragraph_of: tuple[int, ...]
    title: str | None = None

    @classmethod
    def from_paragraphs(cls, paragraphs: Sequence[str], title: str | None = None) -> Document:
        """Clean, drop headings and links among body text, split, drop boilerplate sentences,
        tidy each sentence (`tidy`), and drop a last sentence the text was cut inside."""
        kept = clean_paragraphs(paragraphs, title)
        body = [p for p in kept if not _is_heading(p)]
        # An article that is only a headline still deserves a summary: keep what there is.
        chosen = body or kept
        sentences: list[str] = []
        owners: list[int] = []
        forms = written_forms(chosen)  # not the title: title case says nothing
        for index, paragraph in enumerate(chosen):
            pieces = [
                calm_capitals(drop_label(piece), forms) for piece in split_sentences(paragraph)
            ]
            clean = [sentence for sentence in pieces if not is_boilerplate(sentence)]
            # A paragraph that is mostly promotion ("Start your day with... Sign up...") is
            # promotion throughout.
            if len(clean) * 2 <= len(pieces) and len(pieces) > 1:
                continue
            for sentence in clean:
                sentences.append(sentence)
                owners.append(index)
        if not sentences:
            # Only boilerplate: better a summary of what is there than none at all.
            for index, paragraph in enumerate(chosen):
                for sentence in split_sentences(paragraph):
                    sentences.append(sentence)
                    owners.append(index)
        kept_count = drop_cut_ending(sentences)
        return cls(tuple(sentences[:kept_count]), tuple(owners[:kept_count]), title)

    def head(self, count: int) -> Document:
        """The document's first count sentences (itself when it has no more)."""
        if len(self.sentences) <= count:
            return self
        return Document(self.sentences[:count], self.paragraph_of[:count], self.title)


def _is_heading(paragraph: str) -> bool:
    """True for short paragraphs without final punctuation (subheads, related links)."""
    flat = paragraph.strip()
    return len(flat) <= HEADING_MAX_CHARS and _FINAL.search(flat) is None
