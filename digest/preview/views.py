"""What the preview shows of a build: the framed email, its dark view, the size gauge, checks."""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.build import BuildResult
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES

_HEAD_TAG = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
_DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.IGNORECASE)
_LIGHT_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*light\s*\)", re.IGNORECASE)
# Links in the framed email open in a new tab instead of replacing the preview.
PREVIEW_HEAD = '<base target="_blank">'
# The dark view: the client's colour scheme forced to dark (`color-scheme` for form controls
# and default colours, the email's own dark-mode media queries switched on).
DARK_HEAD = '<meta name="color-scheme" content="dark"><style>:root{color-scheme:dark}</style>'


@dataclass(frozen=True, slots=True)
class Marker:
    """Where one part of the email starts in the HTML, in bytes."""

    offset: int
    label: str
    section: str


@dataclass(frozen=True, slots=True)
class SizeReport:
    """The HTML size against Gmail's clipping limit, and where the clip falls."""

    html_bytes: int
    style_bytes: int
    clipped: bool
    clip_in: str  # "no clipping", or the story/section the limit falls in
    markers: tuple[Marker, ...]

    def as_json(self) -> dict[str, Any]:
        """Plain values for the page."""
        return {
            "html_bytes": self.html_bytes,
            "limit": GMAIL_CLIP_BYTES,
            "style_bytes": self.style_bytes,
            "style_limit": GMAIL_STYLE_BYTES,
            "clipped": self.clipped,
            "clip_in": self.clip_in,
            "markers": [
                {
                    "offset": m.offset,
                    "label": m.label,
                    "section": m.section,
                    "clipped": m.offset >= GMAIL_CLIP_BYTES,
                }
                for m in self.markers
            ],
        }


def _find(haystack: bytes, text: str, start: int) -> int:
    """First byte offset of `text` at or after `start`, however the HTML escaped it."""
    candidates = {text, html_lib.escape(text, quote=False), html_lib.escape(text)}
    # premailer re-serializes entities, so also try a numeric-entity form of apostrophes.
    candidates.add(html_lib.escape(text, quote=False).replace("'", "&#39;"))
    found = [haystack.find(c.encode("utf-8"), start) for c in candidates if c]
    hits = [offset for offset in found if offset >= 0]
    return min(hits) if hits else -1


def size_report(result: BuildResult) -> SizeReport:
    """Byte offsets of each story (and "In brief") and where Gmail's clip would fall."""
    data = result.digest.html.encode("utf-8")
    edition = result.edition
    markers: list[Marker] = []
    position = 0
    for number, story in enumerate(edition.stories, 1):
        section = "Lead" if story is edition.lead else story.section
        offset = _find(data, story.title, position)
        if offset < 0:
            continue
        markers.append(Marker(offset, f"story {number}: {story.title}", section))
        position = offset
    if edition.ticker:
        offset = _find(data, edition.ticker[0].text, position)
        if offset >= 0:
            markers.append(Marker(offset, "In brief", "In brief"))
    html_bytes = result.digest.html_bytes
    clipped = html_bytes > GMAIL_CLIP_BYTES
    if not clipped:
        clip_in = "no clipping"
    else:
        before = [m for m in markers if m.offset < GMAIL_CLIP_BYTES]
        if not before:
            where = "before the first story (masthead)"
        else:
            last = before[-1]
            where = f"inside {last.label} ({last.section})"
            if last is markers[-1]:
                where += " or the footer after it"
        clip_in = f"Gmail clips at byte {GMAIL_CLIP_BYTES:,}, {where}"
    return SizeReport(html_bytes, result.digest.style_bytes, clipped, clip_in, tuple(markers))


def inject_head(html: str, extra: str) -> str:
    """`extra` right after <head>; only for the preview frames, never for a built file."""
    data = html.encode("utf-8")
    match = _HEAD_TAG.search(data)
    if match is None:
        return extra + html
    cut = match.end()
    return (data[:cut] + extra.encode("utf-8") + data[cut:]).decode("utf-8")


def dark_html(html: str) -> str:
    """The email as a client in dark mode would show it (dark media queries forced on)."""
    forced = _LIGHT_QUERY.sub("(max-width: 0px)", _DARK_QUERY.sub("(min-width: 0px)", html))
    return inject_head(forced, PREVIEW_HEAD + DARK_HEAD)


def check_findings(result: BuildResult) -> tuple[list[dict[str, str]], str | None]:
    """The pre-send checks the build ran, plus the build's own warnings about its inputs."""
    warnings = [{"severity": "warning", "code": "input", "message": w} for w in result.warnings]
    findings = [finding.to_json() for finding in result.findings]
    errors_first = sorted([*findings, *warnings], key=lambda item: item["severity"] != "error")
    return errors_first, None


@dataclass
class PreviewState:
    """The latest build as the page sees it; replaced whole under the lock."""

    version: int = 0
    result: BuildResult | None = None  # the last good build
    error: str | None = None  # the last build's failure, if it failed
    body: bytes = b"{}"  # /state.json, encoded once per build
    build_ms: float = 0.0


@dataclass
class RebuildTiming:
    """How long one rebuild took, for the benchmark."""

    html_ready_ms: float
    published_ms: float
    ok: bool


def state_json(state: PreviewState, edition_path: Path, checks: dict[str, Any]) -> bytes:
    result = state.result
    payload: dict[str, Any] = {
        "version": state.version,
        "edition": edition_path.name,
        "ok": state.error is None,
        "error": state.error,
        "build_ms": round(state.build_ms, 1),
        "has_email": result is not None,
        **checks,
    }
    if result is not None:
        digest = result.digest
        payload.update(
            subject=result.edition.subject,
            html=inject_head(digest.html, PREVIEW_HEAD),
            html_dark=dark_html(digest.html),
            text=digest.text,
            mjml=digest.mjml,
            size=size_report(result).as_json(),
        )
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
