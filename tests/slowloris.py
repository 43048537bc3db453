"""Slow-trickling HTTP clients (slowloris) and the latency of one real request among them.

Each client opens a connection, sends a request line and then one byte of a header that never
ends, every TRICKLE_EVERY_S seconds: a server that counts any byte as activity never drops it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator

TRICKLE_EVERY_S = 1.0
REQUEST_LINE = b"GET /unsubscribe?token=preview HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
CONNECT_TIMEOUT_S = 5.0


@contextlib.contextmanager
def trickling(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections to 127.0.0.1:port, each trickling a byte a second, for the block."""
    sockets: list[socket.socket] = []
    stop = threading.Event()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_S)
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.send(REQUEST_LINE)
        sockets.append(sock)

    def trickle() -> None:
        while not stop.wait(TRICKLE_EVERY_S):
            for sock in list(sockets):
                try:
                    sock.send(b"a")
                except BlockingIOError:
                    pass  # the server is not reading it yet (still in the backlog)
                except OSError:
                    sockets.remove(sock)  # the server closed it
                    sock.close()

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield sockets
    finally:
        stop.set()
        thread.join(timeout=5)
        for sock in sockets:
            sock.close()


def request_latency(port: int, timeout: float) -> float | None:
    """Seconds until a real GET is answered (None if not within `timeout`)."""
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/unsubscribe?token=preview")
        response = connection.getresponse()
        response.read()
        return time.monotonic() - start if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


def wait_until_listening(port: int, timeout: float) -> None:
    """Return once something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")
