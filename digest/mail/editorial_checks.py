"""Checks of what the editor typed: placeholders left in, a sponsor without its label, a
summary whose figures the source does not have, headlines too long for a phone, images
without alt text nobody chose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from digest.mail.content_checks import is_page_furniture
from digest.mail.findings import Finding
from digest.mail.i18n import Strings
from digest.mail.render import locale_folder
from digest.mail.where import THEME, SourcedEntry, Where
from digest.models import Edition, Sponsor, Story

# Newsroom placeholders. TKTK, [LINK], lorem ipsum never mean anything else: errors. "TK" and
# "XX" can (TK Maxx, Super Bowl XX, XX chromosomes): warnings, and only where they stand
# alone — TK not before a capitalised word (a name), XX not after one (a Roman numeral).
SURE_PLACEHOLDERS = re.compile(
    r"(?<![\w-])(?:TK){2,}(?![\w-])"
    r"|\[(?:LINK|URL|TK|TODO|PLACEHOLDER|INSERT[^\]]{0,40})\]"
    r"|\blorem\s+ipsum\b",
    re.IGNORECASE,
)
LIKELY_PLACEHOLDERS = re.compile(r"(?<![\w-])(?:TK|X{2,4}|\d+XX)(?![\w-])")
NAME_AFTER = re.compile(r"\s+[A-Z][a-z]")  # TK Maxx, TK Elevator: a name, not a placeholder
WORD_BEFORE = re.compile(r"(\w+)\s+$")  # Super Bowl XX, Louis XX: a Roman numeral
NOT_A_PLACEHOLDER_AFTER = re.compile(r"\s+chromosomes?\b", re.IGNORECASE)
# A phone's inbox shows the email 375 px wide (iPhone SE and mini; the preview's phone view).
# Less the theme's 24 px margins that leaves 327 px, where a 19 px Georgia headline (h3) fits
# about 34 characters a line (Georgia averages half an em a character). Three lines hold a
# headline; past that it pushes its story off the first screen.
PHONE_WIDTH_PX = 375
THEME_MARGIN_PX = 24
HEADLINE_FONT_PX = 19
AVERAGE_GLYPH_EM = 0.5
MAX_HEADLINE_LINES = 3
MAX_HEADLINE_CHARS = (
    int((PHONE_WIDTH_PX - 2 * THEME_MARGIN_PX) / (HEADLINE_FONT_PX * AVERAGE_GLYPH_EM))
    * MAX_HEADLINE_LINES
)
# Words that say a block was paid for, in the languages of the theme's catalogs and beyond;
# the theme's own "Sponsored" in the publication's language is added to them.
DISCLOSURE_WORDS = (
    "sponsor", "advert", "ad", "ads", "paid", "partner", "promot", "anzeige", "werbung",
    "publicidad", "publicité", "patrocin", "annonce", "reklame", "إعلان", "বিজ্ঞাপন",
)  # fmt: skip
# How far up from the sponsor's text its label may sit (the label's paragraph, the block).
LABEL_LEVELS = 3
# Figures and names of a typed summary, looked up in the source page.
NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
NAME = re.compile(r"\b[A-Z][\w’'-]*[\w]|\b[A-Z]{2,}\b")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“‘(]\s*)$")
POSSESSIVE = re.compile(r"[’']s$")
# A name matches a longer or shorter form on the page (Bangladesh / Bangladeshi) this close.
NAME_STEM_SLACK = 3
MIN_STEM = 4


def editorial_checks(
    where: Where, edition: Edition, root: Any, image_alts: dict[str, str | None]
) -> Iterator[Finding]:
    """Every finding about what the editor typed. `image_alts`: src -> alt of each <img>."""
    yield from _placeholder_checks(where, edition)
    yield from _sponsor_checks(where, edition, root)
    yield from _summary_checks(where)
    yield from _headline_checks(where, edition)
    yield from _alt_checks(where, edition, image_alts)


def placeholders_in(text: str) -> list[tuple[str, bool]]:
    """(placeholder, sure) for each placeholder in `text`, in order."""
    found = [(m.start(), m.group(0), True) for m in SURE_PLACEHOLDERS.finditer(text)]
    covered = {index for start, word, _ in found for index in range(start, start + len(word))}
    for match in LIKELY_PLACEHOLDERS.finditer(text):
        if match.start() not in covered and _stands_alone(text, match):
            found.append((match.start(), match.group(0), False))
    return [(word, sure) for _, word, sure in sorted(found)]


def _stands_alone(text: str, match: re.Match[str]) -> bool:
    """False for TK before a name, and XX after a capitalised word or before "chromosome"."""
    word, after = match.group(0), text[match.end() :]
    if word == "TK":
        return not NAME_AFTER.match(after)
    if word[0].isdigit():
        return True  # 20XX
    before = WORD_BEFORE.search(text[: match.start()])
    if before and before.group(1)[0].isupper():
        return False
    return not NOT_A_PLACEHOLDER_AFTER.match(after)


def _texts(where: Where, edition: Edition) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the email shows that a person wrote."""
    typed = where.loaded.edition
    # A subject or preheader nobody typed is made of the headlines, checked as themselves.
    if typed.subject:
        yield where.edition("subject"), edition.subject
    if typed.preheader:
        yield where.edition("preheader"), edition.preheader
    if edition.intro:
        yield where.edition("intro"), edition.intro
    for story in edition.stories:
        yield where.story(story, "title"), story.title
        yield where.story(story, "summary"), story.summary
    for number, sponsor in enumerate(edition.sponsors, 1):
        yield where.edition(f"sponsor[{number}].text"), sponsor.text
        if sponsor.label:
            yield where.edition(f"sponsor[{number}].label"), sponsor.label
    typed_ticker = {entry.text: n for n, entry in enumerate(typed.ticker, 1) if entry.text}
    for item in edition.ticker:
        position = typed_ticker.get(item.text)
        key = f"ticker[{position}].text" if position else "ticker (a page's ticker block)"
        yield where.edition(key), item.text


def _placeholder_checks(where: Where, edition: Edition) -> Iterator[Finding]:
    for place, text in _texts(where, edition):
        found = placeholders_in(text)
        if not found:
            continue
        words = ", ".join(dict.fromkeys(repr(word) for word, _ in found))
        yield Finding(
            "error" if any(sure for _, sure in found) else "warning",
            "placeholder-text",
            f"{place}: {words} left in the text ({_excerpt(text, found[0][0])}); "
            "fill it in before sending",
        )


def _excerpt(text: str, word: str, margin: int = 30) -> str:
    at = text.find(word)
    start, end = max(0, at - margin), min(len(text), at + len(word) + margin)
    return repr(("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""))


def _sponsor_checks(where: Where, edition: Edition, root: Any) -> Iterator[Finding]:
    """Each sponsored block must show a label, and the label must say it was paid for."""
    publication = where.loaded.publication
    strings = Strings(locale_folder(), publication.language, tuple(publication.strings.items()))
    default = strings.gettext("Sponsored")
    words = (*DISCLOSURE_WORDS, default.casefold())
    for number, sponsor in enumerate(edition.sponsors, 1):
        label = sponsor.label or default
        if root is not None and not _label_shown(root, sponsor, label):
            yield Finding(
                "error",
                "sponsor-no-label",
                f"{where.edition(f'sponsor[{number}]')}: the sponsored block "
                f"{_short(sponsor.text)} shows no label {label!r} in the email; readers must "
                "see that it is paid for (a theme override must print `item.label`)",
            )
        elif sponsor.label and not _discloses(sponsor.label, words):
            yield Finding(
                "warning",
                "sponsor-no-label",
                f"{where.edition(f'sponsor[{number}].label')}: {sponsor.label!r} does not say "
                f"the block is paid for; use a label such as {default!r}",
            )


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _discloses(label: str, words: tuple[str, ...]) -> bool:
    tokens = re.findall(r"\w+", label.casefold())
    return any(token.startswith(word) for token in tokens for word in words if len(word) > 2) or (
        any(token in ("ad", "ads") for token in tokens)
    )


def _label_shown(root: Any, sponsor: Sponsor, label: str) -> bool:
    """True when the label stands near the sponsor's text (or the text is not shown at all)."""
    wanted = " ".join(sponsor.text.split())
    holders = [
        element
        for element in root.iter()
        if isinstance(element.tag, str) and wanted in " ".join((element.text or "").split())
    ]
    if not holders:
        return True  # not shown as written: other checks speak to that
    for element in holders:
        for _ in range(LABEL_LEVELS):
            text = " ".join("".join(element.itertext()).split()).replace(wanted, "")
            if label.casefold() in text.casefold():
                return True
            parent = element.getparent()
            if parent is None:
                break
            element = parent
    return False


def _summary_checks(where: Where) -> Iterator[Finding]:
    """Figures and names of a summary the editor typed must be on the source page."""
    for item in where.articles:
        summary = item.overrides.summary
        if not summary or not item.article.body or is_page_furniture(summary):
            continue  # nothing to compare with, or summary-boilerplate says what is wrong
        source = " ".join((item.article.title, *item.article.body))
        missing = _unsourced(summary, source)
        if missing:
            yield Finding(
                "warning",
                "summary-unsourced",
                f"{where.edition(f'{item.key}.summary')}: {', '.join(map(repr, missing))} "
                f"not found on the source page ({item.article.source}); check the summary",
            )


def _unsourced(summary: str, source: str) -> list[str]:
    """The figures and names of `summary` that `source` does not have."""
    page_numbers = {_number(n) for n in NUMBER.findall(source)}
    page = source.casefold()
    missing: list[str] = []
    for match in NUMBER.finditer(summary):
        if _number(match.group(0)) not in page_numbers:
            missing.append(match.group(0))
    for match in NAME.finditer(summary):
        if SENTENCE_START.search(summary[: match.start()]):
            continue  # a capital that only starts a sentence is no name
        name = POSSESSIVE.sub("", match.group(0))
        if placeholders_in(name):
            continue  # placeholder-text speaks to those
        stem = name[: max(MIN_STEM, len(name) - NAME_STEM_SLACK)].casefold()
        if stem not in page:
            missing.append(name)
    return list(dict.fromkeys(missing))


def _number(text: str) -> str:
    """'1,200' and '1200' are one figure; '4.1' keeps its point."""
    return text.replace(",", "").rstrip(".")


def _headline_checks(where: Where, edition: Edition) -> Iterator[Finding]:
    for story in edition.stories:
        if len(story.title) > MAX_HEADLINE_CHARS:
            yield Finding(
                "warning",
                "headline-long",
                f"{where.story(story, 'title')}: the headline has {len(story.title)} "
                f"characters; a phone shows {MAX_HEADLINE_CHARS} in {MAX_HEADLINE_LINES} lines "
                "(set a shorter `title`)",
            )


def _alt_checks(
    where: Where, edition: Edition, image_alts: dict[str, str | None]
) -> Iterator[Finding]:
    """An empty alt is right for a decorative image, wrong for a photo nobody described."""
    explained: set[str] = set()
    for story in edition.stories:
        if not story.image or story.image not in image_alts:
            continue
        explained.add(story.image)
        if story.image_alt or _alt_given(where, story):
            continue  # described, or emptied on purpose: it only repeated the headline
        key = where.entry_key(story)
        place = where.edition(f"{key}.image_alt") if key else where.story(story, "image_alt")
        yield _empty_alt(place, f"the image of {story.title!r}")
    for number, sponsor in enumerate(edition.sponsors, 1):
        if sponsor.image and sponsor.image in image_alts:
            explained.add(sponsor.image)
            if not sponsor.image_alt:
                place = where.edition(f"sponsor[{number}].image_alt")
                yield _empty_alt(place, f"the image of the sponsored block {_short(sponsor.text)}")
    for src, alt in image_alts.items():
        if alt == "" and src not in explained:
            yield _empty_alt(THEME, f"the image {src}")


def _alt_given(where: Where, story: Story) -> bool:
    """True when the page or the editor gave alt text that the build emptied (it repeated
    the headline beside the image)."""
    key = where.entry_key(story)
    item: SourcedEntry | None = next((i for i in where.articles if i.key == key), None)
    return item is not None and bool(item.overrides.image_alt or item.article.image_alt)


def _empty_alt(place: str, what: str) -> Finding:
    return Finding(
        "warning",
        "image-empty-alt",
        f"{place}: {what} has empty alt text: screen readers skip it and readers with images "
        "off see an empty box; describe it in `image_alt`",
    )
