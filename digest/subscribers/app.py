"""The RFC 8058 unsubscribe endpoint as a WSGI application.

`POST` with the body `List-Unsubscribe=One-Click` (what Gmail, Yahoo and Apple Mail send, and
what the page's button sends) unsubscribes at once. `GET` only shows a page with that button:
link scanners and previewers follow links, and must never unsubscribe anybody. Tokens are
verified with the publication's HMAC secret in constant time; a bad one gets 400 and records
nothing; the preview token and an address already off the list get a calm page.

Production: `create_app()` reads the publication folder and the secret from the environment,
so any WSGI server can run it, e.g. `gunicorn 'digest.subscribers.app:create_app()'`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.config import Publication
from digest.delivery.personalize import list_id_for, read_secret
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.delivery.tokens import MAX_TOKEN_CHARS, read_token
from digest.errors import DigestError, ExitCode
from digest.store import StoreError
from digest.subscribers.pages import Page, render_page
from digest.subscribers.publication import open_publication

logger = logging.getLogger(__name__)

# The one-click body is 26 bytes; a browser's multipart form a few hundred. Anything bigger is
# not an unsubscribe, and is refused before it is read.
MAX_BODY_BYTES = 4096
# Where create_app() finds the publication folder (or its digest.toml).
PUBLICATION_ENV = "DIGEST_PUBLICATION"
ONE_CLICK_KEY = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
ALLOWED_METHODS = ("GET", "HEAD", "POST")
SOURCE = "unsubscribe endpoint"
# Tokens are base64url with one dot (or the word "preview"); anything else is refused unread.
TOKEN_CHARS = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_TOKEN_CHARS}}}")
REASON_PHRASES = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# When the list could not be written (busy past its timeout, disk full), the reader is asked to
# try again; a mail client's one-click POST retries on 5xx by itself.
RETRY_AFTER_S = 60
# No script may run and nothing may load from elsewhere; the token must never leave in a
# Referer header; nobody may frame the button (clickjacking); nothing is cached.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


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
        after = after.replace(re.escape("{email}"), "[^/]*")
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


def _is_one_click(body: bytes, content_type: str) -> bool:
    """True when the body carries List-Unsubscribe=One-Click (RFC 8058 section 3.2)."""
    if content_type.lower().startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        for part in message.iter_parts() if message.is_multipart() else ():
            if part.get_param("name", header="content-disposition") == ONE_CLICK_KEY:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and payload.strip() == ONE_CLICK_VALUE.encode():
                    return True
        return False
    fields = parse_qs(body.decode("latin-1"), keep_blank_values=True)
    return fields.get(ONE_CLICK_KEY) == [ONE_CLICK_VALUE]


class UnsubscribeApp:
    """The WSGI application: one publication, its secret and its suppression list."""

    def __init__(
        self,
        publication: Publication,
        root: Path,
        secret: bytes,
        *,
        suppression_path: Path | None = None,
    ) -> None:
        if not publication.unsubscribe.url:
            raise DigestError(
                "digest.toml: [unsubscribe] url is not set; point it at this endpoint, "
                "e.g. https://example.org/unsubscribe?token={token}",
                exit_code=ExitCode.CONFIG,
            )
        self.publication = publication
        self.root = root
        self.secret = secret
        self.list_id = list_id_for(publication)
        self.locator = TokenLocator(publication.unsubscribe.url)
        self.suppression_path = suppression_path or default_suppression_path(root)
        # Opened at start (a problem shows before the first click) and kept for the app's life:
        # the server's threads share its one connection (see digest.store for why).
        self.suppressions = SuppressionList(self.suppression_path)

    def close(self) -> None:
        """Close the suppression list (the process's last user of it closes its connection)."""
        self.suppressions.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            page = self.handle(environ)
        except StoreError as error:  # nothing was recorded: never a success page
            logger.error("the unsubscribe endpoint could not use the list: %s", error)
            page = self._page("error", 503)
        except Exception:  # the reader gets a calm page; the log gets the details
            logger.exception("the unsubscribe endpoint failed")
            page = self._page("error", 500)
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(page.html))),
            *SECURITY_HEADERS,
        ]
        if page.state == "method":
            headers.append(("Allow", ", ".join(ALLOWED_METHODS)))
        if page.status == 503:
            headers.append(("Retry-After", str(RETRY_AFTER_S)))
        start_response(f"{page.status} {REASON_PHRASES[page.status]}", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [page.html]

    def handle(self, environ: Mapping[str, Any]) -> Page:
        """Answer one request; only a verified POST writes anything."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ALLOWED_METHODS:
            return self._page("method", 405)
        token = self.locator.find(environ)
        if token is None:
            return self._page("not_found", 404)
        well_formed = TOKEN_CHARS.fullmatch(token) is not None
        check = read_token(self.secret, self.list_id, token) if well_formed else None
        if check is not None and check.preview:
            return self._page("preview", 200)
        if check is None or check.address is None:
            logger.info("refused an unsubscribe request with an invalid token")
            return self._page("invalid", 400)
        address = check.address
        suppressions = self.suppressions
        if method != "POST":
            already = suppressions.get(address) is not None
            return self._page("already" if already else "confirm", 200, address)
        body = self._read_body(environ)
        if body is None:
            return self._page("too_large", 413)
        if not _is_one_click(body, environ.get("CONTENT_TYPE", "")):
            return self._page("missing", 400)
        # `add` returns after its COMMIT has returned: only then may the page say "done".
        if suppressions.add(address, Reason.UNSUBSCRIBED, source=SOURCE):
            logger.info("one address unsubscribed through the endpoint")
            return self._page("done", 200, address)
        return self._page("already", 200, address)

    def _read_body(self, environ: Mapping[str, Any]) -> bytes | None:
        """The request body, or None when it is larger than MAX_BODY_BYTES."""
        stream = environ["wsgi.input"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return b""
        if length < 0 and environ.get("wsgi.input_terminated"):
            # A chunked body without Content-Length: read one byte past the cap to know.
            data: bytes = stream.read(MAX_BODY_BYTES + 1)
            return None if len(data) > MAX_BODY_BYTES else data
        if length > MAX_BODY_BYTES:
            return None
        return stream.read(length) if length > 0 else b""

    def _page(self, state: str, status: int, address: str = "") -> Page:
        return render_page(self.publication, self.root, state, status, address)


def create_app(environ: Mapping[str, str] | None = None) -> UnsubscribeApp:
    """The app for a WSGI server: DIGEST_PUBLICATION names the folder, the secret's variable
    is the one `[unsubscribe] secret_env` names (DIGEST_UNSUBSCRIBE_SECRET by default)."""
    environ = os.environ if environ is None else environ
    folder = open_publication(Path(environ.get(PUBLICATION_ENV, ".")))
    secret = read_secret(folder.publication.unsubscribe.secret_env, environ)
    return UnsubscribeApp(folder.publication, folder.root, secret)
