"""The HTTP client: one GET per hop, pinned to the checked address, one deadline per fetch.

http.client speaks HTTP over a socket we open ourselves: to the address the policy checked
(no second DNS lookup an attacker could answer differently), with TLS verified against the
host name, and with every wait bounded by what is left of the fetch's one deadline.
"""

from __future__ import annotations

import errno
import functools
import http.client
import logging
import socket
import ssl
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from digest.config.access import HostAllowList
from digest.errors import SourceError
from digest.sources.fetch.deadline import Deadline, DeadlineSocket, connect
from digest.sources.fetch.policy import (
    HostUnreachable,
    IPAddress,
    Target,
    listed,
    parse_url,
    resolve_all,
)
from digest.sources.fetch.settings import (
    ACCEPT,
    IMAGE_ACCEPT,
    IMAGE_TYPES,
    READ_CHUNK,
    READABLE_TYPES,
    REDIRECT_STATUSES,
    FetchResult,
    FetchSettings,
)

log = logging.getLogger(__name__)

# Connection failures that mean nobody answers there, rather than a server that broke off.
_UNREACHABLE = frozenset(
    {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}
)

# --- the connection ------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _tls_context(ca_certs: str | None) -> ssl.SSLContext:
    """Certificates and host names verified; made once (loading the CA store takes a while)."""
    return ssl.create_default_context(cafile=ca_certs)


def _open(
    target: Target, address: IPAddress, settings: FetchSettings, deadline: Deadline
) -> socket.socket:
    """A connected socket to the checked address; for https, TLS verified against the host."""
    sock = connect(str(address), target.port, deadline, settings.connect_timeout)
    if target.scheme != "https":
        return sock
    try:
        # CPython applies a socket's timeout to the whole handshake, not to each read.
        sock.settimeout(deadline.wait(settings.read_timeout))
        return _tls_context(settings.ca_certs).wrap_socket(sock, server_hostname=target.host)
    except BaseException:
        sock.close()
        raise


def _connect(
    target: Target, addresses: list[IPAddress], settings: FetchSettings, deadline: Deadline
) -> socket.socket:
    """Connect to the first checked address that accepts (a name's IPv6 address may not)."""
    for index, address in enumerate(addresses):
        log.debug("GET %s://%s%s via %s", target.scheme, target.host_header, target.path, address)
        try:
            return _open(target, address, settings, deadline)
        except OSError as error:  # refused, unreachable, timed out
            if isinstance(error, ssl.SSLError) or index == len(addresses) - 1 or deadline.passed():
                raise
            log.debug("%s did not accept the connection (%s); trying the next", address, error)
    raise AssertionError("resolve_all never returns an empty list")


def _decoder(encoding: str, url: str) -> Any:
    """A zlib decompressor for a Content-Encoding, or None for identity."""
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return "deflate"  # zlib-wrapped or raw; decided on the first bytes
    raise SourceError(f"{url}: the server used an unsupported content encoding {encoding!r}")


class _BodyReader:
    """Accumulates a response body, decoding gzip/deflate, within the byte limit (the socket
    keeps the time limit)."""

    def __init__(self, encoding: str, url: str, settings: FetchSettings) -> None:
        self.url = url
        self.settings = settings
        self.decoder = _decoder(encoding, url)
        self.raw_bytes = 0
        self.out = bytearray()

    def _too_large(self) -> SourceError:
        return SourceError(
            f"{self.url}: the response is larger than {self.settings.max_bytes:,} bytes"
        )

    def feed(self, chunk: bytes) -> None:
        """Take one chunk from the wire."""
        self.raw_bytes += len(chunk)
        if self.raw_bytes > self.settings.max_bytes:
            raise self._too_large()
        if self.decoder == "deflate":
            # "deflate" is zlib-wrapped by the standard, raw in some servers: look at byte 1.
            wbits = zlib.MAX_WBITS if chunk[:1] and chunk[0] & 0x0F == 8 else -zlib.MAX_WBITS
            self.decoder = zlib.decompressobj(wbits)
        if self.decoder is None:
            self.out += chunk
        else:
            self._inflate(chunk)
        if len(self.out) > self.settings.max_bytes:
            raise self._too_large()

    def _inflate(self, chunk: bytes) -> None:
        """Decompress without ever holding more than the limit (max_length bounds each step)."""
        data = chunk
        while data:
            room = self.settings.max_bytes + 1 - len(self.out)
            try:
                self.out += self.decoder.decompress(data, room)
            except zlib.error as error:
                raise SourceError(
                    f"{self.url}: the compressed response is corrupt ({error})"
                ) from None
            if len(self.out) > self.settings.max_bytes:
                raise self._too_large()
            data = self.decoder.unconsumed_tail

    def finish(self) -> bytes:
        """The whole decoded body."""
        if self.decoder not in (None, "deflate"):
            self.out += self.decoder.flush()
            if len(self.out) > self.settings.max_bytes:
                raise self._too_large()
        return bytes(self.out)


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    """('text/html', 'utf-8') from a Content-Type header."""
    if not header:
        return None, None
    kind, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return kind.strip().lower() or None, charset


@dataclass(frozen=True, slots=True)
class _Answer:
    """One hop's answer, and whether its host was one the editor opted in."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    listed: bool


def _request(
    url: str, settings: FetchSettings, deadline: Deadline, allow: HostAllowList
) -> _Answer:
    """One GET without following redirects: status, headers and the decoded body."""
    target = parse_url(url)
    addresses = resolve_all(
        target.host,
        target.port,
        allow_private=settings.allow_private,
        allow=allow,
        withdrawn=settings.allow if allow is not settings.allow else HostAllowList(),
        # The lookup is part of connecting: the connect timeout, never past the deadline.
        timeout=min(settings.connect_timeout, deadline.left()),
    )
    opted_in = listed(target.host, addresses, allow)
    headers = {
        "Host": target.host_header,
        "User-Agent": settings.user_agent,
        "Accept": IMAGE_ACCEPT if settings.mode == "image" else ACCEPT,
        "Accept-Encoding": "gzip, deflate",
        "Connection": "close",
    }
    connection = http.client.HTTPConnection(target.host, target.port)
    sock: socket.socket | None = None
    try:
        sock = _connect(target, addresses, settings, deadline)
        # http.client never connects by itself: it talks over our socket, deadline and all.
        connection.sock = DeadlineSocket(sock, deadline, settings.read_timeout)
        connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        answer = {name.lower(): value for name, value in response.getheaders()}
        if response.status in REDIRECT_STATUSES:
            return _Answer(response.status, answer, b"", opted_in)
        _check_answer(url, response, answer, settings)
        body = _BodyReader(answer.get("content-encoding", "").strip().lower(), url, settings)
        while chunk := response.read1(READ_CHUNK):
            body.feed(chunk)
        return _Answer(response.status, answer, body.finish(), opted_in)
    except SourceError:
        raise
    except (OSError, http.client.HTTPException) as error:
        unreachable = isinstance(error, TimeoutError) or (
            isinstance(error, OSError) and error.errno in _UNREACHABLE
        )
        kind = HostUnreachable if unreachable else SourceError
        raise kind(f"{url}: {_describe(error, deadline)}") from None
    finally:
        connection.close()
        if sock is not None:
            sock.close()


def _check_answer(
    url: str, response: http.client.HTTPResponse, answer: dict[str, str], settings: FetchSettings
) -> None:
    """Refuse an error status, a type no reader can use, or an announced oversize body."""
    if response.status != 200:
        raise SourceError(
            f"{url}: the server answered {response.status} {response.reason}".rstrip()
        )
    kind, _charset = _content_type(answer.get("content-type"))
    if settings.mode == "image":
        if kind not in IMAGE_TYPES:  # an image must say what it is
            raise SourceError(f"{url}: the server sent {kind}, not an image")
    elif kind is not None and kind not in READABLE_TYPES:
        raise SourceError(f"{url}: the server sent {kind}, not a web page or feed")
    length = answer.get("content-length", "")
    if length.isdigit() and int(length) > settings.max_bytes:
        raise SourceError(f"{url}: the response is larger than {settings.max_bytes:,} bytes")


def _describe(error: Exception, deadline: Deadline) -> str:
    """A person-readable reason for a failed request."""
    if isinstance(error, TimeoutError):
        if deadline.passed():
            return (
                f"the server took longer than {deadline.seconds:g} s to answer "
                "(one deadline covers connecting, the headers and the body)"
            )
        return "the server did not answer in time"
    if isinstance(error, ssl.SSLError):
        return f"the secure connection failed ({error})"
    if isinstance(error, OSError) and error.errno in _UNREACHABLE:
        return "the connection was refused or the server is unreachable"
    if isinstance(error, http.client.HTTPException | ConnectionError):
        name = type(error).__name__
        return f"the server broke the connection or did not speak HTTP ({name}: {error})"
    return f"the request failed ({error})"


def fetch_network(url: str, settings: FetchSettings) -> FetchResult:
    """Fetch from the network, following and re-checking each redirect, within one deadline."""
    deadline = Deadline(settings.total_timeout)
    current = url
    seen = {current}
    # Opted-in hosts are reachable only along a chain of opted-in hosts: once a hop is on
    # the public web, a redirect from it never leads into a private network.
    allow = settings.allow
    for _hop in range(settings.max_redirects + 1):
        answer = _request(current, settings, deadline, allow)
        if not answer.listed:
            allow = HostAllowList()
        if answer.status not in REDIRECT_STATUSES:
            kind, charset = _content_type(answer.headers.get("content-type"))
            return FetchResult(url, current, answer.body, kind, charset)
        location = answer.headers.get("location")
        if not location:
            raise SourceError(
                f"{current}: the server redirected ({answer.status}) without a Location"
            )
        following = urljoin(current, location.strip())
        if following in seen:
            raise SourceError(f"{url}: redirect loop ({current} -> {following})")
        log.debug("%s redirects to %s", current, following)
        seen.add(following)
        current = following
    raise SourceError(f"{url}: more than {settings.max_redirects} redirects")
