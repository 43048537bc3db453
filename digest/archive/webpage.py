"""An edition's web version: the email without personal links, plus a way back to the index."""

from __future__ import annotations

import re

from markupsafe import escape

from digest.build import BuildResult, build_in_memory
from digest.config import LoadedEdition

HEAD_TAG = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
# Inline styles only: the page must look the same wherever it is uploaded, with no script.
NAV_STYLE = (
    "max-width:600px;margin:0 auto;padding:12px 16px;box-sizing:border-box;"
    "font:14px/1.5 Helvetica,Arial,sans-serif;text-align:center;"
)


def build_web_version(loaded: LoadedEdition) -> BuildResult:
    """Build the edition with no unsubscribe link (it would be nobody's) and no link to itself;
    its corrections (`digest correct`) beside the stories they correct."""
    original = loaded.publication
    nobody = original.unsubscribe.model_copy(update={"url": None, "mailto": None})
    publication = original.model_copy(update={"archive_url": None, "unsubscribe": nobody})
    web = loaded.model_copy(update={"publication": publication})
    return build_in_memory(web, web_version=True)


def web_page(
    email_html: str,
    *,
    title: str,
    canonical_url: str,
    index_link: str,
    feed_link: str,
    link_color: str,
) -> str:
    """The email's HTML with a canonical link, the feed, and a link to every edition."""
    # The build fills merge fields for a sample reader with nothing personal; text typed in
    # content that looks like a marker is the editor's and stays as written.
    html = email_html
    head = (
        f'<link rel="canonical" href="{escape(canonical_url)}">'
        f'<link rel="alternate" type="application/atom+xml" title="{escape(title)}" '
        f'href="{escape(feed_link)}">'
    )
    nav = (
        f'<div class="archive-nav" style="{NAV_STYLE}">'
        f'<a href="{escape(index_link)}" style="color:{escape(link_color)}">All editions</a>'
        f' · <a href="{escape(feed_link)}" style="color:{escape(link_color)}">Feed</a></div>'
    )
    html = HEAD_TAG.sub(lambda match: match.group(0) + head, html, count=1)
    return BODY_TAG.sub(lambda match: match.group(0) + nav, html, count=1)
