"""The build's files: out/<identity>/digest.{html,txt,mjml,eml} and report.json, nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.atomic import write_folder
from digest.config import LoadedEdition
from digest.errors import OutputError, describe_os_error
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES

if TYPE_CHECKING:  # build imports this module to write what it built
    from digest.build import BuildResult

OUTPUT_FOLDER = "out"


def default_output(loaded: LoadedEdition) -> Path:
    """out/<identity>/ beside the publication's digest.toml (the date, for YYYY-MM-DD.toml)."""
    return loaded.root / OUTPUT_FOLDER / loaded.identity


def report(result: BuildResult, files: dict[str, Path]) -> dict[str, Any]:
    """The build report: what went in, what was dropped and why, sizes and timings."""
    edition = result.edition
    return {
        "edition": result.loaded.identity,
        "date": result.loaded.date.isoformat(),
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
                {"text": item.text, "reason": item.reason, "in_favour_of": item.duplicate_of}
                for item in edition.dropped
                if item.kind == "ticker"
            ],
        },
        "dropped": [
            {
                "kind": item.kind,
                "text": item.text,
                "reason": item.reason,
                "in_favour_of": item.duplicate_of,
            }
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
        OUTPUT_FILES["eml"]: result.eml,
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
