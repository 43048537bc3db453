"""What a page says about itself: <meta> tags and JSON-LD (dates, publisher, site name)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Publication-date meta tags, most trusted first (all are read; `dates` picks among them).
DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "date",
)
# Tags and JSON-LD keys that give another time of the same page: never the publication date,
# but their UTC offset tells the site's time zone.
OTHER_TIME_META = ("article:modified_time", "og:updated_time", "datemodified", "lastmod")
OTHER_TIME_KEYS = ("dateModified", "dateCreated", "uploadDate")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The page's own statements, in page order."""

    meta: dict[str, str]
    published: tuple[str, ...]  # publication dates written on the page, most trusted first
    other_times: tuple[str, ...]  # modified/created times (for the site's UTC offset)
    publishers: tuple[str, ...]  # JSON-LD publisher names, og:site_name


def meta_values(tree: Any) -> dict[str, str]:
    """<meta> property/name/itemprop -> content, first occurrence wins, names lower case."""
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and key.lower() not in values:
            values[key.lower()] = content.strip()
    return values


def _json_ld_nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, depth first, in page order."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from walk(data)


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, list) and value:
        return _name(value[0])
    return value.strip() if isinstance(value, str) and value.strip() else None


def page_meta(tree: Any) -> PageMeta:
    """Dates, other times and publisher names the page states about itself."""
    meta = meta_values(tree)
    published = [meta[name] for name in DATE_META if name in meta]
    other = [meta[name] for name in OTHER_TIME_META if name in meta]
    publishers: list[str] = []
    for node in _json_ld_nodes(tree):
        value = node.get("datePublished")
        if isinstance(value, str):
            published.append(value)
        other += [node[key] for key in OTHER_TIME_KEYS if isinstance(node.get(key), str)]
        if (name := _name(node.get("publisher"))) is not None:
            publishers.append(name)
    published += [str(value) for value in tree.xpath("//time/@datetime")[:1]]
    other += [str(value) for value in tree.xpath("//time/@datetime")[1:]]
    if site := meta.get("og:site_name"):
        publishers.insert(0, site)
    return PageMeta(meta, tuple(published), tuple(other), tuple(dict.fromkeys(publishers)))
