"""Duplicate detection: canonical URLs and near-identical headlines."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest.models import Article

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that only say who sent the click; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "mkt_tok", "vero_id", "vero_conv",
        "oly_anon_id", "oly_enc_id", "__s", "_hsenc", "_hsmi", "wickedid", "rb_clickid",
        "s_cid", "ncid", "cmpid", "ito", "spm",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
# Share of shared content words (Jaccard, 0..1) at or above which two headlines are the same
# story. On the cases in tests/test_dedupe.py, rewrites of one story (word order, "approves"/
# "approved", an added word) score 0.75-1.0; one changed key word in a 4-5 word headline
# ("begins"/"ends", "falls"/"rises") scores 0.6-0.67, which must stay apart.
HEADLINE_SIMILARITY = 0.7
# Headlines with fewer content words than this ("Storm update") must match exactly: a
# subset test on two or three words calls too many different stories the same.
MIN_TOKENS_FOR_FUZZY = 3
# Far below one word: keeps float rounding from shortening the stems a headline is looked up
# by (a longer lookup only finds more candidates).
SIMILARITY_SLACK = 1e-9
STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
        "but", "is", "are", "was", "were", "be", "as", "its", "it", "this", "that", "after",
        "over", "into",
    }
)  # fmt: skip
# Suffixes tried longest first; the stem must keep MIN_STEM_CHARS so "news" stays "news".
STEM_SUFFIXES = ("ing", "ies", "es", "ed", "s", "d")
MIN_STEM_CHARS = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def canonical_url(url: str) -> str:
    """`url` without tracking parameters, fragment, default port or trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"[{host}]" if ":" in host else host
    if parts.username is not None:
        credentials = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{credentials}@{netloc}"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() not in TRACKING_PARAMS and not name.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def headline_tokens(text: str) -> list[str]:
    """The content words of a headline, case-folded, stop words removed."""
    words = [word for word in _WORD.findall(text.casefold()) if word not in STOPWORDS]
    return words or _WORD.findall(text.casefold())


def _stem(word: str) -> str:
    """A crude English stem, enough for headline variants (approves/approved, hits/hit)."""
    for suffix in STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM_CHARS:
            return word[: -len(suffix)]
    return word


def headline_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two headlines' stemmed content-word sets, 0..1."""
    tokens_a = {_stem(word) for word in headline_tokens(a)}
    tokens_b = {_stem(word) for word in headline_tokens(b)}
    if not tokens_a or not tokens_b:
        return 1.0 if tokens_a == tokens_b else 0.0
    return len(tokens_a & tokens_b) / len(tokens_a | tokens_b)


def similar_headlines(a: str, b: str) -> bool:
    """True when two headlines tell the same story (see HEADLINE_SIMILARITY)."""
    tokens_a, tokens_b = set(headline_tokens(a)), set(headline_tokens(b))
    if min(len(tokens_a), len(tokens_b)) < MIN_TOKENS_FOR_FUZZY:
        return {_stem(word) for word in tokens_a} == {_stem(word) for word in tokens_b}
    return headline_similarity(a, b) >= HEADLINE_SIMILARITY


@dataclass(frozen=True, slots=True)
class _Headline:
    """What two headlines are compared on: how many content words, and their stems."""

    words: int
    stems: frozenset[str]


def _headline(text: str) -> _Headline:
    tokens = set(headline_tokens(text))
    return _Headline(len(tokens), frozenset(_stem(word) for word in tokens))


def _similar(a: _Headline, b: _Headline) -> bool:
    """`similar_headlines` on headlines already split and stemmed."""
    if min(a.words, b.words) < MIN_TOKENS_FOR_FUZZY:
        return a.stems == b.stems
    return len(a.stems & b.stems) >= HEADLINE_SIMILARITY * len(a.stems | b.stems)


def _lead_size(stems: int) -> int:
    """How many of a headline's stems any headline similar to it holds at least one of: it
    shares HEADLINE_SIMILARITY of the union, so misses at most the rest of this one's."""
    return stems - math.ceil(HEADLINE_SIMILARITY * stems - SIMILARITY_SLACK) + 1


def dedupe_articles(articles: Sequence[Article]) -> tuple[list[Article], list[Article]]:
    """Keep the first of each story (same canonical URL or similar headline): kept, dropped.

    Only headlines that share a rare stem (or all of them) are compared: a feed of thousands
    of entries is not compared pair by pair.
    """
    headlines = [_headline(article.title) for article in articles]
    rarity: dict[str, int] = {}
    for headline in headlines:
        for stem in headline.stems:
            rarity[stem] = rarity.get(stem, 0) + 1
    by_stem: dict[str, list[int]] = {}  # stem -> kept headlines holding it
    by_stems: dict[frozenset[str], list[int]] = {}  # all the stems -> kept headlines
    kept: list[Article] = []
    dropped: list[Article] = []
    seen_urls: set[str] = set()
    for position, (article, headline) in enumerate(zip(articles, headlines, strict=True)):
        url = canonical_url(article.url) if article.url else None
        rarest = sorted(headline.stems, key=lambda stem: (rarity[stem], stem))
        candidates = set(by_stems.get(headline.stems, ()))
        for stem in rarest[: _lead_size(len(rarest))]:
            candidates.update(by_stem.get(stem, ()))
        duplicate = (url is not None and url in seen_urls) or any(
            _similar(headline, headlines[other]) for other in candidates
        )
        if duplicate:
            log.debug("duplicate dropped: %s", article.title)
            dropped.append(article)
            continue
        kept.append(article)
        for stem in headline.stems:
            by_stem.setdefault(stem, []).append(position)
        by_stems.setdefault(headline.stems, []).append(position)
        if url is not None:
            seen_urls.add(url)
    return kept, dropped
