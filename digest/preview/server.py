"""`digest preview`: a local preview server with live reload.

Builds in memory (never `write_build`), serves fixed routes from memory on 127.0.0.1 only,
checks the Host header against DNS rebinding, and rebuilds when the edition, digest.toml,
a template or a local article source changes. The reload script lives only in the preview
page; the email HTML shown in its frames gets preview-only tweaks (a `<base target>` and, for
the dark view, a forced dark colour scheme) that never reach a built file.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from digest.build import BuildResult, build_in_memory
from digest.cache import BuildCache
from digest.config import LoadedEdition, load_edition
from digest.errors import ConfigError, DigestError, Problem
from digest.mail.render import forget_templates
from digest.preview.page import PAGE_CSP, PAGE_HTML, RAW_CSP, SECURITY_HEADERS, TEXT_CSP
from digest.preview.pool import BACKLOG, BUSY_BODY, WORKERS, BoundedPoolMixIn
from digest.preview.views import PreviewState, RebuildTiming, check_findings, state_json
from digest.preview.watch import WatchSet, fingerprint, watch_set

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# watchfiles groups changes until none arrive for STEP ms, but never waits longer than
# DEBOUNCE ms: editors write a file in several syscalls, and one rebuild per save is enough.
DEBOUNCE_MS = 300
STEP_MS = 50
# The watcher wakes this often when nothing changes; its first wake-up proves the OS watches
# are in place, so `start()` can return knowing no edit will be missed.
WATCH_TIMEOUT_MS = 200
# How long `start()` waits for the watcher to be in place.
READY_SECONDS = 10.0
# A long-poll on /version returns after this long even when nothing changed, so proxies and
# browsers never see a request hang for minutes.
LONG_POLL_SECONDS = 20.0
# Idle sockets are dropped after this long so a stuck client can't hold a thread forever. A
# browser on this machine sends its request within milliseconds; what stays silent this long is
# a speculative pre-connect, which would otherwise hold one of the few workers.
SOCKET_TIMEOUT_SECONDS = 5.0
# Threads get this long to finish when the server stops.
JOIN_SECONDS = 5.0


# -- HTTP --------------------------------------------------------------------------------------


class _Server(BoundedPoolMixIn, HTTPServer):
    preview: PreviewServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A closed tab drops its long-poll mid-answer; that is not worth a traceback.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("client %s went away: %s", client_address, error)
        else:
            log.exception("preview request from %s failed", client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    """Fixed routes, served from memory; GET and HEAD only."""

    server_version = "digest-preview"
    sys_version = ""
    timeout = SOCKET_TIMEOUT_SECONDS

    @property
    def preview(self) -> PreviewServer:
        return cast(_Server, self.server).preview

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method other than GET and HEAD (POST, PUT, OPTIONS, made-up ones): 405.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        if self._host_ok():
            allow = {"Allow": "GET, HEAD"}
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"GET and HEAD only\n", extra=allow)

    def _host_ok(self) -> bool:
        port = self.preview.port
        host = (self.headers.get("Host") or "").strip().lower()
        if host in {f"127.0.0.1:{port}", f"localhost:{port}"}:
            return True
        self._send(HTTPStatus.FORBIDDEN, b"forbidden: unexpected Host header\n")
        return False

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str = "text/plain; charset=utf-8",
        csp: str = TEXT_CSP,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", csp)
        for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_ok():
            return
        # Matched as sent: no unquoting, no normalizing, so `/%2e%2e/` and `/../x` are unknown.
        path, _, query = self.path.partition("?")
        preview = self.preview
        if path == "/":
            self._send(HTTPStatus.OK, PAGE_HTML, "text/html; charset=utf-8", PAGE_CSP)
        elif path == "/state.json":
            self._send(HTTPStatus.OK, preview.state.body, "application/json")
        elif path == "/version":
            since = parse_qs(query).get("since", [""])[0]
            wait = LONG_POLL_SECONDS if since.lstrip("-").isdigit() and self.command == "GET" else 0
            if wait and not preview.long_polls.acquire(blocking=False):
                # Long-polls may take only part of the pool, so other requests always run.
                retry = {"Retry-After": "1"}
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, BUSY_BODY, extra=retry)
                return
            try:
                version = preview.wait_for_change(int(since) if wait else -1, wait)
            finally:
                if wait:
                    preview.long_polls.release()
            state = preview.state
            body = json.dumps(
                {"version": version, "ok": state.error is None}, ensure_ascii=False
            ).encode()
            self._send(HTTPStatus.OK, body, "application/json")
        elif path in {"/email.html", "/email.txt", "/email.mjml"}:
            result = preview.state.result
            if result is None:
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"no successful build yet\n")
            elif path == "/email.html":
                body = result.digest.html.encode("utf-8")
                self._send(HTTPStatus.OK, body, "text/html; charset=utf-8", RAW_CSP)
            else:
                text = result.digest.text if path == "/email.txt" else result.digest.mjml
                self._send(HTTPStatus.OK, text.encode("utf-8"))
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")


# -- the server --------------------------------------------------------------------------------


@dataclass
class PreviewServer:
    """The preview server and its watcher, for `digest preview` and for tests.

    `start()` builds once, binds 127.0.0.1 (a free port unless `port`), and starts serving
    and watching in background threads; `stop()` ends both.
    """

    edition_path: Path
    port: int | None = None
    watch: bool = True
    workers: int = WORKERS  # requests answered at once; `backlog` more wait, the rest get 503
    backlog: int = BACKLOG
    offline: bool = False  # web pages from the fetch cache only
    state: PreviewState = field(default_factory=PreviewState)
    # Reads and summaries kept between rebuilds (None: every rebuild starts from nothing).
    cache: BuildCache | None = field(default_factory=BuildCache)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _stop: threading.Event = field(default_factory=threading.Event)
    _build_lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: _Server | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _watching: WatchSet | None = None
    _built_from: dict[Path, tuple[int, int]] = field(default_factory=dict)
    _ready: threading.Event = field(default_factory=threading.Event)
    last_timing: RebuildTiming | None = None

    def __post_init__(self) -> None:
        self.edition_path = self.edition_path.resolve()
        # At most half the workers wait in long-polls (one per open tab), the rest answer.
        self.long_polls = threading.BoundedSemaphore(max(1, self.workers // 2))

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://{HOST}:{self.port}/"

    def start(self) -> str:
        """Build, bind and start the threads; returns the URL."""
        if not self.edition_path.is_file():
            raise ConfigError(
                [Problem(str(self.edition_path), "", "file not found (is the path right?)")]
            )
        self.rebuild("start")
        try:
            httpd = _Server((HOST, self.port or 0), PreviewHandler)
        except OSError as error:
            raise DigestError(
                f"cannot listen on {HOST}:{self.port or 0} ({error.strerror}); "
                "choose another --port or leave it out to use a free one"
            ) from None
        httpd.preview = self
        httpd.workers, httpd.backlog = self.workers, self.backlog
        httpd.start_pool()
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._spawn("digest-preview-http", httpd.serve_forever)
        if self.watch:
            self._spawn("digest-preview-watch", self._watch_loop)
            if not self._ready.wait(READY_SECONDS):
                log.warning("the file watcher is slow to start; early edits may be missed")
        log.info("preview of %s at %s", self.edition_path, self.url)
        return self.url

    def stop(self) -> None:
        """Stop serving and watching; wakes long-polls. Safe to call twice."""
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.stop_pool()
            self._httpd.server_close()
            self._httpd = None
        for thread in self._threads:
            thread.join(JOIN_SECONDS)
        self._threads.clear()

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- building ------------------------------------------------------------------------------

    def rebuild(self, reason: str = "change", templates: bool = False) -> RebuildTiming:
        """Build in memory and publish the result (or the error, keeping the last good email).

        Sources and summaries an edit did not touch come from the cache; `templates` says a
        template changed, so compiled ones are dropped too.
        """
        with self._build_lock:
            start = time.perf_counter()
            if templates:
                forget_templates()
            loaded: LoadedEdition | None = None
            result: BuildResult | None = None
            error: str | None = None
            try:
                loaded = load_edition(self.edition_path)
                result = build_in_memory(loaded, offline=self.offline, cache=self.cache)
            except DigestError as failure:
                error = failure.message
            except Exception as failure:  # a bug in a stage must not kill the preview
                log.exception("preview build failed unexpectedly")
                error = f"unexpected {type(failure).__name__}: {failure}"
            html_ready = time.perf_counter()
            if loaded is not None or self._watching is None:
                # A failed load keeps the last watch set (it names the edition file too).
                self._watching = watch_set(self.edition_path, loaded)
            self._built_from = fingerprint(self._watching)
            previous = self.state
            good = result if result is not None else previous.result
            checks: dict[str, Any] = {"findings": [], "checks_note": None}
            if result is not None:
                findings, note = check_findings(result)
                checks = {"findings": findings, "checks_note": note}
            elif previous.result is not None:
                old = json.loads(previous.body)
                checks = {key: old.get(key) for key in ("findings", "checks_note")}
            state = PreviewState(
                version=previous.version + 1,
                result=good,
                error=error,
                build_ms=(html_ready - start) * 1000,
            )
            state.body = state_json(state, self.edition_path, checks)
            with self._changed:
                self.state = state
                self._changed.notify_all()
            published = time.perf_counter()
            if error:
                log.warning("preview build failed (%s): %s", reason, error)
            else:
                log.info("rebuilt (%s) in %.0f ms", reason, (html_ready - start) * 1000)
            self.last_timing = RebuildTiming(
                (html_ready - start) * 1000, (published - start) * 1000, error is None
            )
            return self.last_timing

    def wait_for_change(self, since: int, timeout: float) -> int:
        """The current version, waiting up to `timeout` s while it equals `since`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.state.version == since and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return self.state.version

    # -- watching ------------------------------------------------------------------------------

    def _wants(self, change: object, path: str) -> bool:
        watching = self._watching
        return watching is not None and watching.wants(Path(path))

    def _watch_loop(self) -> None:
        from watchfiles import watch

        while not self._stop.is_set():
            assert self._watching is not None
            roots = self._watching.roots()
            caught_up = False
            try:
                for changes in watch(
                    *roots,
                    watch_filter=self._wants,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    stop_event=self._stop,
                    rust_timeout=WATCH_TIMEOUT_MS,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    if not caught_up:
                        # The OS watches are in place: rebuild for anything edited before.
                        caught_up = True
                        if not changes and fingerprint(self._watching) != self._built_from:
                            self.rebuild("edited while the watcher started", templates=True)
                        self._ready.set()
                    if not changes:
                        continue
                    paths = {Path(path) for _, path in changes}
                    names = ", ".join(sorted({path.name for path in paths}))
                    self.rebuild(names, templates=any(map(self._watching.is_template, paths)))
                    if self._watching.roots() != roots:
                        break  # a new source folder: watch again with the new roots
            except Exception:  # a watched folder vanished, the OS refused a watch...
                log.exception("watching for changes failed; retrying")
                self._stop.wait(1.0)


def serve(
    edition_path: Path,
    port: int | None,
    open_browser: bool,
    on_ready: Callable[[str], None],
    *,
    offline: bool = False,
) -> None:
    """`digest preview`: serve until Ctrl-C, then stop cleanly."""
    server = PreviewServer(edition_path, port=port, offline=offline)
    try:
        url = server.start()
        on_ready(url)
        if open_browser:
            webbrowser.open(url)
        forever = threading.Event()
        while not forever.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
