"""Summaries: budgets, the lead rules, cleanup, headlines and method selection."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import DigestError, ExitCode
from digest.summarize import (
    DEFAULT_METHOD,
    METHODS,
    TICKER_MAX_CHARS,
    normalize_headline,
    shorten,
    summarize,
)
from digest.summarize.command import split_paragraphs, summarize_text
from tests.conftest import SEED

ARTICLE = [
    "LONDON (Reuters) - NATO and Ukraine are set to meet in Brussels on Tuesday to discuss "
    "Russia's recent missile strike on Ukraine, diplomats confirmed on Friday.",
    "Advertisement",
    "Russian President Vladimir Putin announced Thursday that Moscow had used a new missile. "
    "His statement raised concerns about escalating tensions in the region.",
    "Read more: Why the missile matters",
    "A NATO spokeswoman responded to Putin's remarks. She reiterated the alliance's support.",
]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_fits_the_budget(method: str) -> None:
    for budget in (10, 40, 80, 150, 350, 1000):
        summary = summarize(ARTICLE, budget, method)
        assert 0 < len(summary) <= budget


def test_lead_takes_whole_sentences_in_order() -> None:
    summary = summarize(ARTICLE, 250, "lead")
    assert summary == (
        "NATO and Ukraine are set to meet in Brussels on Tuesday to discuss Russia's recent "
        "missile strike on Ukraine, diplomats confirmed on Friday. Russian President Vladimir "
        "Putin announced Thursday that Moscow had used a new missile."
    )


def test_lead_strips_debris_and_dateline() -> None:
    summary = summarize(ARTICLE, 2000, "lead")
    assert "Reuters" not in summary
    assert "Advertisement" not in summary
    assert "Read more" not in summary


def test_cnn_dateline_is_stripped() -> None:
    summary = summarize(["(CNN) -- A storm hit Florida. Thousands lost power."], 100, "lead")
    assert summary == "A storm hit Florida. Thousands lost power."


def test_lead_shortens_a_long_first_sentence_at_a_clause() -> None:
    summary = summarize(ARTICLE, 120, "lead")
    assert summary.endswith("…")
    assert len(summary) <= 120
    assert summary.startswith("NATO and Ukraine are set to meet in Brussels")


def test_empty_article_gives_empty_summary() -> None:
    assert summarize([], 350) == ""
    assert summarize(["", "   "], 350) == ""


def test_zero_budget_gives_empty_summary() -> None:
    assert summarize(ARTICLE, 0) == ""


def test_unknown_method_names_valid_ones() -> None:
    with pytest.raises(DigestError) as caught:
        summarize(ARTICLE, 350, "abstractive")
    assert caught.value.exit_code == ExitCode.CONFIG
    for name in METHODS:
        assert name in str(caught.value)


def test_default_method_is_registered() -> None:
    assert DEFAULT_METHOD in METHODS


def test_shorten_keeps_text_that_fits() -> None:
    assert shorten("Short text.", 20) == "Short text."


def test_shorten_counts_the_ellipsis() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    result = shorten(text, 20)
    assert result == "The quick brown fox…"
    assert len(result) <= 20


def test_shorten_prefers_a_clause_boundary() -> None:
    text = "Diplomats met in Brussels on Tuesday, and the talks went on late into the night"
    assert shorten(text, 50) == "Diplomats met in Brussels on Tuesday…"


def test_shorten_with_budget_below_first_word() -> None:
    assert shorten("Constitutionally", 5) == "…"
    assert shorten("Constitutionally", 0) == ""


def test_headline_normalization() -> None:
    raw = "  • Dhaka's RMG exports  reach $38.48 bn in 2024: New markets up     |  "
    assert normalize_headline(raw) == "Dhaka’s RMG exports reach $38.48 bn in 2024: New markets up"
    assert normalize_headline('He said "no" to the plan. ') == "He said “no” to the plan"
    assert normalize_headline("Is it over?") == "Is it over?"


def test_headline_is_shortened_to_the_ticker_budget() -> None:
    long = "Word " * 60
    result = normalize_headline(long)
    assert len(result) <= TICKER_MAX_CHARS
    assert result.endswith("Word…")


# --- budget edge cases -------------------------------------------------------------------------

HUGE_SENTENCE = "The committee, " + "after long and careful deliberation, " * 30 + "agreed."


@pytest.mark.parametrize("method", sorted(METHODS))
def test_one_huge_sentence_is_shortened(method: str) -> None:
    summary = summarize([HUGE_SENTENCE], 350, method)
    assert len(summary) <= 350
    assert summary.endswith("…")
    assert summary.startswith("The committee, after long")
    _assert_ends_on_word_boundary(summary, HUGE_SENTENCE)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_only_a_headline(method: str) -> None:
    headline = "NATO, Ukraine to Meet Tuesday Over Russian Attack"
    assert summarize([headline], 350, method) == headline


@pytest.mark.parametrize("method", sorted(METHODS))
def test_non_english_text(method: str) -> None:
    french = ["Le président est arrivé à Paris. Il a parlé longtemps aux journalistes."]
    assert summarize(french, 350, method) == french[0]
    chinese = ["他来了。她走了！真的吗？"]
    assert summarize(chinese, 8, method) == "他来了。她走了！"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_text_without_punctuation(method: str) -> None:
    text = " ".join(["word"] * 100)
    summary = summarize([text], 50, method)
    assert summary == " ".join(["word"] * 10) + "…"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_budget_smaller_than_first_word(method: str) -> None:
    assert summarize(["Constitutionally speaking, no."], 5, method) == "…"


def test_only_debris_is_kept_rather_than_dropped() -> None:
    assert summarize(["Advertisement"], 350, "lead") == "Advertisement"


def test_title_repeated_as_first_paragraph_is_skipped() -> None:
    paragraphs = ["Storm hits Florida", "A storm hit Florida. Thousands lost power."]
    assert summarize(paragraphs, 350, "lead", title="Storm hits Florida") == (
        "A storm hit Florida. Thousands lost power."
    )


def test_raw_seed_page_skips_ticker_byline_and_image() -> None:
    seed = SEED
    summary = summarize_text(seed.read_text(encoding="utf-8"), 350, "lead")
    assert summary.startswith("NATO and Ukraine are set to meet in Brussels on Tuesday")
    assert "UNRWA" not in summary
    assert "Greenwatch Desk" not in summary
    assert ".jpg" not in summary


def test_seed_page_summary() -> None:
    seed = SEED
    paragraphs = split_paragraphs(seed.read_text(encoding="utf-8"))
    body = paragraphs[paragraphs.index("NATO, Ukraine to Meet Tuesday Over Russian Attack") + 1 :]
    summary = summarize(body, 350, "lead")
    assert summary.startswith("NATO and Ukraine are set to meet in Brussels on Tuesday")
    assert "Greenwatch Desk" not in summary
    assert ".jpg" not in summary


# --- determinism and the command -----------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(METHODS))
def test_summaries_are_deterministic(method: str) -> None:
    results = {summarize(ARTICLE, 200, method) for _ in range(5)}
    assert len(results) == 1


def test_summarize_text_splits_paragraphs_on_blank_lines() -> None:
    text = "(CNN) -- A storm hit Florida.\r\n\r\nAdvertisement\r\n\r\nThousands lost power.\n"
    assert summarize_text(text, 100, "lead") == "A storm hit Florida. Thousands lost power."


def test_summarize_text_rejects_unknown_method() -> None:
    with pytest.raises(DigestError):
        summarize_text("Some text.", 100, "nope")


# --- properties ----------------------------------------------------------------------------------

WORDS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éß$%'",
    min_size=1,
    max_size=14,
)
SEPARATORS = st.sampled_from([" ", " ", " ", ". ", ", ", "? ", "! ", "\n\n", " — ", ": ", '" '])
PROSE = st.lists(st.tuples(WORDS, SEPARATORS), min_size=1, max_size=80).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)


@settings(max_examples=300, deadline=None)
@given(
    text=PROSE,
    max_chars=st.integers(min_value=1, max_value=400),
    method=st.sampled_from(sorted(METHODS)),
)
def test_summary_properties(text: str, max_chars: int, method: str) -> None:
    summary = summarize_text(text, max_chars, method)
    assert len(summary) <= max_chars
    assert summary, "non-empty input must give a non-empty summary"
    _assert_ends_on_word_boundary(summary, text)
    # Faithful: every word of the summary comes from the article (shouted words calmed, so
    # compared without case).
    source_words = set(re.findall(r"\w+", text.casefold()))
    assert set(re.findall(r"\w+", summary.casefold())) <= source_words


@settings(max_examples=300, deadline=None)
@given(text=st.text(), max_chars=st.integers(min_value=-5, max_value=300))
def test_any_text_never_exceeds_budget(text: str, max_chars: int) -> None:
    assert len(summarize_text(text, max_chars)) <= max(max_chars, 0)
    assert len(shorten(text, max_chars)) <= max(max_chars, 0) or len(text.split()) == 0
    assert len(normalize_headline(text, max_chars)) <= max(max_chars, 0) or not text.strip()


@settings(max_examples=200, deadline=None)
@given(text=PROSE, max_chars=st.integers(min_value=1, max_value=200))
def test_shorten_ends_on_a_word_boundary(text: str, max_chars: int) -> None:
    result = shorten(text, max_chars)
    assert len(result) <= max_chars
    _assert_ends_on_word_boundary(result, text)


def _assert_ends_on_word_boundary(summary: str, source: str) -> None:
    """The summary's last word is a whole word of the source, not a cut one."""
    head = summary.removesuffix("…").rstrip()
    if not head:
        return
    flat = " ".join(source.split())
    last = re.findall(r"\w+", head)
    if not last:
        return
    word = last[-1].casefold()
    whole_words = re.findall(r"\w+", flat.casefold())
    assert word in whole_words, f"{word!r} is a cut word"
