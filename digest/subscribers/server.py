"""`digest serve` (and its old name `serve-unsubscribe`): the readers' server under waitress.

Waitress runs a fixed pool of worker threads behind one event loop, so a flood of slow clients
queues instead of spawning threads; idle connections are dropped, oversized requests refused
before the app sees them. Waitress counts any byte as activity, so a client trickling one byte
every few seconds would hold its connection for ever, and a hundred such clients would fill
every slot (slowloris): each request must also arrive whole within REQUEST_DEADLINE_S.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from digest.delivery.personalize import read_secret
from digest.errors import DigestError, ExitCode
from digest.subscribers.app import MAX_BODY_BYTES, ReadersApp
from digest.subscribers.publication import open_publication

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
# Not 8025: that is where local test SMTP servers (aiosmtpd, the tutorial's) listen.
DEFAULT_PORT = 8080
# Each request is one SQLite write of a few milliseconds; four threads keep up with any inbox
# provider's one-click traffic and bound the server's memory.
DEFAULT_THREADS = 4
# A client that sends nothing for this long is cut off; a real POST takes < 1 s.
CHANNEL_TIMEOUT_S = 15
# From its first byte, a request (line, headers, 4 KB of body) must be in within this time,
# however steadily it trickles; a mail provider's one-click POST needs well under a second.
REQUEST_DEADLINE_S = 10.0
# Open connections beyond this wait in the kernel's backlog. Each costs a socket and a few KB;
# poll() rather than select() lets the number pass 1024 descriptors.
CONNECTION_LIMIT = 500
# Request line plus headers; an unsubscribe request is well under 4 KB.
MAX_HEADER_BYTES = 16_384


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]
    """A waitress connection whose request in progress must be complete by a deadline."""

    request_deadline = REQUEST_DEADLINE_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_began: float | None = None

    def received(self, data: bytes) -> bool:
        """Note when each request's first byte arrived; a finished request stops the clock."""
        before = self.request
        result: bool = super().received(data)
        if self.request is None:
            self.request_began = None
        elif self.request is not before:
            self.request_began = time.monotonic()
        return result

    def readable(self) -> bool:
        """Waitress asks this on every turn of its loop: past the deadline, close instead."""
        began = self.request_began
        if began is not None and time.monotonic() - began > self.request_deadline:
            logger.info("closed a connection whose request took over %.0f s", self.request_deadline)
            self.request_began = None
            self.will_close = True  # writable() is then true, and waitress closes it
            return False
        return bool(super().readable())


def make_server(
    app: ReadersApp,
    host: str,
    port: int,
    threads: int = DEFAULT_THREADS,
    *,
    trusted_proxy: str | None = None,
) -> Any:
    """A bound waitress server for `app` (port 0 picks a free one); call `.run()` to serve.

    `trusted_proxy`: the reverse proxy's address, whose X-Forwarded-For (and -Proto) waitress
    believes, so rate limits and click counting see each reader's own address.
    """
    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
    try:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            channel_timeout=CHANNEL_TIMEOUT_S,
            connection_limit=CONNECTION_LIMIT,
            asyncore_use_poll=True,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY_BYTES,
            expose_tracebacks=False,
            ident="digest",
            clear_untrusted_proxy_headers=True,
            **proxy,
        )
    except OSError as error:
        raise DigestError(
            f"cannot listen on {host}:{port}: {error.strerror or error}",
            exit_code=ExitCode.CONFIG,
        ) from None
    # Waitress makes each accepted connection from its listener's `channel_class`.
    listeners = [server] if isinstance(server, BaseWSGIServer) else server.map.values()
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = DeadlineChannel
    return server


def serve(
    where: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    threads: int = DEFAULT_THREADS,
    trusted_proxy: str | None = None,
    environ: Mapping[str, str],
    ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Serve the publication's readers' server until interrupted (Ctrl-C)."""
    folder = open_publication(where)
    secret = read_secret(folder.publication.unsubscribe.secret_env, environ)
    app = ReadersApp(folder.publication, folder.root, secret, environ=environ)
    try:
        server = make_server(app, host, port, threads, trusted_proxy=trusted_proxy)
        bound_host, bound_port = server.effective_host, server.effective_port
        ready(f"http://{bound_host}:{bound_port}/")
        logger.info("readers' server on %s:%s", bound_host, bound_port)
        try:
            server.run()
        finally:
            server.close()
    finally:
        app.close()  # queued confirmations go out, held clicks are counted


serve_unsubscribe = serve  # the command's old name
