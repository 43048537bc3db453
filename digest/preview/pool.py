"""A fixed pool of threads for the preview's HTTP server, instead of one thread per connection.

At most `workers` connections are answered at once and `backlog` more wait their turn; any
connection beyond that gets an immediate 503 with Retry-After, so a runaway client (or a
hundred open tabs) costs a bounded number of threads. Written here rather than with
`concurrent.futures`: its threads are not daemons and are joined at exit, so a browser's idle
pre-connected socket would hold `digest preview` open for the socket timeout after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import socketserver
import threading
from typing import Any

log = logging.getLogger(__name__)

# Requests the page makes at once: the long-poll, /state.json and a raw part or two, times a
# few open tabs. Answers are from memory and take milliseconds.
WORKERS = 8
# Accepted connections that wait for a free worker before new ones are turned away.
BACKLOG = 32
# A stop that finds a worker busy waits this long for it.
JOIN_SECONDS = 5.0
BUSY_BODY = b"the preview server is busy; try again in a second\n"
BUSY_RESPONSE = (
    b"HTTP/1.0 503 Service Unavailable\r\n"
    b"Retry-After: 1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Cache-Control: no-store\r\n"
    b"X-Content-Type-Options: nosniff\r\n"
    b"Connection: close\r\n"
    b"Content-Length: " + str(len(BUSY_BODY)).encode() + b"\r\n\r\n" + BUSY_BODY
)
# Sending the 503 must not stall the thread that accepts connections.
REFUSE_TIMEOUT_SECONDS = 0.5
DRAIN_BYTES = 65_536


class BoundedPoolMixIn(socketserver.BaseServer):
    """Mixed in before a socketserver server: requests run on `workers` daemon threads.

    Call `start_pool()` before serving and `stop_pool()` after `shutdown()`.
    """

    workers: int = WORKERS
    backlog: int = BACKLOG
    _waiting: queue.Queue[tuple[socket.socket, Any] | None]
    _threads: list[threading.Thread]
    _active: set[socket.socket]
    _active_lock: threading.Lock

    def start_pool(self) -> None:
        """Start the worker threads."""
        self._waiting = queue.Queue(maxsize=self.backlog)
        self._active = set()
        self._active_lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, name=f"digest-preview-worker-{n}", daemon=True)
            for n in range(1, self.workers + 1)
        ]
        for thread in self._threads:
            thread.start()

    def stop_pool(self) -> None:
        """Turn away waiting connections, cut the ones in progress, and end the threads."""
        while True:
            try:
                waiting = self._waiting.get_nowait()
            except queue.Empty:
                break
            if waiting is not None:
                self.shutdown_request(waiting[0])
        with self._active_lock:
            for request in self._active:
                _cut(request)  # a worker blocked reading an idle socket wakes at once
        for _ in self._threads:
            self._waiting.put(None)
        for thread in self._threads:
            thread.join(JOIN_SECONDS)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Queue the connection for a worker, or answer 503 at once when the queue is full."""
        try:
            self._waiting.put_nowait((request, client_address))
        except queue.Full:
            log.info("preview busy: turned away %s", client_address)
            self._refuse(request)

    def _work(self) -> None:
        while (item := self._waiting.get()) is not None:
            request, client_address = item
            with self._active_lock:
                self._active.add(request)
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                with self._active_lock:
                    self._active.discard(request)
                self.shutdown_request(request)

    def _refuse(self, request: socket.socket) -> None:
        try:
            request.settimeout(REFUSE_TIMEOUT_SECONDS)
            _drain(request)  # unread input would make close() reset the connection
            request.sendall(BUSY_RESPONSE)
            _drain(request)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)


def _drain(request: socket.socket) -> None:
    """Read what the client already sent, without waiting for more."""
    timeout = request.gettimeout()
    request.setblocking(False)
    try:
        while request.recv(DRAIN_BYTES):
            pass
    except OSError:
        pass
    finally:
        request.settimeout(timeout)


def _cut(request: socket.socket) -> None:
    with contextlib.suppress(OSError):
        request.shutdown(socket.SHUT_RDWR)
