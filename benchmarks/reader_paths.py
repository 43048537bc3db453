"""The paths a story takes to its summary: the library call and the readers a user goes through.

`benchmarks/summaries.py` scores each one. Every path but the library call starts from bytes a
user would have (page text piped to `digest summarize -`, a saved HTML page, a Markdown article,
a feed entry) and ends in the function the CLI and the build call (`summarize_source`,
`summary_of`), so a gap between a path and the library call is a bug in that path.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path

from digest.sources.extract import SummarySettings, summarize_source, summary_of
from digest.sources.readers import ReadContext
from digest.sources.readers.feed import read_feed
from digest.sources.readers.html import read as read_html
from digest.sources.readers.markdown import read as read_markdown
from digest.summarize import summarize

LIBRARY = "library"
PAGETEXT = "pagetext"  # `digest summarize -`, in process (the function the command calls)
CLI = "cli"  # `digest summarize -`, the installed console script in a subprocess
HTML = "html"
MARKDOWN = "markdown"
FEED = "feed"
PATHS = (LIBRARY, PAGETEXT, HTML, MARKDOWN, FEED)
CONTEXT = ReadContext(tz=UTC)
# The CLI is run in an empty folder, so no digest.toml around it changes the settings.
CLI_TIMEOUT_SECONDS = 60

Maker = Callable[[Sequence[str], str], str]


def page_text(paragraphs: Sequence[str]) -> str:
    """The story as a user pastes it: paragraphs separated by blank lines."""
    return "\n\n".join(paragraphs) + "\n"


def html_page(paragraphs: Sequence[str], title: str) -> bytes:
    """A plain article page: a headline and the paragraphs in an <article>."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head><body><main><article>"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</article></main></body></html>"
    ).encode()


def markdown_file(paragraphs: Sequence[str], title: str) -> bytes:
    """A Markdown article with front matter (the title quoted for YAML)."""
    quoted = title.replace('"', '\\"')
    return (f'---\ntitle: "{quoted}"\n---\n\n' + page_text(paragraphs)).encode()


def feed_file(paragraphs: Sequence[str], title: str) -> bytes:
    """An RSS 2.0 feed of one item: the first paragraph as teaser, the story as content."""
    content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    teaser = html.escape(paragraphs[0] if paragraphs else "")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>Bench</title><link>https://example.org/</link><item>"
        f"<title>{html.escape(title)}</title><link>https://example.org/story</link>"
        f"<description>{teaser}</description>"
        f"<content:encoded>{html.escape(content)}</content:encoded>"
        "</item></channel></rss>"
    ).encode()


def maker(path: str, max_chars: int, method: str) -> Maker:
    """The function that turns one story (paragraphs, title) into its summary along `path`."""
    settings = SummarySettings(max_chars, method, CONTEXT)

    def library(paragraphs: Sequence[str], _title: str) -> str:
        return summarize(paragraphs, max_chars, method)

    def pagetext(paragraphs: Sequence[str], _title: str) -> str:
        return summarize_source("-", settings, stdin=page_text(paragraphs).encode())

    def from_html(paragraphs: Sequence[str], title: str) -> str:
        article = read_html(html_page(paragraphs, title), origin="bench.html", context=CONTEXT)
        return summary_of(article, max_chars, method) or ""

    def from_markdown(paragraphs: Sequence[str], title: str) -> str:
        data = markdown_file(paragraphs, title)
        article = read_markdown(data, origin="bench.md", context=CONTEXT)
        return summary_of(article, max_chars, method) or ""

    def from_feed(paragraphs: Sequence[str], title: str) -> str:
        entries = read_feed(feed_file(paragraphs, title), origin="bench.xml", context=CONTEXT)
        if not entries:
            return ""
        return summary_of(entries[0], max_chars, method) or ""

    makers: dict[str, Maker] = {
        LIBRARY: library,
        PAGETEXT: pagetext,
        HTML: from_html,
        MARKDOWN: from_markdown,
        FEED: from_feed,
    }
    return makers[path]


def console_script() -> str:
    """The installed `digest` command beside this interpreter."""
    found = Path(sys.executable).with_name("digest")
    if not found.exists():
        raise SystemExit(f"no console script at {found}: install digest (make run)")
    return str(found)


def run_cli(paragraphs: Sequence[str], max_chars: int, method: str, folder: Path) -> str:
    """`digest summarize - --max-chars N --method M`, the story on stdin, in `folder`."""
    command = [console_script(), "summarize", "-", "--max-chars", str(max_chars)]
    command += ["--method", method]
    done = subprocess.run(
        command,
        input=page_text(paragraphs).encode(),
        capture_output=True,
        cwd=folder,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    if done.returncode != 0:
        raise SystemExit(f"digest summarize failed ({done.returncode}): {done.stderr.decode()}")
    return done.stdout.decode("utf-8").rstrip("\n")
