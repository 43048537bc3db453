"""Text sources: bytes into str (binary files refused), and a lead told from a headline."""

from __future__ import annotations

import re

from digest.errors import SourceError
from digest.summarize.cleanup import strip_dateline
from digest.summarize.sentences import split_sentences

# Share of control characters above which a "text" file is really binary.
MAX_CONTROL_SHARE = 0.01
ALLOWED_CONTROLS = {"\n", "\r", "\t", "\f"}


def decode_text(data: bytes, origin: str) -> str:
    """UTF-8 (BOM allowed), else Windows-1252, the usual encoding of mislabelled pages."""
    if b"\0" in data[:8192]:
        raise SourceError(f"{origin}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in ALLOWED_CONTROLS)
    if text and controls / len(text) > MAX_CONTROL_SHARE:
        raise SourceError(f"{origin}: looks like a binary file, not text")
    return text


# A headline is one short line; a line this long is a paragraph whatever its shape.
MAX_HEADLINE_CHARS = 200
# A one-line block ending in a full stop is a lead unless it is this short and in title case
# ("Men in Black 3 Opens Big." is a headline style some sites keep).
TITLE_CASE_HEADLINE_CHARS = 90
# Share of capitalized words (of those that are not short function words) that makes a line
# title case; English title case leaves articles and prepositions lower case.
TITLE_CASE_SHARE = 0.8
TITLE_CASE_MIN_WORDS = 3
SHORT_WORD_CHARS = 3
# A sentence-final stop (not "?" or "!", which headlines use), perhaps inside closing quotes.
_FULL_STOP_END = re.compile(r"[.…:;][\"”’'»)\]]*$")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")


def is_title_case(line: str) -> bool:
    """True for "NATO, Ukraine to Meet Tuesday Over Russian Attack": most long words capitalized."""
    words: list[str] = [w for w in _WORD.findall(line) if len(w) > SHORT_WORD_CHARS]
    if len(words) < TITLE_CASE_MIN_WORDS:
        return False
    capitalized = sum(1 for word in words if word[0].isupper())
    return capitalized >= TITLE_CASE_SHARE * len(words)


def looks_like_lead(line: str) -> bool:
    """True for a line that is a story's first paragraph, not its headline.

    A lead starts with a dateline ("(CNN) --", "WASHINGTON —"), holds more than one sentence,
    or ends with a full stop or a colon; a headline is one phrase without one (title-case
    headlines that keep a final stop are allowed when short).
    """
    flat = " ".join(line.split())
    if strip_dateline(flat) != flat:
        return True
    if len(split_sentences(flat)) > 1:
        return True
    if _FULL_STOP_END.search(flat):
        return len(flat) > TITLE_CASE_HEADLINE_CHARS or not is_title_case(flat)
    return False
