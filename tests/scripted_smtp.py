"""A raw-socket SMTP server on 127.0.0.1 that stalls, or trickles a byte at a time, one phase.

aiosmtpd answers whole replies; to test that every reply has a deadline we need a server that
sends "2", waits, "5", waits, "0"... This one speaks just enough SMTP for one transaction.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PHASES = ("greeting", "ehlo", "mail", "rcpt", "data", "dot")
REPLIES = {
    "greeting": b"220 scripted.example.org ESMTP ready for the slow test\r\n",
    "ehlo": b"250-scripted.example.org at your service\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
    "mail": b"250 2.1.0 sender accepted, take your time\r\n",
    "rcpt": b"250 2.1.5 recipient accepted, take your time\r\n",
    "data": b"354 end data with <CR><LF>.<CR><LF>, take your time\r\n",
    "dot": b"250 2.0.0 queued as 0123456789ABCDEF, take your time\r\n",
}
ACCEPT_TIMEOUT = 0.2
READ_BYTES = 65_536


@dataclass
class Script:
    """Which phase misbehaves and how: "stall" (say nothing) or "trickle" (a byte at a time)."""

    phase: str
    mode: str
    trickle_every: float = 0.25
    received: int = 0  # messages whose final dot arrived
    stop: threading.Event = field(default_factory=threading.Event)


def _reply(conn: socket.socket, script: Script, phase: str) -> None:
    data = REPLIES[phase]
    if phase != script.phase:
        conn.sendall(data)
    elif script.mode == "stall":
        script.stop.wait()
    else:
        for byte in data:
            if script.stop.wait(script.trickle_every):
                return
            conn.sendall(bytes([byte]))


def _session(conn: socket.socket, script: Script) -> None:
    buffer = b""

    def line() -> bytes | None:
        nonlocal buffer
        while b"\r\n" not in buffer:
            chunk = conn.recv(READ_BYTES)
            if not chunk:
                return None
            buffer += chunk
        first, _, buffer = buffer.partition(b"\r\n")
        return first

    with conn:
        try:
            _reply(conn, script, "greeting")
            while (command := line()) is not None:
                verb = command[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    _reply(conn, script, "ehlo")
                elif verb == b"MAIL":
                    _reply(conn, script, "mail")
                elif verb == b"RCPT":
                    _reply(conn, script, "rcpt")
                elif verb == b"DATA":
                    _reply(conn, script, "data")
                    while b"\r\n.\r\n" not in b"\r\n" + buffer:
                        chunk = conn.recv(READ_BYTES)
                        if not chunk:
                            return
                        buffer += chunk
                    buffer = (b"\r\n" + buffer).split(b"\r\n.\r\n", 1)[1]
                    script.received += 1
                    _reply(conn, script, "dot")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            return


@contextmanager
def scripted_server(phase: str, mode: str) -> Iterator[tuple[int, Script]]:
    """Serve on a free port for the block; yields (port, script)."""
    script = Script(phase, mode)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(ACCEPT_TIMEOUT)
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not script.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=_session, args=(conn, script), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1], script
    finally:
        script.stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for thread in threads:
            thread.join(timeout=5)
