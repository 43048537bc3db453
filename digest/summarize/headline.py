"""Ticker headlines: one line, typographic quotes, no trailing period, within a budget."""

from __future__ import annotations

import re

from digest.summarize.budget import collapse, shorten

# A ticker line is read at a glance; ~120 characters fits one line of the "In brief" block.
TICKER_MAX_CHARS = 120
# Separators and bullets that scraped tickers carry at either end ("• ... |").
EDGE_JUNK = " \t|•·–—-:;,/\\"

_OPEN_DOUBLE = re.compile(r'(^|[\s(\[{—–-])"')
_OPEN_SINGLE = re.compile(r"(^|[\s(\[{—–-])'")


def normalize_quotes(text: str) -> str:
    """Turn straight quotes into curly ones (and back-ticks/primes into apostrophes)."""
    text = text.replace("``", "“").replace("''", "”").replace("`", "‘").replace("′", "’")
    text = _OPEN_DOUBLE.sub(r"\1“", text).replace('"', "”")
    return _OPEN_SINGLE.sub(r"\1‘", text).replace("'", "’")


def normalize_headline(text: str, max_chars: int = TICKER_MAX_CHARS) -> str:
    """Collapse whitespace, curl quotes, drop edge junk and a final period, fit max_chars."""
    line = normalize_quotes(collapse(text)).strip(EDGE_JUNK)
    while line.endswith(".") and not line.endswith("..."):
        line = line[:-1].rstrip(EDGE_JUNK)
    if line[:1].islower():
        line = line[0].upper() + line[1:]
    return shorten(line, max_chars)
