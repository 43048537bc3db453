"""Where each file of the archive goes, so the URLs `archive_url` promises exist once uploaded.

`archive_url = "https://example.org/digest/{date}.html"` makes the archive folder the web folder
`https://example.org/digest/`: the 2024-11-22 edition is `2024-11-22.html` in it, the index
`index.html`, the feed `feed.xml`. A URL ending in `{date}/` gets `{date}/index.html`. Without
`{date}` the URL names one page, which holds the newest edition; every edition also gets its
own `YYYY-MM-DD.html`. `{date}` stands for the edition's identity, its file name: the date for
`2024-11-22.toml`, `2024-11-22-evening` for the evening edition of that day.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from digest.errors import ConfigError, DigestError, ExitCode, Problem

INDEX_FILE = "index.html"
FEED_FILE = "feed.xml"
MANIFEST_FILE = "editions.json"
DATED_PAGE = "{date}.html"


@dataclass(frozen=True, slots=True)
class Layout:
    """The archive's base URL and the path of each edition's page below it."""

    base_url: str  # ends with "/"
    page_template: str  # relative, may hold {date}
    latest_page: str | None = None  # the page archive_url names when it has no {date}

    def page_path(self, identity: str) -> str:
        """The edition's file, relative to the archive folder (POSIX separators); {date} is the
        edition's identity (its file name: the date, for YYYY-MM-DD.toml)."""
        path = self.page_template.replace("{date}", identity)
        return path + INDEX_FILE if path.endswith("/") or not path else path

    def url(self, path: str) -> str:
        """The public URL of a file in the archive."""
        if path.endswith("/" + INDEX_FILE) or path == INDEX_FILE:
            path = path[: -len(INDEX_FILE)]
        return self.base_url + path

    @staticmethod
    def link(from_path: str, to_path: str) -> str:
        """A relative link from one archive file to another."""
        return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def escapes(relative: str) -> bool:
    """True when a page path could name a file outside the archive folder."""
    parts = PurePosixPath(unquote(relative)).parts
    return relative.startswith("/") or "\\" in relative or "\0" in relative or ".." in parts


def inside(folder: Path, relative: str) -> Path:
    """`folder / relative`, refused when it resolves (links followed) outside the folder."""
    base = folder.resolve()
    target = (base / relative).resolve()
    if escapes(relative) or not target.is_relative_to(base) or target == base:
        raise DigestError(
            f"{relative!r} would be written outside the archive folder {folder}; refused",
            exit_code=ExitCode.CONFIG,
        )
    return target


def _contained(layout: Layout, config_file: str) -> Layout:
    pages = [layout.page_path("2000-01-01"), layout.latest_page or "x"]
    if any(escapes(page) for page in pages):
        raise ConfigError(
            [
                Problem(
                    config_file,
                    "archive_url",
                    "has a '..' segment after the archive folder, which would put pages "
                    "outside it; name the pages below the folder, e.g. "
                    "https://example.org/digest/{date}.html",
                )
            ]
        )
    return layout


def layout_for(archive_url: str | None, config_file: str) -> Layout:
    """The layout archive_url asks for; a URL a static folder cannot serve is refused."""
    if not archive_url:
        raise ConfigError(
            [
                Problem(
                    config_file,
                    "archive_url",
                    "is not set; the archive's pages go at the URLs it names, e.g. "
                    "https://example.org/digest/{date}.html",
                )
            ]
        )
    parts = urlsplit(archive_url)
    if parts.query or parts.fragment:
        raise ConfigError(
            [
                Problem(
                    config_file,
                    "archive_url",
                    "has a query or fragment, which a folder of static files cannot serve; "
                    "put {date} in the path, e.g. https://example.org/digest/{date}.html",
                )
            ]
        )
    if "{date}" not in archive_url:
        base, _, page = archive_url.rpartition("/")
        if page in ("", INDEX_FILE):
            raise ConfigError(
                [
                    Problem(
                        config_file,
                        "archive_url",
                        "names the archive's index page; add {date} so each email links to "
                        "its own edition, e.g. https://example.org/digest/{date}.html",
                    )
                ]
            )
        return _contained(Layout(base + "/", DATED_PAGE, latest_page=page), config_file)
    head = archive_url[: archive_url.index("{date}")]
    base = head[: head.rindex("/") + 1]
    return _contained(Layout(base, archive_url[len(base) :]), config_file)
