"""Sentences that lean on the one before: found, and never opening a summary alone."""

from __future__ import annotations

import pytest

from digest.summarize import METHODS, summarize
from digest.summarize.coherence import needs_previous, starts_with_back_reference, units
from digest.summarize.document import Document


@pytest.mark.parametrize(
    "sentence",
    [
        "He said the talks had failed.",
        "But the army denied it.",
        "That was the third attack this month.",
        "In addition to the three fatalities, 30 were hurt.",
        "And that's a big deal as the moon is a target.",
        "The move comes after months of talks.",
        "It's the latest wave of pollution.",
        "Their statement raised concerns.",
    ],
)
def test_back_references_are_found(sentence: str) -> None:
    assert starts_with_back_reference(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The army denied it.",
        "This year's budget rose 4%.",
        "It is unclear whether the talks will resume.",
        "Hezbollah said it fired rockets.",
        "Theirry Henry scored twice.",
    ],
)
def test_standalone_sentences_are_not_flagged(sentence: str) -> None:
    assert not starts_with_back_reference(sentence)


def test_a_quotes_second_half_needs_its_first() -> None:
    sentences = (
        'The minister said: "We will not give up.',
        'We will rebuild every school."',
        "Police arrested two men.",
        '"The men were armed," a spokesman said.',
        '"We found three guns."',
    )
    flags = needs_previous(sentences, (0, 0, 0, 1, 1))
    assert flags == [False, True, False, False, True]


def test_units_reach_back_to_a_standalone_sentence() -> None:
    assert units([False, True, True, False]) == [(0,), (0, 1), (0, 1, 2), (3,)]
    assert units([False, True, True, True])[3] is None  # longer than MAX_CHAIN


ARTICLE = [
    "Floods swept through Sindh province on Monday, killing at least 42 people.",
    "White has said that he did not know about the warnings.",
    "The dam burst after three days of monsoon rain, the heaviest in a decade.",
    "He said the army would help with the rescue of thousands of stranded villagers.",
    "Officials said 10,000 people had been forced from their homes by the water.",
]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_method_leaves_a_pronoun_without_its_antecedent(method: str) -> None:
    document = Document.from_paragraphs(ARTICLE)
    for budget in range(80, 400, 10):
        summary = summarize(ARTICLE, budget, method)
        if "He said the army" in summary:
            assert "heaviest in a decade. He said the army" in summary, (budget, summary)
        # Sentences keep article order whatever the method.
        found = [s for s in document.sentences if s in summary]
        assert found == sorted(found, key=document.sentences.index)
