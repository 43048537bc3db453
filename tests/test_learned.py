"""The learned summarizer: its shipped weights, its runtime, and what it picks."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import pytest

from digest.errors import DigestError
from digest.summarize import DEFAULT_METHOD, available_methods, get_summarizer, summarize
from digest.summarize.budget import join_sentences
from digest.summarize.coherence import units
from digest.summarize.document import Document
from digest.summarize.features import analyze
from digest.summarize.learned import (
    WEIGHTS_FILE,
    build_pool,
    load_model,
    parse_model,
    summarize_learned,
)
from digest.summarize.selection import candidate_pool, candidates

# The weights ship inside the package; the issue caps them at 1 MB.
MAX_WEIGHTS_BYTES = 1_000_000

STORY = [
    "(CNN) -- Floods swept through the northern province of Sindh on Monday, killing at least "
    "42 people and forcing 10,000 from their homes, officials said.",
    "Rescue teams in boats reached villages cut off by the water. He said the army would help.",
    "The floods followed three days of monsoon rain, the heaviest in a decade.",
    "But forecasters warned that more rain was on the way.",
    "Sindh's chief minister asked the federal government for emergency funds.",
]


def _weights_text() -> str:
    return resources.files("digest.summarize").joinpath(WEIGHTS_FILE).read_text("utf-8")


def test_learned_is_the_default_and_the_others_stay_selectable() -> None:
    assert DEFAULT_METHOD == "learned"
    assert {"learned", "lead", "centroid"} <= set(available_methods())


def test_weights_ship_small_and_load() -> None:
    assert len(_weights_text().encode("utf-8")) <= MAX_WEIGHTS_BYTES
    model = load_model()
    assert len(model.priors) > 1000
    assert model.pool_lead > 0 and model.pool_top >= 0
    assert len(model.gain_weights[0]) == len(model.gain_weights[1])


@pytest.mark.parametrize(
    "key", ["sentence_features", "term_features", "gain_features", "summary_features"]
)
def test_weights_made_for_other_features_are_refused(key: str) -> None:
    data = json.loads(_weights_text())
    data[key] = data[key][:-1]
    with pytest.raises(DigestError, match="other features"):
        parse_model(data)


def test_weights_of_an_older_format_are_refused() -> None:
    data = json.loads(_weights_text())
    data["format"] = 1
    with pytest.raises(DigestError, match="unsupported format"):
        parse_model(data)


def test_every_candidate_fits_and_keeps_leaning_sentences_with_their_predecessor() -> None:
    document = Document.from_paragraphs(STORY)
    model = load_model()
    analysis = analyze(document)
    pool = build_pool(document, analysis, model)
    indexes = candidate_pool(pool, model.pool_lead, model.pool_top, units(analysis.needs_previous))
    # No sentence of the story fits in 60 characters: no candidate, and the summary is the
    # first sentence shortened at a word boundary.
    assert list(candidates(pool, indexes, 60)) == []
    assert summarize_learned(document, 60).endswith("…")
    for budget in (150, 350):
        found = list(candidates(pool, indexes, budget))
        assert found, budget
        for chosen, row in found:
            assert chosen == sorted(chosen)
            assert len(join_sentences([document.sentences[i] for i in chosen])) <= budget
            for index in chosen:
                if analysis.needs_previous[index]:
                    assert index - 1 in chosen
            assert len(row) == len(model.summary_weights)


def test_a_huge_budget_stays_bounded() -> None:
    long_story = [f"Paragraph {n} tells part {n} of the flood story in Sindh." for n in range(200)]
    document = Document.from_paragraphs(long_story)
    summary = summarize_learned(document, 2000)
    assert 0 < len(summary) <= 2000


def test_runtime_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from digest.summarize import summarize\n"
        f"print(summarize({STORY!r}, 200))\n"
        "heavy = {'numpy', 'sklearn', 'rouge_score', 'nltk'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_summary_is_within_budget_in_article_order_and_from_the_article() -> None:
    for budget in (60, 120, 200, 350, 1000):
        summary = summarize(STORY, budget, "learned")
        assert 0 < len(summary) <= budget
    summary = summarize(STORY, 350, "learned")
    document = Document.from_paragraphs(STORY)
    positions = [document.sentences.index(s) for s in document.sentences if s in summary]
    assert positions == sorted(positions)
    assert "(CNN)" not in summary


def test_dangling_sentence_comes_only_with_the_one_before() -> None:
    document = Document.from_paragraphs(STORY)
    for budget in range(60, 400, 20):
        summary = summarize_learned(document, budget)
        if "But forecasters" in summary:
            assert "heaviest in a decade. But forecasters" in summary
        if "He said the army" in summary:
            assert "cut off by the water. He said the army" in summary


def test_plugin_names_resolve_and_unknown_ones_are_config_errors() -> None:
    assert get_summarizer("lead") is not None
    with pytest.raises(DigestError) as caught:
        get_summarizer("abstractive")
    assert "learned" in str(caught.value)
