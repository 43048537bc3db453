"""Sentences that lean on the one before: found, and never opening a summary alone."""

from __future__ import annotations

import pytest

from digest.summarize import METHODS, summarize
from digest.summarize.coherence import (
    disputes_previous,
    links_of,
    needs_previous,
    starts_with_back_reference,
    units,
)
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


# --- meaning: claims with what disputes them, surnames with their introduction -----------------

COLUMN = [
    "Chip makers say the new plants will bring 10,000 jobs to the state within five years.",
    "That's the optimistic view mouthed by Michael Reed, the CEO of the largest of them.",
    "Economists expect far fewer jobs, and most of them in construction, the column says.",
    "The state has promised $2 billion in tax breaks to the companies building plants.",
]


def test_a_disputed_claim_comes_with_what_disputes_it_or_not_at_all() -> None:
    links = links_of(COLUMN, (0, 1, 2, 3))
    assert links.needs_next[0] and links.needs_previous[1]
    for method in sorted(METHODS):
        for budget in range(60, 400, 15):
            summary = summarize(COLUMN, budget, method)
            if "10,000 jobs" in summary and not summary.endswith("…"):
                assert "optimistic view" in summary, (method, budget, summary)


@pytest.mark.parametrize(
    "sentence",
    [
        "That's the optimistic view of the company's chief executive.",
        "But critics say the plan will never pay for itself.",
        "However, the data tell another story.",
        "Critics say the numbers do not add up.",
        "So says the company, at least.",
    ],
)
def test_openings_that_dispute_the_claim_before(sentence: str) -> None:
    assert disputes_previous(sentence)


def test_a_surname_needs_the_sentence_that_first_names_the_person() -> None:
    sentences = (
        "Two prison officers were charged on Tuesday.",
        "Tova Noel, 31, and Michael Thomas, 41, were on duty that night.",
        "The inmate was found dead at dawn.",
        "Noel was seen browsing the internet, prosecutors said.",
        "Officer Thomas was asleep, they said.",
        "Michael Thomas has pleaded not guilty.",
    )
    links = links_of(sentences, tuple(range(6)))
    assert links.requires[3] == {1} and links.requires[4] == {1}
    assert links.requires[5] == frozenset()  # named in full again: no introduction needed
    assert not links.allows([0, 2], 3) and links.allows([0, 1, 2], 3)


def test_half_a_quote_and_an_early_also_lean_on_their_neighbours() -> None:
    sentences = (
        "The mayor spoke on Friday.",
        "“We will rebuild every school.",
        "We will not give up,” she said.",
        "The patient, also from Inner Mongolia, is in quarantine.",
    )
    links = links_of(sentences, (0, 1, 1, 2))
    assert links.needs_next[1] and not links.can_end([0, 1])
    assert links.needs_previous[3]
