"""`digest serve-unsubscribe`: the endpoint under waitress, a pure-Python WSGI server.

Waitress runs a fixed pool of worker threads behind one event loop, so a flood of slow clients
queues instead of spawning threads; idle connections are dropped, oversized requests refused
before the app sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from waitress.server import create_server

from digest.delivery.personalize import read_secret
from digest.errors import DigestError, ExitCode
from digest.subscribers.app import MAX_BODY_BYTES, UnsubscribeApp
from digest.subscribers.publication import open_publication

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
# Not 8025: that is where local test SMTP servers (aiosmtpd, the tutorial's) listen.
DEFAULT_PORT = 8080
# Each request is one SQLite write of a few milliseconds; four threads keep up with any inbox
# provider's one-click traffic and bound the server's memory.
DEFAULT_THREADS = 4
# A client that sends nothing for this long is cut off (slowloris); a real POST takes < 1 s.
CHANNEL_TIMEOUT_S = 15
# Open connections beyond this wait in the kernel's backlog.
CONNECTION_LIMIT = 100
# Request line plus headers; an unsubscribe request is well under 4 KB.
MAX_HEADER_BYTES = 16_384


def make_server(app: UnsubscribeApp, host: str, port: int, threads: int = DEFAULT_THREADS) -> Any:
    """A bound waitress server for `app` (port 0 picks a free one); call `.run()` to serve."""
    try:
        return create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            channel_timeout=CHANNEL_TIMEOUT_S,
            connection_limit=CONNECTION_LIMIT,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY_BYTES,
            expose_tracebacks=False,
            ident="digest",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as error:
        raise DigestError(
            f"cannot listen on {host}:{port}: {error.strerror or error}",
            exit_code=ExitCode.CONFIG,
        ) from None


def serve_unsubscribe(
    where: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    threads: int = DEFAULT_THREADS,
    environ: Mapping[str, str],
    ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Serve the publication's unsubscribe endpoint until interrupted (Ctrl-C)."""
    folder = open_publication(where)
    secret = read_secret(folder.publication.unsubscribe.secret_env, environ)
    app = UnsubscribeApp(folder.publication, folder.root, secret)
    server = make_server(app, host, port, threads)
    bound_host, bound_port = server.effective_host, server.effective_port
    ready(f"http://{bound_host}:{bound_port}/")
    logger.info("unsubscribe endpoint on %s:%s", bound_host, bound_port)
    try:
        server.run()
    finally:
        server.close()
