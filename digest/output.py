"""The build's files: out/<date>/digest.{html,txt,mjml,eml} and report.json, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import LoadedEdition
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES

if TYPE_CHECKING:  # build imports this module to write what it built
    from digest.build import BuildResult

OUTPUT_FOLDER = "out"


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


def write_build(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    """Write digest.{html,txt,mjml,eml} and report.json; the only stage that writes files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "html": out_dir / "digest.html",
        "text": out_dir / "digest.txt",
        "mjml": out_dir / "digest.mjml",
        "eml": out_dir / "digest.eml",
        "report": out_dir / "report.json",
    }
    files["html"].write_text(result.digest.html, encoding="utf-8", newline="")
    files["text"].write_text(result.digest.text, encoding="utf-8", newline="")
    files["mjml"].write_text(result.digest.mjml, encoding="utf-8", newline="")
    files["eml"].write_bytes(result.eml)
    body = json.dumps(report(result, files), indent=2, ensure_ascii=False) + "\n"
    files["report"].write_text(body, encoding="utf-8")
    return files
