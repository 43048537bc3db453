"""A hostile HTTP server on 127.0.0.1: every fetch ends inside its one deadline (plus 2 s).

Each case dribbles a different phase (the TLS handshake, the status line, the headers, the
body, redirects) or floods one (headers, a decompression bomb). The per-read timeout is set
far above the deadline, so only the single deadline for the whole fetch can end these.
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from digest.errors import SourceError
from digest.sources.fetch import FetchSettings, fetch

DEADLINE = 1.5  # seconds for the whole fetch
GRACE = 2.0  # the bar: each case ends within DEADLINE + GRACE
DRIP_EVERY = 0.2  # a byte this often keeps any per-read timeout from firing
HANDLER_LIMIT = 15.0  # the server gives up on its own after this long
SETTINGS = FetchSettings(
    allow_private=True,
    connect_timeout=10,
    read_timeout=10,  # far above DEADLINE: only the one deadline can end a dribble
    total_timeout=DEADLINE,
    max_bytes=256 * 1024,
    max_redirects=50,
)
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


def _drip(connection: socket.socket, data: bytes) -> None:
    """Send `data` one byte at a time, slowly, until done or the client hangs up."""
    started = time.monotonic()
    for byte in data:
        if time.monotonic() - started > HANDLER_LIMIT:
            return
        connection.sendall(bytes([byte]))
        time.sleep(DRIP_EVERY)


def _endless(connection: socket.socket, piece: bytes, pause: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < HANDLER_LIMIT:
        connection.sendall(piece)
        if pause:
            time.sleep(pause)


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
ROUTES: dict[str, Callable[[socket.socket, str], None]] = {
    "/slow-status": lambda c, _p: _drip(c, HEAD + b"Content-Length: 2\r\n\r\nhi"),
    "/slow-headers": lambda c, _p: (
        c.sendall(b"HTTP/1.1 200 OK\r\n"),
        _drip(c, b"X-Padding: " + b"a" * 400 + b"\r\n\r\n"),
    ),
    "/slow-body": lambda c, _p: (
        c.sendall(HEAD + b"Content-Length: 100000\r\n\r\n"),
        _drip(c, b"<p>" + b"x" * 99_997),
    ),
    "/silent": lambda c, _p: time.sleep(HANDLER_LIMIT),
    "/endless-headers": lambda c, _p: (
        c.sendall(b"HTTP/1.1 200 OK\r\n"),
        _endless(c, b"X-More: yes\r\n", 0),
    ),
    "/slow-endless-headers": lambda c, _p: (
        c.sendall(b"HTTP/1.1 200 OK\r\n"),
        _endless(c, b"X-A: 1\r\n", DRIP_EVERY),
    ),
    "/endless-chunks": lambda c, _p: (
        c.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n"),
        _endless(c, b"400\r\n" + b"y" * 1024 + b"\r\n", 0),
    ),
    "/bomb": lambda c, _p: c.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        + f"Content-Length: {len(BOMB)}\r\n\r\n".encode()
        + BOMB
    ),
}


def _redirect(connection: socket.socket, path: str, pause: float) -> None:
    """Redirect to a new address every time: /redirect/N -> /redirect/N+1, for ever."""
    number = int(path.rsplit("/", 1)[1])
    time.sleep(pause)
    connection.sendall(
        f"HTTP/1.1 302 Found\r\nLocation: /{path.split('/')[1]}/{number + 1}\r\n"
        "Content-Length: 0\r\n\r\n".encode()
    )


class HostileHandler(socketserver.BaseRequestHandler):
    """Read the request line, then misbehave as the path says."""

    def handle(self) -> None:
        connection: socket.socket = self.request
        connection.settimeout(HANDLER_LIMIT)
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                data = connection.recv(4096)
                if not data:
                    return
                request += data
            path = request.split(b" ", 2)[1].decode()
            if path.startswith("/redirect/"):
                _redirect(connection, path, 0)
            elif path.startswith("/slow-redirect/"):
                _redirect(connection, path, DEADLINE / 4)
            else:
                ROUTES[path](connection, path)
        except OSError:
            pass  # the client hung up: that is the point


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = Server(("127.0.0.1", 0), HostileHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def stalled_tls() -> Iterator[int]:
    """Accepts TCP connections and answers the TLS ClientHello with the start of a 16 KB
    handshake record, one byte at a time: the TLS layer waits for the whole record."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed at teardown
                return
            threading.Thread(target=_hold, args=(connection,), daemon=True).start()

    def _hold(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(4096)  # the ClientHello
                _drip(connection, b"\x16\x03\x03\x40\x00" + b"\x02" * 200)
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def _ends_in_time(url: str, expected: str) -> float:
    started = time.monotonic()
    with pytest.raises(SourceError, match=expected):
        fetch(url, settings=SETTINGS)
    elapsed = time.monotonic() - started
    assert elapsed <= DEADLINE + GRACE, f"{url} took {elapsed:.1f} s"
    return elapsed


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/slow-status", "took longer than 1.5 s"),
        ("/slow-headers", "took longer than 1.5 s"),
        ("/slow-endless-headers", "took longer than 1.5 s|more than 100 headers"),
        ("/slow-body", "took longer than 1.5 s"),
        ("/silent", "took longer than 1.5 s"),
    ],
)
def test_dribbling_server_is_cut_off_at_the_deadline(
    hostile: str, path: str, expected: str
) -> None:
    elapsed = _ends_in_time(f"http://{hostile}{path}", expected)
    # It is the deadline that ended it, not something earlier.
    assert elapsed >= DEADLINE - 0.1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/endless-headers", "not speak HTTP"),
        ("/endless-chunks", "larger than 262,144 bytes"),
        ("/bomb", "larger than 262,144 bytes"),
        ("/redirect/0", "more than 50 redirects"),
    ],
)
def test_flooding_server_is_refused_quickly(hostile: str, path: str, expected: str) -> None:
    _ends_in_time(f"http://{hostile}{path}", expected)


def test_stalled_tls_handshake_is_cut_off(stalled_tls: int) -> None:
    elapsed = _ends_in_time(f"https://127.0.0.1:{stalled_tls}/", "took longer than 1.5 s")
    assert elapsed >= DEADLINE - 0.1


def test_deadline_covers_every_hop_together(hostile: str) -> None:
    """Each hop is quick (DEADLINE/4), but four of them and more are not."""
    started = time.monotonic()
    with pytest.raises(SourceError, match="took longer"):
        fetch(f"http://{hostile}/slow-redirect/0", settings=SETTINGS)
    assert time.monotonic() - started <= DEADLINE + GRACE
