"""A correction notice: the short message `digest correct --notify` sends to an edition's readers.

Rendered by the theme's `correction.mjml.j2`, `correction.txt.j2` and `correction-subject.txt.j2`
(a publication overrides them in its templates/ like any other), compiled and inlined like an
edition, with the same unsubscribe link marker, so every reader's copy is personalized by the
send's own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError

from digest.config import Publication
from digest.errors import RenderError
from digest.mail.compile import compile_mjml
from digest.mail.errors import describe_template_error
from digest.mail.personal import Markers
from digest.mail.plaintext import tidy_text
from digest.mail.render import (
    format_long_date,
    make_environment,
    text_direction,
    theme_folder,
)
from digest.mail.theme import palettes, theme_options
from digest.models import Correction

NOTICE_MJML = "correction.mjml.j2"
NOTICE_TEXT = "correction.txt.j2"
NOTICE_SUBJECT = "correction-subject.txt.j2"


@dataclass(frozen=True, slots=True)
class Notice:
    """A correction notice before personalization: the bodies carry the unsubscribe marker."""

    subject: str
    text: str
    html: str
    markers: Markers


def render_notice(
    publication: Publication,
    publication_root: Path,
    correction: Correction,
    *,
    subject: str,
    archive_url: str | None,
) -> Notice:
    """The notice for one correction; `subject` is the corrected edition's own subject."""
    markers = Markers.for_content(
        "correction", correction.edition, str(correction.number), correction.note, subject
    )
    options = theme_options(publication.theme)
    overrides = tuple(sorted(publication.strings.items()))
    environment = make_environment(publication_root, publication.language, overrides, options.name)
    direction = text_direction(publication)
    light, _dark = palettes(publication.brand)
    context = {
        "publication": publication,
        "brand": publication.brand,
        "light_colours": light,
        "direction": direction,
        "start": "right" if direction == "rtl" else "left",
        "correction": correction,
        "subject": subject,
        "archive_url": archive_url,
        "unsubscribe_url": markers.unsubscribe_url if publication.unsubscribe.url else None,
        "long_day": lambda day: format_long_date(day, publication.language),
    }
    try:
        line = environment.get_template(NOTICE_SUBJECT).render(context)
        mjml = environment.get_template(NOTICE_MJML).render(context)
        text = environment.get_template(NOTICE_TEXT).render(context)
    except (TemplateError, RenderError, LookupError, TypeError, ValueError) as error:
        raise RenderError(
            describe_template_error(error, publication_root, theme_folder(options.name))
        ) from None
    return Notice(
        subject=" ".join(line.split()),
        text=tidy_text(text),
        html=compile_mjml(mjml).html,
        markers=markers,
    )
