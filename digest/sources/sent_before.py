"""Story memory in `digest new`: a candidate that went out lately is left out unless its page
changed since (the history answers through `StoryMemory`; `digest.history.drafts`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from digest.errors import SourceError
from digest.models import Article
from digest.sources.fetch.settings import FetchSettings
from digest.sources.readers import ReadContext

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RanBefore:
    """A candidate's link ran in an earlier edition (story memory, `digest.history`)."""

    said: str  # where and when: "ran on 2024-11-21 in edition 2024-11-21 as '...'"
    same_page: Callable[[Sequence[str]], bool]  # whether a page's body reads as it did then


class StoryMemory(Protocol):
    """What `digest new` asks the history: did a story at this link go out lately?"""

    def ran(self, url: str) -> RanBefore | None:
        """The earlier run of the story at `url`, if any."""
        ...


def leave_out_sent(
    kept: list[Article],
    local_of: Mapping[int, str | None],
    memory: StoryMemory,
    context: ReadContext,
    settings: FetchSettings,
) -> tuple[list[Article], list[tuple[Article, str]], dict[int, str]]:
    """Candidates that went out already and whose page did not change are left out; those
    whose page changed stay, with a note. A feed entry's page is read to tell (a page the
    editor named was read already)."""
    from digest.sources.extract import read_url

    live = replace(settings, refresh=not settings.offline)  # the page now, not the cached copy
    still: list[Article] = []
    sent: list[tuple[Article, str]] = []
    notes: dict[int, str] = {}
    for article in kept:
        ran = memory.ran(article.url) if article.url else None
        if ran is None:
            still.append(article)
            continue
        page: Article | None = article
        if local_of.get(id(article)) is None and article.url is not None:
            try:
                page = read_url(article.url, context=context, settings=live)
            except SourceError as error:
                log.info("%s: %s", article.url, error)
                page = None
        if page is not None and ran.same_page(page.body):
            sent.append((article, ran.said))
            continue
        still.append(article)
        notes[id(article)] = (
            f"This story {ran.said}; "
            + (
                "its page could not be read to tell whether it changed."
                if page is None
                else "its page changed since."
            )
            + " If it is a follow-up, set update = true."
        )
    return still, sent, notes
