"""Sentence tidying shared by every summary: what feed teasers and tabloid pages carry.

- Shouting capitals are calmed: "A THIRD case of the plague" -> "A third case of the plague";
  acronyms ("A NATO spokeswoman") stay.
- Labels in front of a sentence ("BREAKING:", "EXCLUSIVE -") are dropped.
- A text that ends cut off ("was set to begin shutting off power...", an opening quote never
  closed) loses that last sentence: a feed's teaser is often the page's first words, cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from digest.summarize.terms import STOP_WORDS, word_set

# "BREAKING:", "EXCLUSIVE –", "WATCH |": a capitalized label, then a separator.
_LABEL = re.compile(
    r"^(?:BREAKING(?: NEWS)?|EXCLUSIVE|WATCH|VIDEO|PHOTOS?|UPDATED?|JUST IN|LIVE|DEVELOPING|"
    r"OPINION|ANALYSIS|REVIEW|INTERVIEW|EDITORIAL)\s*(?::|\||[-–—])\s+(?=\S)"
)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z’'-]*\b")
_WORD = re.compile(r"[^\W\d_]+")
# Words never written as acronyms: a capitalized run holding one is shouting. (Not "us",
# "who", "it", "am", "may": US, WHO, IT, AM and MAY are written in capitals for a reason.)
SHOUTED = (STOP_WORDS - frozenset({"us", "who", "it", "am", "may", "new", "one", "mr", "ms"})) | (
    word_set(
        "first second third fourth fifth sixth last three four five six seven eight nine ten "
        "hundreds thousands millions dead killed shock shocking huge massive major breaking "
        "exclusive warning urgent revealed case cases"
    )
)
# A run of this many capitalized words is shouting whatever its words, except for words of
# up to ACRONYM_CHARS letters, which may be acronyms all the same.
SHOUTING_RUN = 3
ACRONYM_CHARS = 3
# "...", "…", "[…]", "[...]" at the very end: the text was cut there.
_CUT_END = re.compile(r"(?:\.\.\.|…)\s*\]?[\"”’'»)]*$|\[(?:…|\.\.\.)\]$")
_OPEN_QUOTES = "“«„"
_CLOSE_QUOTES = "”»"


def drop_label(sentence: str) -> str:
    """The sentence without a "BREAKING:"-style label in front."""
    stripped = _LABEL.sub("", sentence, count=1)
    return stripped if stripped.strip() else sentence


def written_forms(texts: Iterable[str]) -> dict[str, str]:
    """How each word is written when not shouted: lower-cased word -> its form mid-sentence
    (lower case wins over a capital, which may only mean a proper noun)."""
    forms: dict[str, str] = {}
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group()
            if word.isupper() or match.start() == 0 or text[: match.start()].rstrip()[-1:] in ".!?":
                continue
            key = word.lower()
            if key not in forms or word == key:
                forms[key] = word
    return forms


def calm_capitals(sentence: str, forms: dict[str, str]) -> str:
    """Un-shout the capitalized runs of a sentence ("A THIRD case" -> "A third case").

    A run is shouted when it holds a common word or SHOUTING_RUN words; its words take the
    form the story writes them in elsewhere (`forms`), common words go lower case, and other
    words (acronyms: "A NATO spokeswoman") keep their capitals.
    """
    runs: list[list[re.Match[str]]] = []
    for match in _CAPS_WORD.finditer(sentence):
        if runs and sentence[runs[-1][-1].end() : match.start()].strip() == "":
            runs[-1].append(match)
        else:
            runs.append([match])
    pieces: list[str] = []
    last = 0
    for run in runs:
        words = [m for m in run if len(m.group()) > 1]
        if not any(m.group().lower() in SHOUTED for m in words) and len(run) < SHOUTING_RUN:
            continue
        for match in words:
            key = match.group().lower()
            # In a long shouted run, short unknown words are still acronyms (US, FBI, EU).
            guess = key in SHOUTED or (len(run) >= SHOUTING_RUN and len(key) > ACRONYM_CHARS)
            calm = forms.get(key) or (key if guess else None)
            if calm is None:
                continue
            if match.start() == 0:
                calm = calm[0].upper() + calm[1:]
            pieces += [sentence[last : match.start()], calm]
            last = match.end()
    return "".join(pieces) + sentence[last:] if pieces else sentence


def is_cut_off(sentence: str) -> bool:
    """True for a sentence that ends where the text was cut ("...", or a quote left open)."""
    flat = sentence.strip()
    if _CUT_END.search(flat):
        return True
    depth = 0
    for char in flat:
        if char in _OPEN_QUOTES:
            depth += 1
        elif char in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
    straight_open = flat.count('"') % 2 == 1
    return depth > 0 or straight_open


def drop_cut_ending(sentences: Sequence[str]) -> int:
    """How many sentences to keep: the last one goes when the text was cut inside it (unless
    it is all there is: a fragment of a story still beats no summary at all)."""
    if len(sentences) > 1 and is_cut_off(sentences[-1]):
        return len(sentences) - 1
    return len(sentences)
