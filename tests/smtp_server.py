"""A real aiosmtpd server on 127.0.0.1 whose handler injects faults, for transport tests."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "digest"
PASSWORD = "s3cret-pa55word-never-shown"
# Waits in tests: long enough for a slow CI box, short enough to keep the suite fast.
SERVER_READY_TIMEOUT = 5.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What the server does after the final dot, on every message, when `after_dot` says so.
AFTER_DOT_FAULTS = ("drop", "hang", "421")


@dataclass
class FaultHandler:
    """Accepts mail, with per-recipient faults; records what it accepted.

    A message counts as received the moment its final dot arrives, whatever the server says
    next: that is what a reader would find in the mailbox.
    """

    reject: set[str] = field(default_factory=set)  # 550 at RCPT
    defer_times: dict[str, int] = field(default_factory=dict)  # 451 at RCPT this many times
    close_421: dict[str, int] = field(default_factory=dict)  # 421 + disconnect at RCPT
    drop_after_dot: dict[str, int] = field(default_factory=dict)  # accept, then drop, no 250
    after_dot: str | None = None  # "drop", "hang" or "421" after every message
    hang: float = 2.0  # how long "hang" waits before it would answer
    delay: float = 0.0  # seconds per message, to slow a send down
    pipelining: bool = True  # announce PIPELINING (aiosmtpd reads pipelined commands fine)
    received: list[tuple[str, bytes]] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            if address in self.reject:
                return "550 5.1.1 <" + address + ">: no such user here"
            if self.defer_times.get(address, 0) > 0:
                self.defer_times[address] -= 1
                return "451 4.7.1 greylisted, try again later"
            if self.close_421.get(address, 0) > 0:
                self.close_421[address] -= 1
                asyncio.get_running_loop().call_soon(server.transport.close)
                return "421 4.3.2 service shutting down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.received.append((rcpt, bytes(envelope.original_content)))
            fault = self.after_dot
            if self.drop_after_dot.get(rcpt, 0) > 0:
                self.drop_after_dot[rcpt] -= 1
                fault = "drop"
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault == "drop":
            server.transport.abort()  # the message arrived, but the 250 never does
        elif fault == "hang":
            await asyncio.sleep(self.hang)
        elif fault == "421":
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.3.0 closing after the message"
        return "250 2.0.0 queued"

    def copies(self) -> dict[str, int]:
        """How many copies each recipient received."""
        with self.lock:
            counts: dict[str, int] = {}
            for rcpt, _ in self.received:
                counts[rcpt] = counts.get(rcpt, 0) + 1
            return counts

    def count(self, address: str) -> int:
        """How many copies `address` received."""
        with self.lock:
            return sum(1 for rcpt, _ in self.received if rcpt == address)


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    """A running server and its handler."""

    host: str
    port: int
    handler: FaultHandler


@contextmanager
def smtp_server(
    handler: FaultHandler | None = None,
    *,
    tls_context: ssl.SSLContext | None = None,
    auth: bool = False,
) -> Iterator[Server]:
    """Run aiosmtpd on 127.0.0.1 for the block (plain, or STARTTLS required)."""
    handler = handler or FaultHandler()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    if auth:
        kwargs.update(
            authenticator=_authenticator,
            auth_required=True,
            auth_require_tls=tls_context is not None,
        )
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ready_timeout=SERVER_READY_TIMEOUT,
        **kwargs,
    )
    controller.start()
    try:
        yield Server("127.0.0.1", port, handler)
    finally:
        controller.stop()
