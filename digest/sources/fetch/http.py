"""The HTTP client: one bounded GET per hop, pinned to the checked address, redirects re-checked."""

from __future__ import annotations

import logging
import time
import zlib
from typing import Any
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import HTTPError as Urllib3Error

from digest.errors import SourceError
from digest.sources.fetch.policy import IPAddress, Target, parse_url, resolve_all
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

# --- the request ---------------------------------------------------------------------------


def _pool(
    target: Target, address: IPAddress, settings: FetchSettings
) -> urllib3.HTTPConnectionPool:
    """A connection pool pinned to the checked address, with TLS verified against the host."""
    timeout = urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            host=str(address),
            port=target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=settings.ca_certs,
            assert_hostname=target.host,
            server_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        host=str(address), port=target.port, timeout=timeout, retries=False
    )


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
    """Accumulates a response body, decoding gzip/deflate, within byte and time limits."""

    def __init__(self, encoding: str, url: str, settings: FetchSettings, deadline: float) -> None:
        self.url = url
        self.settings = settings
        self.deadline = deadline
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
        if time.monotonic() > self.deadline:
            raise SourceError(
                f"{self.url}: the download took longer than {self.settings.total_timeout:g} s"
            )
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


def _request(
    url: str, settings: FetchSettings, deadline: float
) -> tuple[int, dict[str, str], bytes]:
    """One GET without following redirects: status, headers (lower-case names), decoded body."""
    target = parse_url(url)
    addresses = resolve_all(target.host, target.port, allow_private=settings.allow_private)
    headers = {
        "Host": target.host_header,
        "User-Agent": settings.user_agent,
        "Accept": IMAGE_ACCEPT if settings.mode == "image" else ACCEPT,
        "Accept-Encoding": "gzip, deflate",
    }
    pool: urllib3.HTTPConnectionPool | None = None
    try:
        pool, response = _connect(target, addresses, headers, settings)
        try:
            answer = {name.lower(): value for name, value in response.headers.items()}
            if response.status in REDIRECT_STATUSES:
                return response.status, answer, b""
            if response.status != 200:
                reason = response.reason or ""
                raise SourceError(f"{url}: the server answered {response.status} {reason}".rstrip())
            kind, _charset = _content_type(answer.get("content-type"))
            if settings.mode == "image":
                if kind not in IMAGE_TYPES:  # an image must say what it is
                    raise SourceError(f"{url}: the server sent {kind}, not an image")
            elif kind is not None and kind not in READABLE_TYPES:
                raise SourceError(f"{url}: the server sent {kind}, not a web page or feed")
            length = answer.get("content-length", "")
            if length.isdigit() and int(length) > settings.max_bytes:
                raise SourceError(
                    f"{url}: the response is larger than {settings.max_bytes:,} bytes"
                )
            body = _BodyReader(
                answer.get("content-encoding", "").strip().lower(), url, settings, deadline
            )
            while True:
                chunk = response.read1(READ_CHUNK)
                if not chunk:
                    break
                body.feed(chunk)
            return response.status, answer, body.finish()
        finally:
            response.release_conn()
            response.close()
    except SourceError:
        raise
    except Urllib3Error as error:
        raise SourceError(f"{url}: {_describe(error)}") from None
    except OSError as error:
        raise SourceError(f"{url}: the connection failed ({error})") from None
    finally:
        if pool is not None:
            pool.close()


def _connect(
    target: Target, addresses: list[IPAddress], headers: dict[str, str], settings: FetchSettings
) -> tuple[urllib3.HTTPConnectionPool, Any]:
    """Send the GET to the first checked address that accepts a connection (IPv6 may not)."""
    for index, address in enumerate(addresses):
        log.debug("GET %s://%s%s via %s", target.scheme, target.host_header, target.path, address)
        pool = _pool(target, address, settings)
        try:
            response = pool.urlopen(
                "GET",
                target.path,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
            )
        except (NewConnectionError, ConnectTimeoutError):
            pool.close()
            if index == len(addresses) - 1:
                raise
            log.debug("%s did not accept the connection; trying the next address", address)
            continue
        return pool, response
    raise AssertionError("resolve_all never returns an empty list")


def _describe(error: Exception) -> str:
    """A person-readable reason for a urllib3 failure."""
    text = str(error)
    name = type(error).__name__
    if "Timeout" in name or "timed out" in text:
        return "the server did not answer in time"
    if "SSL" in name or "certificate" in text.lower():
        return f"the secure connection failed ({text})"
    if "NewConnectionError" in name or "refused" in text.lower():
        return "the connection was refused or the server is unreachable"
    if "ProtocolError" in name:
        return f"the server broke the connection ({text})"
    return f"the request failed ({text})"


def fetch_network(url: str, settings: FetchSettings) -> FetchResult:
    """Fetch from the network, following and re-checking each redirect."""
    deadline = time.monotonic() + settings.total_timeout
    current = url
    seen = {current}
    for _hop in range(settings.max_redirects + 1):
        status, headers, body = _request(current, settings, deadline)
        if status not in REDIRECT_STATUSES:
            kind, charset = _content_type(headers.get("content-type"))
            return FetchResult(url, current, body, kind, charset)
        location = headers.get("location")
        if not location:
            raise SourceError(f"{current}: the server redirected ({status}) without a Location")
        following = urljoin(current, location.strip())
        if following in seen:
            raise SourceError(f"{url}: redirect loop ({current} -> {following})")
        log.debug("%s redirects to %s", current, following)
        seen.add(following)
        current = following
    raise SourceError(f"{url}: more than {settings.max_redirects} redirects")
