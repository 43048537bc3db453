"""What a check finds: how bad, a stable code for scripts, and words for people."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]

# The codes of the preflight checks of an editor's mistakes, with what each one means. Scripts
# key on the code; README.md ("Checks before sending") lists the same words.
CODES: dict[str, str] = {
    # the edition file
    "section-unknown": "an article's `section =` is not one of digest.toml's `sections`",
    "lead-twice": "more than one article says `lead = true`",
    "edition-date-far": "the edition's date is more than a week from today",
    # links and addresses
    "link-private-host": "a link, image or the unsubscribe URL points at a host readers "
    "cannot reach (loopback, private, link-local, .local, .localhost, .internal)",
    "unsubscribe-not-https": "the unsubscribe URL is http://, not https://",
    "archive-not-https": "the archive (view in browser) URL is http://, not https://",
    "link-broken": "`--links`: the page answered 404 or 410",
    "link-status": "`--links`: the page answered another 4xx or a 5xx status",
    "link-redirects-home": "`--links`: the link redirects to the site's home page",
    "link-timeout": "`--links`: the page did not answer within the publication's deadline",
    "link-unreachable": "`--links`: the host does not resolve or refuses connections",
    # what the editor typed
    "placeholder-text": "TK, TKTK, XX, [LINK] or lorem ipsum left in a text",
    "sponsor-no-label": "a sponsored block shows no label saying it is sponsored",
    "summary-unsourced": "numbers or names of a typed summary are not on the source page",
    "headline-long": "a headline longer than a phone's inbox width shows in three lines",
    "image-empty-alt": "an image whose alt text is empty though nobody chose that",
    # the email against mail clients (caniemail)
    "client-unsupported": "the email uses a feature some major mail clients do not support",
    "anchor-id-target": "an in-email link targets an `id`, which some clients do not follow",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: how bad, a stable code for scripts, and words for people."""

    severity: Severity
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        """A plain dict for `--json` output."""
        return asdict(self)
