"""What the email says when the editor left it unsaid: subject, preheader, and the notes on
images that could not be shown."""

from __future__ import annotations

from digest.config import Publication
from digest.mail.render import format_long_date
from digest.models import Edition
from digest.summarize import shorten

# Preheaders show beside the subject in inbox lists; clients cut them at about this length.
PREHEADER_MAX_CHARS = 140


def default_subject(publication: Publication, edition: Edition) -> str:
    """The publication's subject template filled in, when the editor set no subject."""
    if edition.lead is None:
        return publication.name
    subject = publication.subject_template.format(
        publication=publication.name,
        lead=edition.lead.title,
        date=format_long_date(edition.date, publication.language),
        issue="" if edition.number is None else edition.number,
    )
    return " ".join(subject.split())


def default_preheader(edition: Edition) -> str:
    """The headlines after the lead, as many as fit the preheader length."""
    titles = [story.title for story in edition.stories[1:]] or [
        story.summary for story in edition.stories
    ]
    return shorten(" · ".join(titles), PREHEADER_MAX_CHARS)


def image_warnings(edition: Edition) -> list[str]:
    """Images left out because nobody knows their size (offline, not cached, unreadable)."""
    return [
        f"the image of {story.title!r} was left out: its size is unknown (not on the page, "
        "not in the cache, not readable); set image_width and image_height in the edition"
        for story in edition.stories
        if story.image
        and story.image.lower().startswith("https://")
        and not (story.image_width and story.image_height)
    ]
