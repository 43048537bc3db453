"""Bylines people would print: names only, capitalised as names, joined in the edition's language.

Pages give raw CMS data: "JERUSALEM POST STAFF NOVEMBER", "Tom Gillespie News reporter",
"Paul Takahashi; Staff writer", "David Jeans; Kevin Rebong; Kevin-R", "Sandee LaMotte; CNN".
Each credit is cut at a job title, a date or an outlet's name; CMS accounts ("admin"),
handles and repeats go; shouted names are capitalised as names. An agency or a desk is kept
only when no person is named ("Reuters", "Greenwatch Desk").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import takewhile

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

from digest.summarize.terms import word_set

# Where one credit ends and the next begins.
_SPLIT = re.compile(r"\s*(?:;|\||/|\n|,|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
_PREFIX = re.compile(r"^(?:by|von|par|por|di|door|av|af|text|texto|текст|автор)\s*:?\s+", re.I)
# "Phil Helsel is a reporter for NBC News": the name is what comes before " is a".
_IS_A = re.compile(r"\s+(?:is|was)\s+(?:a|an|the)\s+.*$", re.I)
TITLE_WORDS = word_set(
    "reporter reporters writer writers editor editors correspondent correspondents staff "
    "contributor contributors columnist producer photographer photographers news senior "
    "chief deputy associate assistant managing executive political business sports "
    "science technology tech entertainment health auto special investigative freelance "
    "freelancer bureau desk team guest author analyst anchor host presenter digital "
    "online web international media group network press agency wire services service"
)
MONTHS_AND_DAYS = word_set(
    "january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday "
    "thursday friday saturday sunday mon tue wed thu fri sat sun updated published posted"
)
# News agencies, as comparison keys (letters only): a credit, not a person.
AGENCIES = word_set(
    "ap afp reuters cnn bloomberg upi dpa efe ansa xinhua pa aap ians pti associatedpress "
    "theassociatedpress agencefrancepresse pressassociation"
)
CMS_ACCOUNTS = re.compile(r"admin|webmaster|editorial|^staff$|^guest$|^editor$|^user\d*$", re.I)
# "Kevin-R": a first name and an initial joined by a hyphen is a CMS handle, not a name.
_HANDLE = re.compile(r"^\w+[-_.]\w{1,2}$|@")
PARTICLES = word_set("van von de da del der den di du la le dos das al bin ibn ben mac")
# The last word of a desk's or a wire's credit ("Greenwatch Desk", "Detroit News wire services").
DESK_WORDS = word_set("desk bureau team staff services service wire wires")
# A name has at most this many words; more is a sentence.
MAX_NAME_WORDS = 5
_NOT_KEY = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    return _NOT_KEY.sub("", text.casefold())


def outlet_keys(names: Iterable[str | None], url: str | None) -> frozenset[str]:
    """Comparison keys of the outlet's names: site names, publishers and the host's label."""
    keys = {_key(name) for name in names if name}
    if url:
        host = re.sub(r"^[a-z]+://", "", url.lower()).split("/")[0].split(":")[0]
        labels = host.removeprefix("www.").split(".")
        if labels:
            keys.add(_key(labels[0]))
    keys.discard("")
    return frozenset(keys)


def _is_outlet(words: Sequence[str], outlets: frozenset[str]) -> bool:
    whole = _key(" ".join(words))
    first = _key(words[0]) if words else ""
    return bool(whole) and (
        whole in outlets
        or any(
            (whole in key and len(whole) >= 4) or key in whole for key in outlets if len(key) >= 4
        )
        or (first in outlets and len(first) >= 2)
    )


def _cased(word: str) -> str:
    """A shouted or lower-case word written as a name ("HAR" -> "Har", "o'neil" -> "O'Neil")."""
    parts = re.split(r"([-'’])", word.lower())
    return "".join(part[:1].upper() + part[1:] for part in parts)


def _name_words(credit: str, outlets: frozenset[str]) -> list[str]:
    """The words of one credit that are a name: cut at a title, a date or the outlet."""
    text = _IS_A.sub("", _PREFIX.sub("", credit.strip()))
    words: list[str] = []
    for word in text.split():
        bare = word.strip(".,:()").casefold()
        if bare in TITLE_WORDS or bare in MONTHS_AND_DAYS or any(ch.isdigit() for ch in bare):
            break
        if words and _is_outlet([word], outlets) and len(_key(word)) >= 4:
            break
        words.append(word.strip(",:()"))
    return words


def _looks_like_name(words: Sequence[str]) -> bool:
    if not words or len(words) > MAX_NAME_WORDS:
        return False
    if words[0].casefold() in {"the", "a", "an"}:
        return False
    return all(
        word[0].isupper()
        or not word[0].isalpha()
        or word.casefold() in PARTICLES
        or not (word[0].isupper() or word[0].islower())  # scripts without case
        for word in words
    )


def clean_byline(raw: str | None, *, outlets: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The people (or, failing them, the agency or desk) a raw byline credits, in order."""
    if not raw:
        return ()
    names: list[str] = []
    fallback: list[str] = []
    seen: set[tuple[str, str]] = set()
    for credit in _SPLIT.split(raw):
        credit = credit.strip()
        if not credit or CMS_ACCOUNTS.search(credit) or _HANDLE.search(credit):
            continue
        shouted = credit.isupper() or credit.islower()
        if _key(credit) in AGENCIES:
            fallback.append(credit.title() if credit.isupper() and len(credit) > 3 else credit)
            continue
        if _is_desk(credit):
            # The outlet's own desk ("Detroit News wire services") adds nothing to its name.
            head = list(takewhile(lambda w: w.casefold() not in TITLE_WORDS, credit.split()))
            if not _is_outlet(head or [credit], outlets):
                fallback.append(credit)
            continue
        words = _name_words(credit, outlets)
        if shouted:
            words = [_cased(word) for word in words]
        if not words or _is_outlet(words, outlets):
            continue
        if not _looks_like_name(words):
            continue
        identity = (words[0].casefold(), words[-1].casefold())
        if identity in seen:
            continue  # "Troy Smith; Troy L Smith": one person
        seen.add(identity)
        names.append(" ".join(words))
    if any(" " in name for name in names):
        # Beside a full name, a lone word is an outlet or a handle ("Futurism", "Kevin-R").
        return tuple(name for name in names if " " in name)
    return tuple(names) or tuple(dict.fromkeys(fallback))[:1]


def _is_desk(credit: str) -> bool:
    """ "Greenwatch Desk", "News Nation Bureau": a desk's credit, kept when no one is named."""
    words = credit.split()
    return bool(words) and words[-1].casefold() in DESK_WORDS


def join_names(names: Sequence[str], language: str = "en") -> str | None:
    """ "A, B and C" in the edition's language (Babel's list patterns), or None for nobody."""
    if not names:
        return None
    try:
        locale = Locale.parse(language, sep="-" if "-" in language else "_")
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return str(format_list(list(names), locale=locale))
