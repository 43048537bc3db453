"""Pre-send checks: everything that would hurt the send, found before it happens.

Errors stop a send (`digest check` exits 5); warnings are worth a look (exit 0, or 1 with
`--strict`). `digest build` runs the same checks and prints what they find.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from digest.config import LoadedEdition, Publication
from digest.config.placeholders import (
    PLACEHOLDER_POSTAL_ADDRESS,
    is_placeholder_address,
    is_placeholder_url,
)
from digest.edition.arrange import comparison_key
from digest.errors import ExitCode
from digest.mail.clicks import is_canary
from digest.mail.client_lint import anchor_findings, client_findings, client_report
from digest.mail.compile import GMAIL_CLIP_BYTES, GMAIL_STYLE_BYTES, STYLE_TAG
from digest.mail.content_checks import content_checks
from digest.mail.date_checks import date_checks
from digest.mail.edition_checks import (
    edition_checks,
    today_for,
    without_measures_from_a_wrong_date,
)
from digest.mail.editorial_checks import editorial_checks
from digest.mail.findings import Finding as Finding  # re-exported: callers import it here
from digest.mail.link_checks import link_host_checks
from digest.mail.personal import PREVIEW_TOKEN, fill_link
from digest.mail.theme import MIN_CONTRAST, contrast_ratio
from digest.mail.where import SourcedEntry, Where
from digest.models import Edition

# Subjects longer than this are cut in most inbox lists (and RFC 5322 advises 78 per line).
MAX_SUBJECT_CHARS = 78
# WCAG's floor even for large text (the masthead): below it, an error that stops the send.
MIN_CONTRAST_LARGE = 3.0
WEB_SCHEMES = ("http://", "https://")
WHITE = "#ffffff"


@dataclass(frozen=True, slots=True)
class Link:
    """An <a> or <img> found in the HTML."""

    tag: str
    url: str
    attributes: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Collected:
    """The links, images and element ids of one email."""

    links: list[Link]
    ids: set[str]  # targets of in-email links (#section)
    root: Any = None  # the parsed document (lxml), for checks that read its text


def collect_links(html: str) -> list[Link]:
    """Every link and image in the HTML, in document order."""
    return _collect(html).links


def _collect(html: str) -> Collected:
    """Links, images and ids, parsed with lxml (already loaded for premailer): five times
    faster than html.parser on a 200-story email, which matters for the preview's rebuilds.
    """
    from lxml import etree

    root = etree.HTML(html) if html.strip() else None
    links: list[Link] = []
    ids: set[str] = set()
    for element in root.iter() if root is not None else ():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        element_id = element.get("id")
        if element_id:
            ids.add(element_id)
        attributes: dict[str, str | None] = dict(element.attrib)
        if element.tag == "a" and "href" in attributes:
            links.append(Link("a", attributes["href"] or "", attributes))
        elif element.tag == "img":
            links.append(Link("img", attributes.get("src") or "", attributes))
    return Collected(links, ids, root)


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
    hrefs = {link.url for link in links if link.tag == "a"}
    template = publication.unsubscribe.url
    # The checked email is the sample reader's message: its link is the publication's own URL
    # with the preview token, whatever words that URL uses.
    expected = fill_link(template, PREVIEW_TOKEN) if template else None
    if expected is None or expected not in hrefs:
        yield Finding(
            "error",
            "no-unsubscribe",
            "no unsubscribe link: set [unsubscribe] url in digest.toml"
            if template is None
            else "the email shows no unsubscribe link; the template must print unsubscribe_url",
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
        if is_canary(url):  # the scanners' trap: hidden from people, so not in the text part
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
    """Under 3:1 even large text is hard to read: an error. Under 4.5:1 body text is: a warning."""
    brand = publication.brand
    pairs = (
        ("masthead text (white) on brand.color", WHITE, brand.color),
        ("brand.color links on white", brand.color, WHITE),
        ("brand.text_color on white", brand.text_color, WHITE),
    )
    for what, foreground, background in pairs:
        ratio = contrast_ratio(foreground, background)
        if ratio < MIN_CONTRAST_LARGE:
            yield Finding(
                "error",
                "low-contrast",
                f"{what} has a contrast of {ratio:.1f}:1, under {MIN_CONTRAST_LARGE:g}:1, "
                "too faint for many readers to read at all; choose a darker colour in "
                "digest.toml [brand]",
            )
        elif ratio < MIN_CONTRAST:
            yield Finding(
                "warning",
                "low-contrast",
                f"{what} has a contrast of {ratio:.1f}:1, under {MIN_CONTRAST}:1; "
                "choose a darker colour",
            )


def _placeholder_checks(publication: Publication) -> Iterator[Finding]:
    """Values `digest init` wrote that only the editor can fill in: errors until they do."""
    wrote = "is still the placeholder `digest init` wrote"
    if is_placeholder_address(publication.from_address):
        yield Finding(
            "error",
            "placeholder-from",
            f"digest.toml `from` {wrote} ({publication.from_address}); set your sender",
        )
    if publication.reply_to and is_placeholder_address(publication.reply_to):
        yield Finding(
            "error", "placeholder-reply-to", f"digest.toml `reply_to` {wrote}; set it or remove it"
        )
    if publication.brand.postal_address.strip() == PLACEHOLDER_POSTAL_ADDRESS:
        yield Finding(
            "error",
            "placeholder-postal-address",
            f"digest.toml [brand] postal_address {wrote}; set your organisation's postal "
            "address (bulk senders must show one)",
        )
    if is_placeholder_url(publication.unsubscribe.url):
        yield Finding(
            "error",
            "placeholder-unsubscribe",
            f"digest.toml [unsubscribe] url {wrote} ({publication.unsubscribe.url}); set the "
            "address of your unsubscribe page, with {token}",
        )


def run_checks(
    *,
    html: str,
    text: str,
    edition: Edition,
    publication: Publication,
    loaded: LoadedEdition | None = None,
    articles: Sequence[SourcedEntry] = (),
    today: dt.date | None = None,
) -> list[Finding]:
    """Every finding for one built edition, errors first.

    With the `loaded` edition (and its `articles` as read), the preflight of the editor's
    mistakes runs too, each finding naming the file and key; `today` defaults to the clock.
    """
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
        *_placeholder_checks(publication),
        *content_checks(edition, publication),
        *date_checks(edition, publication),
    ]
    if loaded is not None:
        where = Where(loaded, tuple(articles))
        findings += edition_checks(where, today or today_for(loaded))
        findings += link_host_checks(where, edition, [(link.tag, link.url) for link in links])
        alts = {link.url: link.attributes.get("alt") for link in links if link.tag == "img"}
        findings += editorial_checks(where, edition, collected.root, alts)
        findings += client_findings(
            client_report(html, collected.root, loaded.root, loaded.publication.theme.name)
        )
        findings += anchor_findings(collected.root)
        findings = without_measures_from_a_wrong_date(findings)
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
