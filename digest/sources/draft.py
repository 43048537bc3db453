"""`digest new`: draft an edition file from feeds, URLs or files, summaries pre-filled."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

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
from digest.sources.drafted import Drafted, draft_summary, wants_page
from digest.sources.extract import is_url, read_any, read_urls_ahead
from digest.sources.fetch.settings import publication_settings
from digest.sources.readers import ReadContext
from digest.sources.sent_before import StoryMemory, leave_out_sent

log = logging.getLogger(__name__)

EDITIONS_FOLDER = "editions"
# An edition is a handful of stories; a feed with 200 entries should not flood the draft.
MAX_CANDIDATES_PER_SOURCE = 20
MAX_CANDIDATES = 60
_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True, slots=True)
class Window:
    """When a feed entry must have been published to be a candidate: [start, end).

    `end` is the end of the edition's day (midnight after it, in the publication's zone), so
    stories after the edition's day are never candidates; `start` comes from --since.
    """

    start: datetime | None
    end: datetime

    @property
    def day(self) -> date:
        """The edition's day (the one the window ends with)."""
        return (self.end - timedelta(days=1)).date()


@dataclass(frozen=True, slots=True)
class Tally:
    """Feed entries seen, and how many fell outside the window."""

    seen: int = 0
    too_old: int = 0
    too_new: int = 0

    def plus(self, other: Tally) -> Tally:
        """Both tallies together."""
        return Tally(
            self.seen + other.seen, self.too_old + other.too_old, self.too_new + other.too_new
        )


@dataclass(frozen=True, slots=True)
class Draft:
    """What `digest new` wrote and what it left out."""

    path: Path
    articles: tuple[Article, ...]
    duplicates: tuple[Article, ...] = ()
    failures: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = ()  # written, but worth a look before building
    window: Window | None = None
    tally: Tally = Tally()
    written: bool = True  # False: sources were given but none gave a candidate
    sent: tuple[tuple[Article, str], ...] = ()  # left out: sent before, page unchanged

    @property
    def exit_code(self) -> ExitCode:
        """NO_CANDIDATES when nothing was found to draft (and nothing written); SOURCE when a
        source could not be read (the draft is still written); else OK."""
        if not self.written:
            return ExitCode.NO_CANDIDATES
        return ExitCode.SOURCE if self.failures else ExitCode.OK

    def why_empty(self) -> str:
        """Why there is no candidate: what was seen and what fell outside the window."""
        seen, window = self.tally.seen, self.window
        if not seen:
            return "no candidates, nothing written: the sources hold no entries"
        parts = []
        if self.tally.too_old and window is not None and window.start is not None:
            parts.append(f"{self.tally.too_old} published before {window.start:%Y-%m-%d %H:%M %Z}")
        if self.tally.too_new and window is not None:
            parts.append(f"{self.tally.too_new} dated after the edition's day ({window.day})")
        shown = "; ".join(parts) or "none is usable"
        return (
            f"no candidates, nothing written: {seen} feed entries seen, {shown}. Widen --since "
            "(it counts back from the end of the edition's day, or from now before that), "
            "or choose the edition's day with --date"
        )


def candidate_window(since: str | None, edition_date: date, zone: tzinfo, now: datetime) -> Window:
    """The window for feed entries: it ends with the edition's day; --since counts back from
    that end, or from `now` while the edition's day is not over (a morning's "24h")."""
    end = datetime.combine(edition_date + timedelta(days=1), time(0), tzinfo=zone)
    return Window(parse_since(since, min(now, end)) if since else None, end)


def in_window(articles: list[Article], window: Window) -> tuple[list[Article], Tally]:
    """The feed entries inside the window (undated ones too: they cannot be judged)."""
    start, end = window.start, window.end
    old = sum(1 for a in articles if a.published and start is not None and a.published < start)
    new = sum(1 for a in articles if a.published and a.published >= end)
    kept = [
        article
        for article in articles
        if article.published is None
        or ((start is None or article.published >= start) and article.published < end)
    ]
    return kept, Tally(len(articles), old, new)


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
    entries: Sequence[tuple[Article, str | None, Drafted | None]],
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
        '# `drafted_summary` is what digest new wrote; your own `summary = "..."` replaces it.',
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
        lines += drafted_lines(summary)
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


def drafted_lines(drafted: Drafted | None) -> list[str]:
    """The drafted summary, marked with where it came from, and any note about it."""
    if drafted is None:
        return []
    lines = [f"# note: {_comment(drafted.note)}"] if drafted.note else []
    if drafted.text:
        source = "the linked page" if drafted.origin == "page" else "the feed's text"
        lines.append(f"# summary drafted from {source}; write `summary = ...` to use your own")
        lines.append(f"drafted_summary = {toml_string(drafted.text)}")
    return lines


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
    window = candidate_window(since, edition_date, publication.tz, now)
    tally = Tally()
    sent_memory = memory(root, edition_date) if memory is not None else None
    context = ReadContext(
        tz=publication.tz, base_url=publication.base_url, language=publication.language
    )
    settings = publication_settings(publication.fetch, root, offline=offline)
    found: list[tuple[Article, str | None]] = []
    kind_of: dict[int, tuple[str, str]] = {}  # id(article) -> (kind, source) it was read as
    failures: list[str] = []
    # Fetched and read side by side; taken below in the order given.
    read_ahead = read_urls_ahead(sources, context=context, settings=settings)
    for source in sources:
        try:
            kind, articles = read_any(
                source, context=context, settings=settings, read_ahead=read_ahead
            )
        except SourceError as error:
            failures.append(error.message)
            continue
        # A local page can be named as `source`; a feed entry only by its own link (a feed
        # file as `source` would be read as its newest entry, which may be another story).
        local = None if is_url(source) or kind == "feed" else str(Path(source).resolve())
        if kind == "feed":  # a page named explicitly is always wanted
            articles, seen = in_window(articles, window)
            tally = tally.plus(seen)
        found += [(article, local) for article in articles[:MAX_CANDIDATES_PER_SOURCE]]
        kind_of.update({id(article): (kind, source) for article in articles})
    if sources and not found and failures and not tally.seen:
        raise SourceError("no source could be read:\n" + "\n".join(f"  - {f}" for f in failures))
    if sources and not found:  # nothing to draft: say why, and leave no empty file behind
        return Draft(path, (), (), tuple(failures), (), window, tally, written=False)
    kept, duplicates = dedupe_articles([article for article, _ in found])
    kept = kept[:MAX_CANDIDATES]
    local_of = {id(article): local for article, local in found}
    notes: dict[int, str] = {}
    sent: list[tuple[Article, str]] = []
    if sent_memory is not None:
        kept, sent, notes = leave_out_sent(kept, local_of, sent_memory, context, settings)
    # The pages behind feed entries, fetched side by side as the sources were.
    linked = [a.url for a in kept if a.url and wants_page(a, *kind_of[id(a)], publication)]
    pages = read_urls_ahead(linked, context=context, settings=settings)
    entries = [
        (
            article,
            local_of[id(article)],
            draft_summary(
                article,
                kind=kind_of[id(article)][0],
                source=kind_of[id(article)][1],
                publication=publication,
                context=context,
                settings=settings,
                pages=pages,
            ),
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
    return Draft(
        path,
        tuple(kept),
        tuple(duplicates),
        tuple(failures),
        warnings,
        window,
        tally,
        sent=tuple(sent),
    )
