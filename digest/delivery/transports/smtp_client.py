"""smtplib with two things it lacks: a deadline for every reply, and PIPELINING.

smtplib's socket timeout bounds each `recv`, so a server that trickles a byte every few seconds
can hold a reply open for ever. Here every reply (the greeting, EHLO, each command, and the one
after the final dot) must be complete within `reply_timeout` seconds. Connecting, TLS and
logging in stay smtplib's, which is well tested.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time

# smtplib's own bound on one reply line.
MAX_REPLY_LINE = 8192
RECV_BYTES = 65_536
# A reply's first read waits the socket's own timeout (= the reply deadline); only a reply
# that arrives in pieces needs the timeout changed, which costs system calls.
DEADLINE_RESOLUTION = 0.01
# The reply codes of one SMTP command.
OK = 250
WILL_FORWARD = 251
START_DATA = 354
SERVICE_CLOSING = 421
_ANY_LINE_END = re.compile(rb"\r\n|\r|\n")


class ReplyTimeout(TimeoutError):
    """The server did not finish a reply within the deadline."""


class _DeadlineReplies(smtplib.SMTP):
    """Replies read from the socket directly, each bounded by one deadline."""

    reply_timeout: float = 30.0
    _inbox: bytearray
    _inbox_socket: socket.socket | None = None
    _host: str  # smtplib's own attribute: the name TLS certificates are checked against

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        # The final dot is a 3-byte write after the body: without this, Nagle's algorithm
        # holds it until the server acknowledges the body (up to a delayed-ACK timeout).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock  # type: ignore[no-any-return]

    def getreply(self) -> tuple[int, bytes]:
        """One complete reply (all its lines) within `reply_timeout` seconds."""
        deadline = time.monotonic() + self.reply_timeout
        lines: list[bytes] = []
        while True:
            line = self._readline(deadline)
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
        return code, b"\n".join(lines)

    def _readline(self, deadline: float) -> bytes:
        sock = self.sock
        if sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        if self._inbox_socket is not sock:
            # A new socket (connect, or STARTTLS): bytes read before it are never replies to
            # what is said over it (the STARTTLS command-injection attack).
            self._inbox, self._inbox_socket = bytearray(), sock
        shortened = False
        try:
            while (end := self._inbox.find(b"\n")) < 0:
                if len(self._inbox) > MAX_REPLY_LINE:
                    self.close()
                    raise smtplib.SMTPResponseException(500, b"Line too long.")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ReplyTimeout(f"no complete reply within {self.reply_timeout:g} s")
                if remaining < self.reply_timeout - DEADLINE_RESOLUTION:
                    # A reply that comes in pieces: the next piece gets only what is left.
                    sock.settimeout(remaining)
                    shortened = True
                try:
                    chunk = sock.recv(RECV_BYTES)
                except TimeoutError:
                    raise ReplyTimeout(
                        f"no complete reply within {self.reply_timeout:g} s"
                    ) from None
                if not chunk:
                    self.close()
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                self._inbox += chunk
        finally:
            if shortened and self.sock is not None:
                self.sock.settimeout(self.timeout)  # sends keep the plain socket timeout
        line = bytes(self._inbox[: end + 1])
        del self._inbox[: end + 1]
        return line


class Client(_DeadlineReplies):
    """A plain or STARTTLS connection."""


class TlsClient(_DeadlineReplies, smtplib.SMTP_SSL):
    """A connection that is TLS from the first byte (port 465)."""


def new_client(
    host: str,
    *,
    tls: bool,
    timeout: float,
    local_hostname: str | None,
    context: ssl.SSLContext | None,
) -> Client | TlsClient:
    """A client for `host`, not connected yet: connect() reads the greeting with the deadline."""
    client: Client | TlsClient
    if tls:
        client = TlsClient(timeout=timeout, local_hostname=local_hostname, context=context)
    else:
        client = Client(timeout=timeout, local_hostname=local_hostname)
    client.reply_timeout = timeout
    # smtplib learns the host name for certificate checks only when __init__ connects, which
    # would read the greeting before the deadline is set; tell it here instead.
    client._host = host
    return client


def data_body(message: bytes) -> bytes:
    """The DATA payload without the final dot: CRLF line ends, leading dots doubled."""
    crlf = message.count(b"\r\n")
    if message.count(b"\n") != crlf or message.count(b"\r") != crlf:
        message = _ANY_LINE_END.sub(b"\r\n", message)
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    # With every line ending in CRLF, a line starting with a dot follows "\r\n" (or starts the
    # message): a plain replace does what a multiline regex would, about ten times faster.
    if b"\r\n." in message:
        message = message.replace(b"\r\n.", b"\r\n..")
    if message.startswith(b"."):
        message = b"." + message
    return message
