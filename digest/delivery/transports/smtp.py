"""SMTP delivery: one reused connection, one transaction per recipient, verified TLS.

Every reply has a deadline (`[delivery] timeout`), including the one after the final dot.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.config import Delivery
from digest.delivery.transports import (
    ConnectionLost,
    FatalTransportError,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
)
from digest.delivery.transports.smtp_client import (
    OK,
    SERVICE_CLOSING,
    START_DATA,
    WILL_FORWARD,
    Client,
    TlsClient,
    data_body,
    new_client,
)
from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

GREETING = 220
# Server replies are shown to people; cut long ones so a report stays readable.
MAX_REPLY_CHARS = 300
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to connect; the password is held here and never shown."""

    host: str
    port: int
    security: str  # "starttls" | "tls" | "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    reconnect_every: int = 500
    ssl_context: ssl.SSLContext | None = None  # None: the system's trusted certificates
    local_hostname: str | None = None

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        return f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r})"


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback IP addresses (no DNS lookup)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cannot_connect(error: OSError | smtplib.SMTPException, s: SmtpSettings) -> str:
    """One sentence: what went wrong reaching the relay, and which setting to change."""
    where = f"{s.host}:{s.port}"
    settings = "[delivery] host and port in digest.toml (or --smtp-host, --smtp-port)"
    if isinstance(error, socket.gaierror):
        return (
            f"the SMTP host {s.host!r} cannot be found ({error.strerror or error}): check "
            "[delivery] host in digest.toml (or --smtp-host)"
        )
    if isinstance(error, ConnectionRefusedError):
        return (
            f"nothing accepts SMTP connections at {where} (connection refused): is the relay "
            f"running? Check {settings}"
        )
    if isinstance(error, TimeoutError):
        return (
            f"the SMTP server {where} did not answer within {s.timeout:g} s: check {settings}, "
            "or raise [delivery] timeout"
        )
    reason = (error.strerror if isinstance(error, OSError) else None) or _words(error)
    return f"cannot connect to the SMTP server {where} ({reason}): check {settings}"


def _words(error: BaseException) -> str:
    return str(error) or error.__class__.__name__


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"[:MAX_REPLY_CHARS]


class SmtpTransport:
    """Keeps one connection open and reconnects after N messages or when told to."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.security not in ("starttls", "tls", "none"):
            raise DigestError(
                f"unknown SMTP security {settings.security!r}", exit_code=ExitCode.CONFIG
            )
        if settings.security == "none" and not is_loopback(settings.host):
            raise DigestError(
                f"SMTP security 'none' is only allowed towards this machine, not {settings.host}; "
                "use starttls or tls",
                exit_code=ExitCode.CONFIG,
            )
        if settings.username and not settings.password:
            raise DigestError(
                f"SMTP user {settings.username!r} is set but its password is not (set the "
                "environment variable named by password_env)",
                exit_code=ExitCode.CONFIG,
            )
        self.settings = settings
        self._smtp: Client | TlsClient | None = None
        self._since_connect = 0
        self._size_limit = False
        self.pipelining = False

    def _context(self) -> ssl.SSLContext:
        return self.settings.ssl_context or ssl.create_default_context()

    def open(self) -> None:
        """Connect, secure and log in; a refusal to log in or a TLS failure is fatal."""
        self.close()
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            smtp = new_client(
                s.host,
                tls=s.security == "tls",
                timeout=s.timeout,
                local_hostname=s.local_hostname,
                context=self._context() if s.security == "tls" else None,
            )
            self._smtp = smtp
            code, greeting = smtp.connect(s.host, s.port)
            if code != GREETING:
                raise smtplib.SMTPConnectError(code, greeting)
            smtp.ehlo_or_helo_if_needed()  # HELO for the rare server without ESMTP
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise FatalTransportError(f"the SMTP server {where} does not offer STARTTLS")
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except ssl.SSLError as error:
            self.close()
            raise FatalTransportError(
                f"TLS with {where} failed ({error.reason or error.__class__.__name__}); "
                "the server's certificate is not trusted or TLS is misconfigured"
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise FatalTransportError(
                f"the SMTP server {where} refused the login for user {s.username!r}: "
                f"{_reply(error.smtp_code, error.smtp_error)}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            self.close()
            raise FatalTransportError(f"the SMTP server {where} does not support login") from None
        except smtplib.SMTPResponseException as error:
            self.close()
            said = f"the SMTP server {where} said {_reply(error.smtp_code, error.smtp_error)}"
            if error.smtp_code == SERVICE_CLOSING or 400 <= error.smtp_code < 500:
                raise ConnectionLost(said, code=error.smtp_code) from None
            raise FatalTransportError(said, code=error.smtp_code) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise ConnectionLost(cannot_connect(error, s)) from None
        self._since_connect = 0
        self.pipelining = smtp.has_extn("pipelining")
        self._size_limit = smtp.has_extn("size")
        logger.debug("connected to %s (pipelining %s)", where, self.pipelining)

    def send(
        self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None]
    ) -> None:
        """One SMTP transaction (MAIL, RCPT, DATA) for one recipient.

        MAIL, RCPT and DATA go in one write when the server offers PIPELINING. The body is sent
        before the journal is asked (`before_data`), but the final dot only after: a message
        without its dot is discarded by the server, so a crash before it delivers nothing.
        """
        if self._smtp is None or self._since_connect >= self.settings.reconnect_every:
            self.open()
        smtp = self._smtp
        assert smtp is not None
        mail = f"MAIL FROM:<{sender}>" + (f" SIZE={len(data)}" if self._size_limit else "")
        commands = (mail, f"RCPT TO:<{recipient}>", "DATA")
        try:
            if self.pipelining:
                smtp.send("".join(f"{command}\r\n" for command in commands))
                replies = [smtp.getreply() for _ in commands]
            else:
                replies = []
                for command in commands:
                    smtp.send(f"{command}\r\n")
                    replies.append(smtp.getreply())
                    if replies[-1][0] not in (OK, WILL_FORWARD, START_DATA):
                        break
            self._check_envelope(replies)
            smtp.send(data_body(data))
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise ConnectionLost(f"the connection failed: {_words(error)}") from None
        try:
            before_data()
        except BaseException:
            self._drop()  # the server discards a message whose final dot never came
            raise
        try:
            smtp.send(b".\r\n")
            code, message = smtp.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise OutcomeUnknown(f"no answer after the message was sent: {_words(error)}") from None
        self._since_connect += 1
        if code == OK:
            return
        if code == SERVICE_CLOSING:
            self._drop()
            raise OutcomeUnknown(f"after the message: {_reply(code, message)}", code=code)
        self._refused("after the message", code, message)

    def _check_envelope(self, replies: list[tuple[int, bytes]]) -> None:
        """Raise for the first refused command of MAIL, RCPT, DATA; None if all went well."""
        stages = ("MAIL FROM", "RCPT TO", "DATA")
        expected = ((OK,), (OK, WILL_FORWARD), (START_DATA,))
        for index, (code, message) in enumerate(replies):
            if code in expected[index]:
                continue
            if len(replies) == len(stages) and replies[2][0] == START_DATA:
                # A pipelined DATA was accepted although the envelope failed: end the empty
                # message (it has no recipient, so nothing is delivered), then refuse.
                assert self._smtp is not None
                self._smtp.send(b".\r\n")
                self._smtp.getreply()
            self._refused(stages[index], code, message, sender_stage=index == 0)
        if len(replies) != len(stages):  # pragma: no cover - _refused always raises
            raise ConnectionLost("the server ended the transaction early")

    def _refused(
        self, stage: str, code: int, message: bytes | str, sender_stage: bool = False
    ) -> None:
        words = f"{stage}: {_reply(code, message)}"
        if code == SERVICE_CLOSING:
            self._drop()
            raise ConnectionLost(words, code=code)
        self._reset()
        if 400 <= code < 500:
            raise TemporaryFailure(words, code=code)
        if sender_stage:  # the sender refused: every recipient would fail the same way
            raise FatalTransportError(f"the server refused the sender: {words}", code=code)
        raise PermanentFailure(words, code=code)

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None

    def close(self) -> None:
        """QUIT if connected; never raises."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            with contextlib.suppress(OSError):
                smtp.close()


def create(delivery: Delivery, root: Path, environ: Mapping[str, str]) -> SmtpTransport:
    """The smtp transport from [delivery]; the password from its environment variable."""
    del root  # paths are not used by SMTP
    password = environ.get(delivery.password_env) if delivery.username else None
    return SmtpTransport(
        SmtpSettings(
            host=delivery.host,
            port=delivery.port,
            security=delivery.security,
            username=delivery.username,
            password=password,
            timeout=delivery.timeout,
            reconnect_every=delivery.reconnect_every,
        )
    )
