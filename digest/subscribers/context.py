"""What every page of the readers' server shares: the publication, its keys, its stores, its
mailer, and the proofs its forms carry.

A form's proof is an HMAC of the token in the page's address: only someone who opened the page
(a person, or a scanner that GETs and stops there) has it, so a POST made blind to a link
(a mail client's prefetch, a script guessing) changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.config import Publication
from digest.delivery.readers import legacy_tokens_until
from digest.delivery.tokens import READER_LIFETIME_S, Purpose, TokenCheck, TokenKey
from digest.mail.personal import preferences_link
from digest.subscribers.http import Response
from digest.subscribers.mailer import Mailer
from digest.subscribers.membership import Membership
from digest.subscribers.pages import readers_page, strings_for

FORM_KEY_LABEL = b"digest form proof v1"
PROOF_BYTES = 12
HOUR_S = 3600


@dataclass
class ServerContext:
    """The publication's readers' server, as its pages see it."""

    publication: Publication
    root: Path
    secret: bytes
    tokens: TokenKey
    membership: Membership
    mailer: Mailer
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._form_key = hmac.new(self.secret, FORM_KEY_LABEL, hashlib.sha256).digest()
        self.strings = strings_for(self.publication)

    @property
    def base(self) -> str:
        """`[readers] url` (ends with /); '' when unset."""
        return self.publication.readers.url or ""

    def lifetime(self, purpose: Purpose) -> float:
        """How long a token of `purpose` works."""
        if purpose is Purpose.READER:
            return READER_LIFETIME_S
        return self.publication.readers.confirm_hours * HOUR_S

    def read(self, token: str, purpose: Purpose) -> TokenCheck:
        """Verify a token of one purpose (old-format reader tokens until they expire)."""
        legacy = legacy_tokens_until(self.membership.store) if purpose is Purpose.READER else None
        return self.tokens.read(
            token, purpose, now=self.clock(), lifetime=self.lifetime(purpose), legacy_until=legacy
        )

    def refusal(self, check: TokenCheck) -> Response | None:
        """The page for a token that gives no reader (preview, expired, forged); else None."""
        if check.preview:
            return self.page("preview")
        if check.expired:
            return self.page("expired", 400)
        if check.address is None:
            return self.page("invalid", 400)
        return None

    def make(self, purpose: Purpose, address: str, new_address: str = "") -> str:
        """A token issued now."""
        return self.tokens.make(purpose, address, issued=self.clock(), new_address=new_address)

    def proof(self, purpose: str, token: str) -> str:
        """What a page's form carries to show it came from that page."""
        mac = hmac.new(self._form_key, f"{purpose}\n{token}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:PROOF_BYTES]).decode("ascii")

    def proven(self, purpose: str, token: str, given: str) -> bool:
        """True when a POST carries the proof of the page at its address."""
        return hmac.compare_digest(self.proof(purpose, token).encode(), given.encode())

    def page(self, state: str, status: int = 200, **values: Any) -> Response:
        """One of the readers' pages as a response."""
        rendered = readers_page(self.publication, self.root, state, status, **values)
        return Response(rendered.status, rendered.html)

    def preferences_url(self, address: str) -> str:
        """A reader's preference page, with a token issued now ('' without [readers] url)."""
        template = preferences_link(self.publication)
        if template is None:
            return ""
        return template.replace("{token}", self.make(Purpose.READER, address))

    def gettext(self, message: str) -> str:
        """A fixed string in the publication's language."""
        return self.strings.gettext(message)
