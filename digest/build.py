"""The build, top to bottom: load -> read -> summarize -> arrange -> render -> compile -> message.

`build_in_memory` is shared by `digest build`, the preview and the send; only `write_build`
touches the file system.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from datetime import time as clock
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from digest.atomic import write_folder
from digest.config import LoadedEdition, Publication, load_edition
from digest.edition.arrange import Selected, arrange
from digest.errors import OutputError, describe_os_error
from digest.mail.check import Finding, run_checks
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES, compile_mjml
from digest.mail.message import PLACEHOLDER_RECIPIENT, build_message
from digest.mail.render import render
from digest.models import Edition, RenderedDigest
from digest.sources.read import SourcedArticle, read_articles, read_ticker
from digest.summarize import shorten, summarize

log = logging.getLogger(__name__)

OUTPUT_FOLDER = "out"
# Preheaders show beside the subject in inbox lists; clients cut them at about this length.
PREHEADER_MAX_CHARS = 140
# The example .eml is dated at this local hour of the edition's day, so rebuilds are identical.
EDITION_HOUR = clock(6, 0)
PREVIEW_TOKEN = "preview"


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
            self.stages[name] = self.stages.get(name, 0.0) + (time.perf_counter() - start) * 1000


@dataclass(frozen=True)
class BuildResult:
    """Everything one build produced, in memory."""

    loaded: LoadedEdition
    edition: Edition
    digest: RenderedDigest
    message: EmailMessage
    timings_ms: dict[str, float]
    warnings: tuple[str, ...]  # about the inputs (summaries over budget, missing text)
    findings: tuple[Finding, ...] = ()  # what `digest check` reports about the email


def unsubscribe_link(publication: Publication, token: str, email: str) -> str | None:
    """The publication's unsubscribe URL with `{token}` and `{email}` filled in."""
    template = publication.unsubscribe.url
    if template is None:
        return None
    return template.replace("{token}", token).replace("{email}", email)


def archive_link(publication: Publication, loaded: LoadedEdition) -> str | None:
    """The archive ("view in browser") URL for this edition, if the publication has one."""
    if publication.archive_url is None:
        return None
    return publication.archive_url.replace("{date}", loaded.date.isoformat())


def summarize_articles(
    articles: list[SourcedArticle], publication: Publication
) -> tuple[list[Selected], list[str]]:
    """The editor's summary, else the source's own, else one computed within the budget."""
    selected, warnings = [], []
    budget = publication.summary_chars
    for item in articles:
        article, overrides = item.article, item.overrides
        summary = overrides.summary or article.summary
        if summary and len(summary) > budget:
            warnings.append(
                f"{item.key}: the given summary has {len(summary)} characters, "
                f"over the {budget}-character budget (kept as written)"
            )
        if not summary:
            title = overrides.title or article.title
            summary = summarize(article.body, budget, publication.summary_method, title=title)
        if not summary:
            warnings.append(f"{item.key}: no text to summarize; set `summary` in the edition")
        selected.append(Selected(article=article, overrides=overrides, summary=summary))
    return selected, warnings


def default_subject(publication: Publication, edition: Edition) -> str:
    """'<Publication>: <lead headline>' when the editor set no subject."""
    if edition.lead is None:
        return publication.name
    return f"{publication.name}: {edition.lead.title}"


def default_preheader(edition: Edition) -> str:
    """The headlines after the lead, as many as fit the preheader length."""
    titles = [story.title for story in edition.stories[1:]] or [
        story.summary for story in edition.stories
    ]
    return shorten(" · ".join(titles), PREHEADER_MAX_CHARS)


def build_in_memory(
    loaded: LoadedEdition,
    *,
    unsubscribe_url: str | None = None,
    recipient: str = PLACEHOLDER_RECIPIENT,
    offline: bool = False,
) -> BuildResult:
    """Run the whole pipeline for one loaded edition; nothing is written.

    `offline` reads web pages from the fetch cache only (local files as always)."""
    timer = StageTimer()
    publication = loaded.publication

    with timer.stage("read"):
        articles, warnings = read_articles(loaded, offline=offline)
        ticker = read_ticker(loaded, articles)
    with timer.stage("summarize"):
        selected, summary_warnings = summarize_articles(articles, publication)
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
        edition = Edition(
            date=edition.date,
            subject=loaded.edition.subject or default_subject(publication, edition),
            preheader=loaded.edition.preheader or default_preheader(edition),
            lead=edition.lead,
            sections=edition.sections,
            ticker=edition.ticker,
            dropped=edition.dropped,
        )
    if unsubscribe_url is None:
        unsubscribe_url = unsubscribe_link(publication, PREVIEW_TOKEN, recipient)
    with timer.stage("render"):
        source = render(
            edition,
            publication,
            publication_root=loaded.root,
            unsubscribe_url=unsubscribe_url,
            archive_url=archive_link(publication, loaded),
        )
    with timer.stage("compile"):
        compiled = compile_mjml(source.mjml)
    with timer.stage("message"):
        sent_at = datetime.combine(loaded.date, EDITION_HOUR, tzinfo=publication.tz)
        message = build_message(
            sender=publication.from_address,
            to=recipient,
            subject=edition.subject,
            text=source.text,
            html=compiled.html,
            date=sent_at,
            id_seed=f"{publication.name}\n{loaded.date.isoformat()}\n{recipient}",
            reply_to=publication.reply_to,
        )
    with timer.stage("check"):
        findings = run_checks(
            html=compiled.html, text=source.text, edition=edition, publication=publication
        )
    digest = RenderedDigest(
        mjml=source.mjml,
        text=source.text,
        html=compiled.html,
        html_bytes=compiled.html_bytes,
        style_bytes=compiled.style_bytes,
        warnings=tuple(warnings),
    )
    return BuildResult(
        loaded, edition, digest, message, dict(timer.stages), tuple(warnings), tuple(findings)
    )


def default_output(loaded: LoadedEdition) -> Path:
    """out/<date>/ beside the publication's digest.toml."""
    return loaded.root / OUTPUT_FOLDER / loaded.date.isoformat()


def report(result: BuildResult, files: dict[str, Path]) -> dict[str, Any]:
    """The build report: what went in, what was dropped and why, sizes and timings."""
    edition = result.edition
    return {
        "edition": result.loaded.date.isoformat(),
        "subject": edition.subject,
        "preheader": edition.preheader,
        "articles": [
            {
                "title": story.title,
                "section": "Lead" if story is edition.lead else story.section,
                "url": story.url,
                "source": story.source,
                "summary_chars": len(story.summary),
            }
            for story in edition.stories
        ],
        "sections": [
            {"name": section.name, "articles": len(section.stories)} for section in edition.sections
        ],
        "ticker": {
            "kept": [item.text for item in edition.ticker],
            "dropped": [
                {"text": item.text, "reason": item.reason}
                for item in edition.dropped
                if item.kind == "ticker"
            ],
        },
        "dropped": [
            {"kind": item.kind, "text": item.text, "reason": item.reason}
            for item in edition.dropped
        ],
        "html_bytes": result.digest.html_bytes,
        "html_budget_bytes": GMAIL_CLIP_BYTES,
        "style_bytes": result.digest.style_bytes,
        "style_budget_bytes": GMAIL_STYLE_BYTES,
        "text_bytes": len(result.digest.text.encode("utf-8")),
        "timings_ms": {name: round(ms, 2) for name, ms in result.timings_ms.items()},
        "warnings": list(result.warnings),
        "checks": [finding.to_json() for finding in result.findings],
        "files": {name: str(path) for name, path in files.items()},
    }


# The files of a build, by role; the report goes last (see write_build).
OUTPUT_FILES = {
    "html": "digest.html",
    "text": "digest.txt",
    "mjml": "digest.mjml",
    "eml": "digest.eml",
    "report": "report.json",
}


def write_build(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    """Write digest.{html,txt,mjml,eml} and report.json; the only stage that writes files.

    The folder is switched as a whole (see atomic.write_folder): after a crash, a full disk
    or Ctrl-C it holds the previous build or this one, never a mix or a truncated file.
    """
    files = {role: out_dir / name for role, name in OUTPUT_FILES.items()}
    report_text = json.dumps(report(result, files), indent=2, ensure_ascii=False) + "\n"
    contents = {
        OUTPUT_FILES["html"]: result.digest.html.encode("utf-8"),
        OUTPUT_FILES["text"]: result.digest.text.encode("utf-8"),
        OUTPUT_FILES["mjml"]: result.digest.mjml.encode("utf-8"),
        OUTPUT_FILES["eml"]: result.message.as_bytes(),
        OUTPUT_FILES["report"]: report_text.encode("utf-8"),
    }
    try:
        write_folder(out_dir, contents, last=OUTPUT_FILES["report"])
    except OSError as error:
        raise OutputError(
            f"{describe_os_error(error, 'cannot write')}\n"
            f"The build was not written; {out_dir} holds the previous build, if there was one."
        ) from None
    return files


def build(
    edition_path: Path, out_dir: Path | None = None, *, offline: bool = False
) -> tuple[BuildResult, dict[str, Path]]:
    """`digest build`: load, run the pipeline, write the files."""
    start = time.perf_counter()
    loaded = load_edition(edition_path)
    load_ms = (time.perf_counter() - start) * 1000
    result = build_in_memory(loaded, offline=offline)
    result = replace(result, timings_ms={"load": load_ms, **result.timings_ms})
    files = write_build(result, out_dir or default_output(loaded))
    return result, files
