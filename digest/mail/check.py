"""Pre-send checks: everything that would hurt the send, found before it happens.

Errors stop a send (`digest check` exits 5); warnings are worth a look (exit 0, or 1 with
`--strict`). `digest build` runs the same checks and prints what they find.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from digest.config import Publication
from digest.edition.arrange import comparison_key
from digest.errors import ExitCode
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES, STYLE_TAG
from digest.mail.content_checks import content_checks
from digest.mail.findings import Finding as Finding  # re-exported: callers import it here
from digest.mail.theme import MIN_CONTRAST, contrast_ratio
from digest.models import Edition

# Subjects longer than this are cut in most inbox lists (and RFC 5322 advises 78 per line).
MAX_SUBJECT_CHARS = 78
WEB_SCHEMES = ("http://", "https://")
WHITE = "#ffffff"


@dataclass(frozen=True, slots=True)
class Link:
    """An <a> or <img> found in the HTML."""

    tag: str
    url: str
    attributes: dict[str, str | None]


class _Collector(HTMLParser):
    """Collects links and images; the HTML is our own output, so a simple parser suffices."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.ids: set[str] = set()  # targets of in-email links (#section)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")
        if tag == "a" and "href" in attributes:
            self.links.append(Link("a", attributes["href"] or "", attributes))
        elif tag == "img":
            self.links.append(Link("img", attributes.get("src") or "", attributes))


def collect_links(html: str) -> list[Link]:
    """Every link and image in the HTML, in document order."""
    return _collect(html).links


def _collect(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def clip_location(html: str, edition: Edition, limit: int = GMAIL_CLIP_BYTES) -> str:
    """Words for where Gmail's clip falls: after which story the reader stops seeing."""
    encoded = html.encode("utf-8")
    if len(encoded) <= limit:
        return ""
    visible = encoded[:limit].decode("utf-8", errors="ignore")
    stories = edition.stories
    last_seen = None
    for number, story in enumerate(stories, 1):
        if _escaped(story.title) in visible:
            last_seen = (number, story.title)
    if last_seen is None:
        return "before the first story"
    number, title = last_seen
    return f"inside or after story {number} of {len(stories)} ({title!r})"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _size_checks(html: str, html_bytes: int, edition: Edition) -> Iterator[Finding]:
    if html_bytes > GMAIL_CLIP_BYTES:
        yield Finding(
            "error",
            "html-clipped",
            f"the HTML is {html_bytes:,} bytes, over Gmail's {GMAIL_CLIP_BYTES:,}-byte limit: "
            f"Gmail would clip it {clip_location(html, edition)}; "
            "remove articles or shorten summaries",
        )
    for number, match in enumerate(STYLE_TAG.finditer(html), 1):
        size = len(match.group(0).encode("utf-8"))
        if size > GMAIL_STYLE_BYTES:
            yield Finding(
                "error",
                "style-too-large",
                f"<style> block {number} is {size:,} bytes; Gmail drops blocks over "
                f"{GMAIL_STYLE_BYTES:,} bytes",
            )


def _image_checks(links: list[Link], edition: Edition) -> Iterator[Finding]:
    for story in edition.stories:
        # The theme leaves out images mail clients could not load; say so rather than hide it.
        if story.image and not story.image.lower().startswith(WEB_SCHEMES):
            yield Finding(
                "error",
                "image-not-https",
                f"the image {story.image!r} of {story.title!r} is not an absolute URL and was "
                "left out (set base_url in digest.toml, or `image` in the edition)",
            )
    for link in (item for item in links if item.tag == "img"):
        name = link.url or "(no src)"
        if link.attributes.get("alt") is None:
            yield Finding("error", "image-no-alt", f"image {name} has no alt text")
        if not link.url.lower().startswith("https://"):
            yield Finding(
                "error",
                "image-not-https",
                f"image {name} is not an absolute https:// URL, so mail clients can't load it "
                "(set base_url in digest.toml, or `image` in the edition)",
            )
        if not (link.attributes.get("width") or "").strip():
            yield Finding("error", "image-no-width", f"image {name} has no width attribute")


def image_box_checks(links: list[Link]) -> Iterator[Finding]:
    """Every image needs a pixel height too: without it nothing reserves its box."""
    for link in (item for item in links if item.tag == "img"):
        height = (link.attributes.get("height") or "").strip()
        if not height.isdigit():
            yield Finding(
                "warning",
                "image-no-height",
                f"image {link.url or '(no src)'} has no pixel height ({height or 'none'}); "
                "the layout jumps when it loads and Outlook shows an empty box",
            )


def _link_checks(links: list[Link], ids: set[str] | None = None) -> Iterator[Finding]:
    for link in (item for item in links if item.tag == "a"):
        url = link.url.strip()
        lowered = url.lower()
        if lowered.startswith((*WEB_SCHEMES, "mailto:")):
            continue
        if url.startswith("#") and len(url) > 1 and ids is not None:
            if url[1:] not in ids:  # the contents list links to its sections
                yield Finding("error", "link-no-target", f"link {url!r} points to no section")
            continue
        if not urlsplit(url).scheme:
            yield Finding("error", "link-relative", f"link {url or '(empty)'!r} is relative")
        else:
            yield Finding(
                "error", "link-scheme", f"link {url!r} is not http(s) or mailto and is unsafe"
            )


def _compliance_checks(
    links: list[Link], publication: Publication, edition: Edition, text: str
) -> Iterator[Finding]:
    hrefs = [link.url for link in links if link.tag == "a"]
    if not any("unsubscribe" in href.lower() for href in hrefs):
        yield Finding(
            "error",
            "no-unsubscribe",
            "no unsubscribe link: set [unsubscribe] url in digest.toml",
        )
    if not publication.brand.postal_address.strip():
        yield Finding(
            "error",
            "no-postal-address",
            "no postal address (required of bulk senders): set [brand] postal_address",
        )
    subject = edition.subject.strip()
    if not subject:
        yield Finding("error", "subject-empty", "the subject is empty")
    elif len(subject) > MAX_SUBJECT_CHARS:
        yield Finding(
            "warning",
            "subject-long",
            f"the subject has {len(subject)} characters; inboxes cut it after about "
            f"{MAX_SUBJECT_CHARS}",
        )
    preheader = edition.preheader.strip()
    if not preheader:
        yield Finding("warning", "preheader-missing", "no preheader: set `preheader`")
    elif text.lstrip().startswith(preheader):
        yield Finding(
            "warning", "preheader-in-text", "the preheader leaks into the plain-text part"
        )


def _text_part_checks(links: list[Link], text: str) -> Iterator[Finding]:
    seen: set[str] = set()
    for link in links:
        url = link.url
        if link.tag != "a" or not url.lower().startswith(WEB_SCHEMES) or url in seen:
            continue
        seen.add(url)
        if url not in text:
            yield Finding(
                "warning", "link-not-in-text", f"link {url} is missing from the plain-text part"
            )


def _duplicate_checks(edition: Edition) -> Iterator[Finding]:
    titles: dict[str, str] = {}
    urls: dict[str, str] = {}
    for story in edition.stories:
        key = comparison_key(story.title)
        if key in titles:
            yield Finding(
                "error", "duplicate-article", f"the article {story.title!r} appears twice"
            )
        titles[key] = story.title
        if story.url:
            url = story.url.rstrip("/").lower()
            if url in urls and comparison_key(urls[url]) != key:
                yield Finding(
                    "error",
                    "duplicate-article",
                    f"{story.title!r} and {urls[url]!r} link to the same page {story.url}",
                )
            urls[url] = story.title


def _contrast_checks(publication: Publication) -> Iterator[Finding]:
    brand = publication.brand
    pairs = (
        ("masthead text (white) on brand.color", WHITE, brand.color),
        ("brand.color links on white", brand.color, WHITE),
        ("brand.text_color on white", brand.text_color, WHITE),
    )
    for what, foreground, background in pairs:
        ratio = contrast_ratio(foreground, background)
        if ratio < MIN_CONTRAST:
            yield Finding(
                "warning",
                "low-contrast",
                f"{what} has a contrast of {ratio:.1f}:1, under {MIN_CONTRAST}:1; "
                "choose a darker colour",
            )


def run_checks(
    *, html: str, text: str, edition: Edition, publication: Publication
) -> list[Finding]:
    """Every finding for one built edition, errors first."""
    html_bytes = len(html.encode("utf-8"))
    collected = _collect(html)
    links = collected.links
    findings = [
        *_size_checks(html, html_bytes, edition),
        *_image_checks(links, edition),
        *image_box_checks(links),
        *_link_checks(links, collected.ids),
        *_compliance_checks(links, publication, edition, text),
        *_text_part_checks(links, text),
        *_duplicate_checks(edition),
        *_contrast_checks(publication),
        *content_checks(edition, publication),
    ]
    # Stable order: errors first, then warnings, each in the order found.
    return sorted(findings, key=lambda finding: finding.severity != "error")


def exit_code_for(findings: list[Finding], *, strict: bool) -> ExitCode:
    """CHECK on errors; WARNINGS on warnings with --strict; else OK."""
    if any(finding.severity == "error" for finding in findings):
        return ExitCode.CHECK
    if strict and findings:
        return ExitCode.WARNINGS
    return ExitCode.OK


def format_findings(findings: list[Finding]) -> str:
    """Readable report: one line per finding and a count."""
    if not findings:
        return "No problems found: ready to send."
    lines = [f"{finding.severity:>7}  {finding.message}  [{finding.code}]" for finding in findings]
    errors = sum(finding.severity == "error" for finding in findings)
    lines.append(f"{errors} error(s), {len(findings) - errors} warning(s)")
    return "\n".join(lines)
