"""The build, top to bottom: load -> read -> summarize -> arrange -> render -> compile -> message.

`build_in_memory` is shared by `digest build`, the preview and the send; only
`output.write_build` writes the build's files.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from datetime import time as clock
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from digest.cache import BuildCache, code_stamp, saved_build_cache
from digest.config import LoadedEdition, Publication, load_edition
from digest.edition.arrange import Selected, arrange
from digest.edition.extras import issue_number, placed_sponsors
from digest.history.in_build import history_findings, origins_of, record_build, with_corrections
from digest.history.memory import Origin
from digest.history.records import kept_open
from digest.history.snapshot import Snapshot, snapshot_of
from digest.mail.check import Finding, run_checks
from digest.mail.clicks import PREVIEW_CLICK_KEY, LinkPlan, plan_links
from digest.mail.compile import compile_mjml
from digest.mail.defaults import default_preheader, default_subject, image_warnings
from digest.mail.message import PLACEHOLDER_RECIPIENT
from digest.mail.personal import (
    Markers,
    SampleReader,
    preferences_link,
    prepare_message,
    preview_token,
)
from digest.mail.render import render
from digest.models import Edition, RenderedDigest
from digest.output import default_output, write_build
from digest.sources.imagesize import with_image_sizes
from digest.sources.read import SourcedArticle, read_articles, read_ticker
from digest.sources.readers import registered_readers
from digest.summarize import summarize

log = logging.getLogger(__name__)

# The example .eml is dated at this local hour of the edition's day, so rebuilds are identical.
EDITION_HOUR = clock(6, 0)
# What a saved read or summary depends on besides its inputs: the code of the readers and the
# summarizers (ours, and the libraries the readers parse with).
CACHED_CODE = (
    "models.py",
    "sources/read.py",
    "sources/sanitize.py",
    "sources/readers",
    "summarize",
)
READER_LIBRARIES = ("yaml", "nh3", "lxml", "trafilatura", "feedparser")


@dataclass
class StageTimer:
    """Milliseconds spent in each pipeline stage, in order."""

    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time one stage."""
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = (time.perf_counter() - start) * 1000
            self.stages[name] = self.stages.get(name, 0.0) + spent
            log.debug("%s: %.0f ms", name, spent)  # `digest -v` shows the stages


@dataclass(frozen=True, slots=True)
class PersonalBodies:
    """The bodies before personalization, with the markers only this build placed.

    `digest send` builds every reader's message from these; `digest.html`/`.txt` are the
    sample reader's copy of them.
    """

    text: str
    html: str
    markers: Markers
    links: LinkPlan | None = None  # the story links the send registers for the click redirect


@dataclass(frozen=True)
class BuildResult:
    """Everything one build produced, in memory."""

    loaded: LoadedEdition
    edition: Edition
    digest: RenderedDigest  # the sample reader's copy, as in digest.eml
    message: EmailMessage  # digest.eml parsed, for reading its headers
    timings_ms: dict[str, float]
    warnings: tuple[str, ...]  # about the inputs (summaries over budget, missing text)
    findings: tuple[Finding, ...] = ()  # what `digest check` reports about the email
    eml: bytes = b""  # digest.eml: the message as sent, to the sample reader
    personal: PersonalBodies | None = None
    origins: tuple[Origin, ...] = ()  # each story's entry and page hash (story memory)
    snapshot: Snapshot | None = None  # what approvals and sent versions are compared on


def archive_link(publication: Publication, loaded: LoadedEdition) -> str | None:
    """The archive ("view in browser") URL for this edition, if the publication has one."""
    if publication.archive_url is None:
        return None
    # {date} names the edition's page: its identity, which for YYYY-MM-DD.toml is the date.
    return publication.archive_url.replace("{date}", loaded.identity)


def summarize_articles(
    articles: list[SourcedArticle], publication: Publication, cache: BuildCache | None = None
) -> tuple[list[Selected], list[str]]:
    """The editor's summary, else the source's own, else one computed within the budget.

    With a `cache`, a summary is computed once per body, budget, method and title.
    """
    selected, warnings = [], []
    budget, method = publication.summary_chars, publication.summary_method
    for item in articles:
        article, overrides = item.article, item.overrides
        summary = overrides.summary or overrides.drafted_summary or article.summary
        if summary and len(summary) > budget:
            warnings.append(
                f"{item.key}: the given summary has {len(summary)} characters, "
                f"over the {budget}-character budget (kept as written)"
            )
        if not summary:
            title = overrides.title or article.title

            def compute(body: tuple[str, ...] = article.body, title: str = title) -> str:
                return summarize(body, budget, method, title=title)

            if cache is None:
                summary = compute()
            else:
                summary = cache.summaries.get((article.body, budget, method, title), compute)
        if not summary:
            warnings.append(f"{item.key}: no text to summarize; set `summary` in the edition")
        selected.append(Selected(article=article, overrides=overrides, summary=summary))
    return selected, warnings


def content_fingerprint(loaded: LoadedEdition, edition: Edition) -> str:
    """Everything the email shows, as one string: the merge markers' nonce is its hash.

    Paths are left out (they are not shown), so a copy of the publication elsewhere builds
    the same bytes.
    """
    shown = replace(
        edition,
        lead=replace(edition.lead, source="") if edition.lead else None,
        sections=tuple(
            replace(section, stories=tuple(replace(s, source="") for s in section.stories))
            for section in edition.sections
        ),
        ticker=tuple(replace(item, origin="") for item in edition.ticker),
        dropped=(),
    )
    return "\0".join(
        (
            repr(shown),
            # Defaults are code, not content: a new setting must not change every nonce.
            loaded.edition.model_dump_json(exclude_defaults=True),
            loaded.publication.model_dump_json(exclude_defaults=True),
        )
    )


def build_in_memory(
    loaded: LoadedEdition,
    *,
    offline: bool = False,
    cache: BuildCache | None = None,
    web_version: bool = False,
    at: datetime | None = None,
    click_key: bytes = PREVIEW_CLICK_KEY,
) -> BuildResult:
    """Run the whole pipeline for one loaded edition; nothing is written.

    `click_key` signs the click links (`[clicks] enabled`): a build's, which the endpoint never
    counts, unless a send gives the one derived from its secret.

    `offline`: web pages and image sizes come from the fetch cache only, never the
    network (local files as always). A `cache`
    shared between builds (the preview's) lets a rebuild reuse every source read and summary
    that an edit did not change. A `web_version` shows the edition's own corrections beside
    its stories; `at` is when a send would start (embargoes are checked against it; now).
    """
    with kept_open(loaded.root):
        return _build(
            loaded,
            offline=offline,
            cache=cache,
            web_version=web_version,
            at=at,
            click_key=click_key,
        )


def _build(
    loaded: LoadedEdition,
    *,
    offline: bool,
    cache: BuildCache | None,
    web_version: bool,
    at: datetime | None,
    click_key: bytes,
) -> BuildResult:
    timer = StageTimer()
    publication = loaded.publication

    with timer.stage("read"):
        articles, warnings = read_articles(loaded, offline=offline, cache=cache)
        articles = with_image_sizes(
            articles,
            loaded.root,
            offline=offline,
            cache=cache,
            concurrency=publication.fetch.concurrency,
        )
        ticker = read_ticker(loaded, articles, cache)
        log.debug(
            "read %d articles and %d ticker items%s", len(articles), len(ticker), _reuse(cache)
        )
    with timer.stage("summarize"):
        selected, summary_warnings = summarize_articles(articles, publication, cache)
        warnings += summary_warnings
    with timer.stage("arrange"):
        edition = arrange(
            selected,
            ticker,
            edition_date=loaded.date,
            subject="",
            preheader="",
            sections=publication.sections,
            default_section=publication.default_section,
        )
        edition = replace(edition, number=issue_number(loaded), intro=loaded.edition.intro)
        edition, sponsor_warnings = placed_sponsors(loaded, edition)
        warnings += sponsor_warnings
        edition = replace(
            edition,
            subject=loaded.edition.subject or default_subject(publication, edition),
            preheader=loaded.edition.preheader or default_preheader(edition),
        )
        warnings += image_warnings(edition)
        for item in edition.dropped:
            log.debug("dropped the %s %r: %s", item.kind, item.text, item.reason)
        edition = with_corrections(loaded, edition, own=web_version)
    with timer.stage("render"):
        markers = Markers.for_content(content_fingerprint(loaded, edition))
        links = plan_links(edition, publication, loaded.identity, click_key)
        preferences = preferences_link(publication)
        source = render(
            edition,
            publication,
            publication_root=loaded.root,
            unsubscribe_url=markers.unsubscribe_url if publication.unsubscribe.url else None,
            archive_url=archive_link(publication, loaded),
            markers=markers,
            preferences_url=markers.preferences_url if preferences else None,
            links=links,
        )
    with timer.stage("compile"):
        compiled = compile_mjml(source.mjml)
    with timer.stage("message"):
        # The message a reader gets, through the send's own code, signed with the preview
        # token: building needs no secret, and the endpoint ignores that token.
        personalizer = prepare_message(
            publication,
            edition_key=loaded.identity,
            subject=edition.subject,
            text=source.text,
            html=compiled.html,
            date=datetime.combine(loaded.date, EDITION_HOUR, tzinfo=publication.tz),
            sign=preview_token,
            markers=markers,
            require_unsubscribe=False,
            preferences_template=preferences,
        )
        eml = personalizer.render(SampleReader(PLACEHOLDER_RECIPIENT))
        message = message_from_bytes(eml, policy=default_policy)
        assert isinstance(message, EmailMessage)
        text, html = _bodies(message)
    with timer.stage("check"):
        findings = run_checks(
            html=html,
            text=text,
            edition=edition,
            publication=publication,
            loaded=loaded,
            articles=articles,
        )
        origins = origins_of(articles)
        snapshot = snapshot_of(edition, html=compiled.html, text=source.text, nonce=markers.nonce)
        moment = at or datetime.now(publication.tz)
        findings += history_findings(loaded, edition, origins, snapshot, moment)
        findings.sort(key=lambda finding: finding.severity != "error")
    html_bytes = len(html.encode("utf-8"))
    digest = RenderedDigest(
        mjml=source.mjml,
        text=text,
        html=html,
        html_bytes=html_bytes,
        style_bytes=compiled.style_bytes,
        warnings=tuple(warnings),
    )
    personal = PersonalBodies(text=source.text, html=compiled.html, markers=markers, links=links)
    return BuildResult(
        loaded,
        edition,
        digest,
        message,
        dict(timer.stages),
        tuple(warnings),
        tuple(findings),
        eml=eml,
        personal=personal,
        origins=origins,
        snapshot=snapshot,
    )


def _reuse(cache: BuildCache | None) -> str:
    """' (5 reused from the last build)' when a cache served reads, for the -v line."""
    reused = cache.reads.hits if cache is not None else 0
    return f" ({reused} reused from the last build)" if reused else ""


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The decoded text and HTML parts, with the line ends they had before encoding."""
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    text = str(text_part.get_content()).replace("\r\n", "\n")
    html = str(html_part.get_content()).replace("\r\n", "\n")
    return text, html


def reading_code_stamp() -> str:
    """A digest of the code behind cached reads and summaries (see `cache.code_stamp`)."""
    package = Path(__file__).resolve().parent
    files: list[Path] = []
    for name in CACHED_CODE:
        path = package / name
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    readers = [
        f"{name}={point.value} {point.dist.version if point.dist else ''}"
        for name, point in sorted(registered_readers().items())
    ]
    return code_stamp(files, READER_LIBRARIES, readers)


def build_with_saved_cache(
    loaded: LoadedEdition,
    *,
    offline: bool = False,
    at: datetime | None = None,
    click_key: bytes = PREVIEW_CLICK_KEY,
) -> BuildResult:
    """`build_in_memory` for a new process (`digest build`, `digest check`, `digest send`).

    Reads and summaries come from the last build of the same edition file where its sources
    did not change (saved in the user's cache folder), and what this one used is saved back.
    """
    with saved_build_cache(loaded.edition_path, reading_code_stamp()) as cache:
        return build_in_memory(loaded, offline=offline, cache=cache, at=at, click_key=click_key)


def build(
    edition_path: Path, out_dir: Path | None = None, *, offline: bool = False
) -> tuple[BuildResult, dict[str, Path]]:
    """`digest build`: load, run the pipeline (see `build_with_saved_cache`), write the files."""
    start = time.perf_counter()
    loaded = load_edition(edition_path)
    load_ms = (time.perf_counter() - start) * 1000
    result = build_with_saved_cache(loaded, offline=offline)
    result = replace(result, timings_ms={"load": load_ms, **result.timings_ms})
    files = write_build(result, out_dir or default_output(loaded))
    record_build(loaded, result.edition, result.origins)
    return result, files
