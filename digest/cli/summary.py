"""The short, human build summary printed by `digest build`."""

from __future__ import annotations

from pathlib import Path

from digest.build import BuildResult
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES

# The size bar is this many characters wide at the clipping limit.
GAUGE_WIDTH = 30


def size_gauge(used: int, budget: int) -> str:
    """'[#######.......]  19,851 / 102,400 bytes (19%)'."""
    share = used / budget
    filled = min(GAUGE_WIDTH, round(share * GAUGE_WIDTH))
    bar = "#" * filled + "." * (GAUGE_WIDTH - filled)
    return f"[{bar}] {used:,} / {budget:,} bytes ({share:.0%})"


def build_summary(result: BuildResult, files: dict[str, Path]) -> str:
    """What was built, where, how big, and anything worth a look."""
    edition = result.edition
    stories = edition.stories
    dropped_ticker = [item for item in edition.dropped if item.kind == "ticker"]
    if edition.lead is None:
        contents = "no articles, only the In brief block"
    elif edition.sections:
        contents = (
            f"{_plural(len(stories), 'article')} in "
            f"{_plural(len(edition.sections), 'section')} (lead: {edition.lead.title})"
        )
    else:
        contents = f"1 article, the lead: {edition.lead.title}"
    lines = [
        f"Built {result.loaded.identity}: {edition.subject}",
        f"  {contents}",
        f"  In brief: {_plural(len(edition.ticker), 'item')} kept, {len(dropped_ticker)} dropped",
    ]
    lines += [f"    - dropped {item.text!r}: {item.reason}" for item in dropped_ticker]
    dropped_articles = [item for item in edition.dropped if item.kind == "article"]
    if dropped_articles:
        lines.append(f"  Articles dropped as near-duplicates: {len(dropped_articles)}")
        lines += [
            f"    - dropped {item.text!r}: {item.reason} (set `keep = true` to keep it)"
            for item in dropped_articles
        ]
    status = "OK" if result.digest.html_bytes <= GMAIL_CLIP_BYTES else "CLIPPED by Gmail"
    lines.append(f"  HTML  {size_gauge(result.digest.html_bytes, GMAIL_CLIP_BYTES)} {status}")
    style_status = "OK" if result.digest.style_bytes <= GMAIL_STYLE_BYTES else "TOO LARGE"
    lines.append(
        f"  Style {result.digest.style_bytes:,} / {GMAIL_STYLE_BYTES:,} bytes {style_status}"
    )
    total_ms = sum(result.timings_ms.values())
    lines.append(f"  Time  {total_ms:.0f} ms in the pipeline")
    lines += [f"  warning: {warning}" for warning in result.warnings]
    lines += [f"  {finding.severity}: {finding.message}" for finding in result.findings]
    if any(finding.severity == "error" for finding in result.findings):
        lines.append("  Fix the errors above before sending (`digest check` lists them).")
    folder = files["html"].parent
    lines.append(f"Files in {folder}/: " + ", ".join(path.name for path in files.values()))
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
