"""One deadline for a whole fetch: connect, TLS, request, headers and body.

Socket timeouts bound one wait each: a server that sends a header byte every two seconds
never trips a 20-second read timeout and can hold a fetch for ever. Here every wait gets
whatever is left of the fetch's deadline (and at most the per-wait timeout), so the fetch
ends by the deadline however the server dribbles.
"""

from __future__ import annotations

import io
import socket
import time
from typing import Any


class DeadlinePassed(TimeoutError):
    """The fetch's deadline passed before the server finished."""


class Deadline:
    """A point in time (monotonic clock) that a fetch must finish by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; zero or less when passed."""
        return self.end - time.monotonic()

    def passed(self) -> bool:
        """True once the deadline is over."""
        return self.left() <= 0

    def wait(self, longest: float) -> float:
        """The timeout for the next wait: what is left, at most `longest`; raise if nothing is."""
        left = self.left()
        if left <= 0:
            raise DeadlinePassed(f"the deadline of {self.seconds:g} s passed")
        return min(longest, left)


class _DeadlineReader(io.RawIOBase):
    """The raw byte stream of a socket in which each receive waits only until the deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline, longest: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        self._longest = longest

    def readable(self) -> bool:
        """A socket is read from."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Receive into `buffer`, waiting at most until the deadline."""
        self._sock.settimeout(self._deadline.wait(self._longest))
        return self._sock.recv_into(buffer)


class DeadlineSocket:
    """The parts of a socket http.client uses, each bounded by the fetch's deadline.

    `longest` bounds a single wait (the read timeout); the deadline bounds them all.
    """

    def __init__(self, sock: socket.socket, deadline: Deadline, longest: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._longest = longest

    def sendall(self, data: bytes) -> None:
        """Send the request (CPython applies the timeout to the whole sendall)."""
        self._sock.settimeout(self._deadline.wait(self._longest))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        """A buffered reader whose every receive respects the deadline."""
        if mode != "rb":
            raise ValueError("only reading is supported")
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline, self._longest))

    def close(self) -> None:
        """Nothing: http.client "closes" the connection while the body is still being read
        from the file it made; whoever opened the socket closes it when done."""


def connect(address: str, port: int, deadline: Deadline, longest: float) -> socket.socket:
    """A TCP connection to `address`, waiting at most `longest` and never past the deadline."""
    return socket.create_connection((address, port), timeout=deadline.wait(longest))
