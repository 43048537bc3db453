"""The readers' server as one WSGI application: unsubscribe, sign-up, preferences, clicks.

Routes, matched on the end of the path so the app works under any prefix a reverse proxy
mounts it at (`[readers] url` says where readers reach it):

- `[unsubscribe] url` (`/u/<token>` or `?token=`): the RFC 8058 one-click link and its page;
- `subscribe`: the sign-up form (GET) and its POST; `confirm/<token>`: double opt-in;
- `p/<token>`: the preference page of every footer; `change/<token>`: a new address;
- `c/<id>`: a click link's redirect (`[clicks] enabled`).

Production: `create_app()` reads the publication folder and the secret from the environment,
so any WSGI server can run it, e.g. `gunicorn 'digest.subscribers.app:create_app()'`.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from digest.config import Publication
from digest.delivery.personalize import list_id_for, read_secret
from digest.delivery.suppression import SuppressionList, default_suppression_path
from digest.delivery.tokens import token_key
from digest.errors import DigestError, ExitCode
from digest.mail.clicks import click_key
from digest.store import StoreError
from digest.store.subscribers import SubscriberStore
from digest.subscribers.context import ServerContext
from digest.subscribers.http import (
    ALLOWED_METHODS,
    MAX_BODY_BYTES,
    REASON_PHRASES,
    Request,
    Response,
    redirect,
)
from digest.subscribers.mailer import Mailer
from digest.subscribers.membership import Membership
from digest.subscribers.preferences import Preferences
from digest.subscribers.publication import open_publication
from digest.subscribers.redirect import ClickRedirect
from digest.subscribers.signup import Signup
from digest.subscribers.unsubscribe import TokenLocator, Unsubscribe

logger = logging.getLogger(__name__)

# Where create_app() finds the publication folder (or its digest.toml).
PUBLICATION_ENV = "DIGEST_PUBLICATION"
# The reverse proxy whose X-Forwarded-For create_app() believes, for servers that do not
# (gunicorn); `digest serve --trusted-proxy` has waitress do it.
TRUSTED_PROXY_ENV = "DIGEST_TRUSTED_PROXY"
# When the list could not be written (busy past its timeout, disk full), the reader is asked to
# try again; a mail client's one-click POST retries on 5xx by itself.
RETRY_AFTER_S = 60
TOKEN = r"(?P<token>[A-Za-z0-9_-]{1,512})"
ROUTES = (
    ("subscribe", re.compile(r"/subscribe/?\Z")),
    ("confirm", re.compile(rf"/confirm/{TOKEN}\Z")),
    ("preferences", re.compile(rf"/p/{TOKEN}\Z")),
    ("change", re.compile(rf"/change/{TOKEN}\Z")),
    ("click", re.compile(r"/c/(?P<token>[A-Za-z0-9._-]{1,300})\Z")),
)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

__all__ = ["MAX_BODY_BYTES", "ReadersApp", "TokenLocator", "UnsubscribeApp", "create_app"]


class ReadersApp:
    """The WSGI application: one publication, its secret, its stores and its mailer."""

    def __init__(
        self,
        publication: Publication,
        root: Path,
        secret: bytes,
        *,
        suppression_path: Path | None = None,
        environ: Mapping[str, str] | None = None,
        trusted_proxy: str | None = None,
    ) -> None:
        if not publication.unsubscribe.url:
            raise DigestError(
                "digest.toml: [unsubscribe] url is not set; point it at this server, "
                "e.g. https://example.org/r/u/{token}",
                exit_code=ExitCode.CONFIG,
            )
        self.publication = publication
        self.root = root
        self.secret = secret
        self.list_id = list_id_for(publication)
        self.suppression_path = suppression_path or default_suppression_path(root)
        # Opened at start (a problem shows before the first click) and kept for the app's life:
        # the server's threads share one connection per file (see digest.store for why).
        self.suppressions = SuppressionList(self.suppression_path)
        self.store = SubscriberStore(self.suppression_path)
        self.context = ServerContext(
            publication,
            root,
            secret,
            token_key(secret, self.list_id),
            Membership(self.store, self.suppressions),
            Mailer(publication, root, os.environ if environ is None else environ),
        )
        self.unsubscribe = Unsubscribe(self.context, publication.unsubscribe.url)
        self.locator = self.unsubscribe.locator
        self.signup = Signup(self.context)
        self.preferences = Preferences(self.context)
        self.clicks = ClickRedirect(root, click_key(secret)) if publication.clicks.enabled else None
        self._closed = False
        self.trusted_proxy = trusted_proxy

    def close(self) -> None:
        """Send queued confirmations, count held clicks, close the stores (once)."""
        if self._closed:
            return
        self._closed = True
        self.context.mailer.close()
        if self.clicks is not None:
            self.clicks.close()
        self.store.close()
        self.suppressions.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if self.trusted_proxy and forwarded and environ.get("REMOTE_ADDR") == self.trusted_proxy:
            environ["REMOTE_ADDR"] = forwarded.split(",")[-1].strip()  # the proxy's own word
        request = Request(environ)
        try:
            response = self.handle(request)
        except StoreError as error:  # nothing was recorded: never a success page
            logger.error("the readers' server could not use its store: %s", error)
            response = self._error(503)
        except Exception:  # the reader gets a calm page; the log gets the details
            logger.exception("the readers' server failed")
            response = self._error(500)
        headers = response.header_list()
        if response.status == 405:
            headers.append(("Allow", ", ".join(ALLOWED_METHODS)))
        if response.status == 503:
            headers.append(("Retry-After", str(RETRY_AFTER_S)))
        start_response(f"{response.status} {REASON_PHRASES[response.status]}", headers)
        return [b""] if request.method == "HEAD" else [response.body]

    def handle(self, request: Request) -> Response:
        """Answer one request; only a verified POST (or a counted click) writes anything."""
        if request.method not in ALLOWED_METHODS:
            return self.unsubscribe.page("method", 405)
        for name, pattern in ROUTES:
            match = pattern.search(request.path)
            if match is None:
                continue
            token = match["token"] if "token" in pattern.groupindex else ""
            if name == "subscribe":
                return self.signup.subscribe(request)
            if name == "confirm":
                return self.signup.confirm(request, token)
            if name == "preferences":
                return self.preferences.page(request, token)
            if name == "change":
                return self.preferences.change(request, token)
            return self.click(request, token)
        token = self.locator.find(request.environ)
        if token is None:
            return self.unsubscribe.page("not_found", 404)
        return self.unsubscribe.handle(request, token)

    def click(self, request: Request, text: str) -> Response:
        """A click link: 302 to its registered URL; 400 (no Location) for a forged id."""
        context = self.context
        if self.clicks is None:
            return context.page("not_found", 404)
        click = self.clicks.verify(text)
        if click is None:
            logger.info("refused a click link whose id we did not sign")
            return context.page("invalid", 400)
        if click.canary:
            self.clicks.record(request, click, counting=False)
            return context.page("canary")
        target = self.clicks.target(click)
        if target is None:
            state = "click_preview" if click.preview else "click_gone"
            return context.page(state, 200 if click.preview else 404)
        url, counting = target
        self.clicks.record(request, click, counting)
        return redirect(url)

    def _error(self, status: int) -> Response:
        try:
            return self.unsubscribe.page("error", status)
        except Exception:  # the page itself failed: plain words
            return Response(status, b"Please try again later.", content_type="text/plain")


# The name the endpoint had when it only unsubscribed.
UnsubscribeApp = ReadersApp


def create_app(environ: Mapping[str, str] | None = None) -> ReadersApp:
    """The app for a WSGI server: DIGEST_PUBLICATION names the folder, the secret's variable
    is the one `[unsubscribe] secret_env` names (DIGEST_UNSUBSCRIBE_SECRET by default), and
    DIGEST_TRUSTED_PROXY the reverse proxy whose X-Forwarded-For gives the reader's address."""
    environ = os.environ if environ is None else environ
    folder = open_publication(Path(environ.get(PUBLICATION_ENV, ".")))
    secret = read_secret(folder.publication.unsubscribe.secret_env, environ)
    proxy = environ.get(TRUSTED_PROXY_ENV) or None
    app = ReadersApp(folder.publication, folder.root, secret, environ=environ, trusted_proxy=proxy)
    # A server that stops its workers by exiting them (gunicorn, uvicorn) still sends what is
    # queued and counts the clicks held back for scanners.
    atexit.register(app.close)
    return app
