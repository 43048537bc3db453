"""`digest new`: draft an edition file from feeds, URLs or files, summaries pre-filled."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from digest.atomic import write_atomic
from digest.config import Publication, find_publication, load_publication
from digest.config.access import inside
from digest.errors import (
    ConfigError,
    DigestError,
    ExitCode,
    OutputError,
    Problem,
    SourceError,
    describe_os_error,
)
from digest.models import Article
from digest.sources.dedupe import canonical_url, dedupe_articles
from digest.sources.extract import is_url, read_any, summary_of
from digest.sources.fetch.settings import FetchSettings, publication_settings
from digest.sources.readers import ReadContext

log = logging.getLogger(__name__)

EDITIONS_FOLDER = "editions"
# An edition is a handful of stories; a feed with 200 entries should not flood the draft.
MAX_CANDIDATES_PER_SOURCE = 20
MAX_CANDIDATES = 60
_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


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


@dataclass(frozen=True, slots=True)
class Draft:
    """What `digest new` wrote and what it left out."""

    path: Path
    articles: tuple[Article, ...]
    duplicates: tuple[Article, ...] = ()
    failures: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = ()  # written, but worth a look before building
    sent: tuple[tuple[Article, str], ...] = ()  # left out: sent before, page unchanged

    @property
    def exit_code(self) -> ExitCode:
        """SOURCE when a source could not be read (the draft is still written), else OK."""
        return ExitCode.SOURCE if self.failures else ExitCode.OK


def parse_since(text: str, now: datetime) -> datetime:
    """'24h', '90m', '2d', '1w' before `now`, or an ISO date/time; naive means `now`'s zone."""
    match = _SINCE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DigestError(
            f"--since {text!r}: use a duration such as 24h, 90m, 2d, 1w, or a date 2024-11-22",
            exit_code=ExitCode.CONFIG,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML; DEL must be escaped as well)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(value: str) -> str:
    """Text safe inside a one-line TOML comment."""
    return " ".join(value.split())


def render_draft(
    edition_date: date,
    entries: list[tuple[Article, str | None, str | None]],
    edition_dir: Path,
    *,
    notes: Mapping[int, str] | None = None,
    sent: Sequence[tuple[Article, str]] = (),
) -> str:
    """The edition file text: one [[articles]] table per (article, local source, summary).

    `notes` (by id of the article) become a comment in its table; `sent` articles, left out
    because they went out already, are listed in comments at the end, ready to uncomment.
    """
    lines = [
        f"# Draft edition for {edition_date.isoformat()}, written by `digest new`.",
        "# Delete what you don't want, reorder, set `lead = true` on one, edit any summary.",
        '# subject = "..."     # default: "<publication>: <lead headline>"',
        "",
        f"date = {edition_date.isoformat()}",
    ]
    if not entries:
        lines += [
            "",
            "# No candidates found. Add articles like this:",
            "# [[articles]]",
            '# url = "https://example.org/story"',
        ]
    for article, local_source, summary in entries:
        if article.url is None and local_source is None:
            lines += [
                "",
                f"# Left out {_comment(article.title)!r}: its feed entry has no web link.",
            ]
            continue
        facts = [
            article.site_name or "",
            article.published.isoformat() if article.published else "",
            article.author or "",
        ]
        lines += ["", "[[articles]]"]
        if any(facts):
            lines.append("# " + _comment(" | ".join(fact for fact in facts if fact)))
        if notes and id(article) in notes:
            lines.append("# " + _comment(notes[id(article)]))
        # A saved page is read from the file, never fetched again (the live page may be
        # behind a paywall now); its canonical URL, when it names one, is only the link.
        if local_source is not None:
            lines.append(f"source = {toml_string(os.path.relpath(local_source, edition_dir))}")
        if article.url is not None:
            lines.append(f"url = {toml_string(canonical_url(article.url))}")
        lines.append(f"title = {toml_string(article.title)}")
        if summary:
            lines.append(f"summary = {toml_string(summary)}")
    for article, said in sent:
        lines += [
            "",
            f"# Left out {_comment(article.title)!r}: it {_comment(said)}, and its page has not",
            "# changed since. To run it again, uncomment these lines:",
            "# [[articles]]",
            f"# url = {toml_string(canonical_url(article.url or ''))}",
            f"# title = {toml_string(_comment(article.title))}",
        ]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str, *, force: bool) -> None:
    """Write all or nothing; without `force`, never replace a file (even one made meanwhile)."""
    try:
        write_atomic(path, text.encode("utf-8"), private=False, exclusive=not force)
    except FileExistsError:
        raise DigestError(
            f"{path} already exists; use --force to replace it", exit_code=ExitCode.CONFIG
        ) from None
    except OSError as error:
        raise OutputError(describe_os_error(error, "cannot write")) from None


def _publication(folder: Path) -> tuple[Publication, Path]:
    found = find_publication(folder.resolve())
    if found is None:
        raise ConfigError(
            [Problem(str(folder), "", "no digest.toml here or in a parent (run `digest init`)")]
        )
    return load_publication(found), found.parent.resolve()


def new_edition(
    sources: list[str],
    *,
    folder: Path | None = None,
    since: str | None = None,
    edition_date: date | None = None,
    force: bool = False,
    offline: bool = False,
    now: datetime | None = None,
    memory: Callable[[Path, date], StoryMemory] | None = None,
) -> Draft:
    """Write editions/<date>.toml for the publication around `folder` from `sources`.

    `memory(root, date)` gives what went out before: candidates it knows, whose page did
    not change, are left out of the draft (listed at its end in comments).
    """
    publication, root = _publication(folder or Path.cwd())
    now = now or datetime.now(publication.tz)
    edition_date = edition_date or now.astimezone(publication.tz).date()
    path = root / EDITIONS_FOLDER / f"{edition_date.isoformat()}.toml"
    if path.exists() and not force:
        raise DigestError(
            f"{path} already exists; use --force to replace it", exit_code=ExitCode.CONFIG
        )
    cutoff = parse_since(since, now) if since else None
    sent_memory = memory(root, edition_date) if memory is not None else None
    context = ReadContext(tz=publication.tz, base_url=publication.base_url)
    settings = publication_settings(publication.fetch, root, offline=offline)
    found: list[tuple[Article, str | None]] = []
    failures: list[str] = []
    for source in sources:
        try:
            kind, articles = read_any(source, context=context, settings=settings)
        except SourceError as error:
            failures.append(error.message)
            continue
        # A local page can be named as `source`; a feed entry only by its own link (a feed
        # file as `source` would be read as its newest entry, which may be another story).
        local = None if is_url(source) or kind == "feed" else str(Path(source).resolve())
        if kind == "feed" and cutoff is not None:  # a page named explicitly is always wanted
            articles = [a for a in articles if a.published is None or a.published >= cutoff]
        found += [(article, local) for article in articles[:MAX_CANDIDATES_PER_SOURCE]]
    if sources and not found and failures:
        raise SourceError("no source could be read:\n" + "\n".join(f"  - {f}" for f in failures))
    kept, duplicates = dedupe_articles([article for article, _ in found])
    kept = kept[:MAX_CANDIDATES]
    local_of = {id(article): local for article, local in found}
    notes: dict[int, str] = {}
    sent: list[tuple[Article, str]] = []
    if sent_memory is not None:
        kept, sent, notes = _leave_out_sent(kept, local_of, sent_memory, context, settings)
    entries = [
        (
            article,
            local_of[id(article)],
            summary_of(article, publication.summary_chars, publication.summary_method),
        )
        for article in kept
    ]
    roots = publication.sources.roots(root)
    warnings = tuple(
        f"{local} is outside the publication folder {root}: move it into the folder, or "
        "list its folder in digest.toml [sources] allow_paths, before `digest build`"
        for local in dict.fromkeys(local for _article, local, _summary in entries)
        if local is not None and not inside(Path(local), roots)
    )
    text = render_draft(edition_date, entries, path.parent, notes=notes, sent=sent)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, text, force=force)
    log.debug("wrote %s with %d articles", path, len(kept))
    return Draft(path, tuple(kept), tuple(duplicates), tuple(failures), warnings, tuple(sent))


def _leave_out_sent(
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
