"""The RFC 8058 unsubscribe link: where `[unsubscribe] url` puts the token, and what it does.

`POST` with the body `List-Unsubscribe=One-Click` (what Gmail, Yahoo and Apple Mail send, and
what the page's button sends) unsubscribes at once. `GET` only shows a page with that button:
link scanners and previewers follow links, and must never unsubscribe anybody. A bad token gets
400 and records nothing; the preview token and an address already off the list get a calm page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.delivery.tokens import MAX_TOKEN_CHARS, Purpose
from digest.errors import DigestError, ExitCode
from digest.subscribers.context import ServerContext
from digest.subscribers.http import Request, Response, form_fields
from digest.subscribers.pages import render_page

logger = logging.getLogger(__name__)

ONE_CLICK_KEY = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
SOURCE = "unsubscribe endpoint"
# Tokens are base64url (old ones with one dot), or the word "preview"; anything else is refused
# unread.
TOKEN_CHARS = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_TOKEN_CHARS}}}")


class TokenLocator:
    """Finds the token where the publication's `[unsubscribe] url` puts it.

    In a query parameter (`?token={token}`) or in a path segment (`/u/{token}`); only that
    segment is compared, so a reverse proxy that mounts the app under another prefix still works.
    """

    def __init__(self, url_template: str) -> None:
        parts = urlsplit(url_template)
        self.query_key: str | None = None
        self.path_pattern: re.Pattern[str] | None = None
        for key, values in parse_qs(parts.query, keep_blank_values=True).items():
            if "{token}" in values:
                self.query_key = key
                return
        if "{token}" not in parts.path:
            raise DigestError(
                "digest.toml: [unsubscribe] url must hold {token} as a query value "
                "(?token={token}) or in its path (/u/{token})",
                exit_code=ExitCode.CONFIG,
            )
        segment = parts.path[parts.path.rfind("/", 0, parts.path.index("{token}")) :]
        before, after = (re.escape(piece) for piece in segment.split("{token}", 1))
        self.path_pattern = re.compile(before + r"(?P<token>[^/]+)" + after + r"\Z")

    def find(self, environ: Mapping[str, Any]) -> str | None:
        """The token in this request, or None when the request is not for the endpoint."""
        if self.query_key is not None:
            values = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            found = values.get(self.query_key, [])
            return found[0] if len(found) == 1 else None
        assert self.path_pattern is not None
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        match = self.path_pattern.search(path)
        return match.group("token") if match else None


def is_one_click(body: bytes, content_type: str) -> bool:
    """True when the body carries List-Unsubscribe=One-Click (RFC 8058 section 3.2)."""
    return form_fields(body, content_type).get(ONE_CLICK_KEY) == ONE_CLICK_VALUE


class Unsubscribe:
    """The unsubscribe link's page and its one-click POST."""

    def __init__(self, context: ServerContext, url_template: str) -> None:
        self.context = context
        self.locator = TokenLocator(url_template)

    def page(self, state: str, status: int, address: str = "") -> Response:
        """One state of the unsubscribe page."""
        context = self.context
        rendered = render_page(context.publication, context.root, state, status, address)
        return Response(rendered.status, rendered.html)

    def handle(self, request: Request, token: str) -> Response:
        """Answer one request for the link; only a verified one-click POST writes anything."""
        well_formed = TOKEN_CHARS.fullmatch(token) is not None
        check = self.context.read(token, Purpose.READER) if well_formed else None
        if check is not None and check.preview:
            return self.page("preview", 200)
        if check is not None and check.expired:
            return self.page("expired", 400)
        if check is None or check.address is None:
            logger.info("refused an unsubscribe request with an invalid token")
            return self.page("invalid", 400)
        address = check.address
        membership = self.context.membership
        if request.method != "POST":
            already = membership.suppressions.get(address) is not None
            return self.page("already" if already else "confirm", 200, address)
        if request.too_large:
            return self.page("too_large", 413)
        if not is_one_click(request.body(), str(request.environ.get("CONTENT_TYPE", ""))):
            return self.page("missing", 400)
        # `unsubscribe` returns after its COMMIT has returned: only then may the page say "done".
        if membership.unsubscribe(address, now=self.context.clock(), how=SOURCE):
            logger.info("one address unsubscribed through the endpoint")
            return self.page("done", 200, address)
        return self.page("already", 200, address)
