"""The archive's Atom feed (RFC 4287), written by feedgen: one entry per edition, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from feedgen.feed import FeedGenerator
from markupsafe import Markup, escape

from digest.archive.record import ArchivedEdition
from digest.config import Publication


def _content(entry: ArchivedEdition) -> str:
    """The edition's headlines as an HTML list (escaped; links are the stories' own)."""
    items = Markup("").join(
        Markup('<li><a href="{}">{}</a></li>').format(story.url, story.title)
        if story.url
        else Markup("<li>{}</li>").format(story.title)
        for story in entry.stories
    )
    corrections = Markup("").join(
        Markup("<li><b>{}</b> ({}): {}</li>").format(c.story_title, c.day, c.note)
        for c in entry.corrections
    )
    fixed = Markup("<p>Corrections:</p><ul>{}</ul>").format(corrections) if corrections else ""
    return str(Markup("<p>{}</p><ul>{}</ul>{}").format(escape(entry.preheader), items, fixed))


def atom_feed(
    publication: Publication,
    entries: Sequence[ArchivedEdition],
    *,
    feed_url: str,
    index_url: str,
    url_of: dict[str, str],
) -> bytes:
    """The feed's bytes; the same editions give the same bytes (no clock is read)."""
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(publication.name)
    feed.subtitle(publication.tagline or f"Every edition of {publication.name}")
    feed.author({"name": publication.name})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=index_url, rel="alternate", type="text/html")
    feed.language(publication.language)
    if entries:
        feed.updated(max(entry.updated for entry in entries))
    for entry in entries:  # newest first, as feed readers list them
        item = feed.add_entry(order="append")
        url = url_of[entry.identity]
        item.id(url)
        item.title(entry.subject)
        item.link(href=url, rel="alternate", type="text/html")
        item.published(entry.published)
        item.updated(entry.updated)  # a correction changes it
        item.summary(entry.preheader)
        item.content(_content(entry), type="html")
    data: bytes = feed.atom_str(pretty=True)
    return data
