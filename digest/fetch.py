"""All network access: fetch one URL safely (public addresses only, bounded), with a disk cache."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import socket
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import HTTPError as Urllib3Error

from digest.atomic import write_atomic
from digest.errors import SourceError

log = logging.getLogger(__name__)

USER_AGENT = "digest/0.1 (+https://github.com/digest-newsletter/digest)"
# Long enough for a slow news site, short enough that a dead host doesn't stall a build.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
# A slow-drip server can keep each read under READ_TIMEOUT forever; this caps the whole fetch.
TOTAL_TIMEOUT = 60.0
# Real article pages are well under 5 MB; more is a download, not an article. Applies to the
# bytes on the wire and again to the bytes after gzip/deflate decoding (decompression bombs).
MAX_BYTES = 10 * 1024 * 1024
# Browsers allow 20; news sites rarely chain more than 3 (http -> https -> www -> canonical).
MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# What a reader can use: pages, feeds, text; anything else (images, PDFs) is refused early.
READABLE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "text/plain",
        "text/markdown",
        "application/gzip",  # a saved .html.gz served as a file; readers gunzip it
        "application/x-gzip",
    }
)
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/plain;q=0.8"
)
# The well-known NAT64 prefixes translate to IPv4 inside the operator's network, so an
# address in them can reach anything; refuse them outright (RFC 6052, RFC 8215).
NAT64_NETWORKS = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)
# Shared address space (carrier-grade NAT) is neither private nor global in every Python.
SHARED_NETWORK = ipaddress.ip_network("100.64.0.0/10")
# One label of an IPv4 number as inet_aton reads it: decimal, octal (leading 0) or hex (0x).
_NUMBER_LABEL = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How to fetch: limits, where the cache lives, and whether to touch the network."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    allow_private: bool = False  # lets loopback through; only for tests against 127.0.0.1
    cache_dir: Path | None = None
    offline: bool = False  # read the cache only; never the network
    refresh: bool = False  # ignore cached copies (but still update the cache)
    ca_certs: str | None = None  # a CA bundle instead of the system's (tests, corporate CAs)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The body of a fetched URL and what the server said about it."""

    url: str  # as asked for
    final_url: str  # after redirects
    data: bytes  # decoded from gzip/deflate transfer encoding, not from charset
    content_type: str | None
    charset: str | None
    from_cache: bool = False


# --- addresses -----------------------------------------------------------------------------


def parse_ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """Read `host` the way inet_aton does (127.1, 0x7f.1, 2130706433, 0177.0.0.1), or None."""
    labels = host.split(".")
    if labels and labels[-1] == "":  # a trailing dot is the DNS root, not a label
        labels = labels[:-1]
    if not 1 <= len(labels) <= 4 or not all(_NUMBER_LABEL.match(label) for label in labels):
        return None
    values = []
    for label in labels:
        if label[:2].lower() == "0x":
            values.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if any(ch in "89" for ch in label):
                return None
            values.append(int(label, 8))
        else:
            values.append(int(label, 10))
    # Every label but the last is one byte; the last fills the remaining bytes.
    *head, last = values
    if any(value > 0xFF for value in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _looks_numeric(host: str) -> bool:
    """True when the last label is a number, so the host must be an IPv4 address (WHATWG)."""
    last = host.rstrip(".").rsplit(".", 1)[-1]
    return bool(last) and bool(_NUMBER_LABEL.match(last))


def literal_address(host: str) -> IPAddress | None:
    """The IP address a URL host spells out, in any notation; None for a name."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        if "%" in bare:
            raise SourceError(f"{host}: IPv6 zone identifiers are not allowed")
        try:
            return ipaddress.IPv6Address(bare)
        except ValueError:
            raise SourceError(f"{host}: not a valid IPv6 address") from None
    if _looks_numeric(bare):
        address = parse_ipv4_number(bare)
        if address is None:
            raise SourceError(f"{host}: not a valid IPv4 address")
        return address
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why connecting to `address` is refused (a non-public network), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in NAT64_NETWORKS):
            return "a NAT64 address"
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            problem = address_problem(embedded)
            return f"an IPv6 form of {problem}" if problem else None
        if address.teredo is not None:
            return "a Teredo tunnel address"
        if address.is_site_local:
            return "a site-local address"
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private network address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED_NETWORK:
        return "a shared (carrier-grade NAT) address"
    if not address.is_global:
        return "a non-public address"
    return None


def check_address(address: IPAddress, host: str, *, allow_private: bool = False) -> None:
    """Raise SourceError unless `address` may be connected to."""
    problem = address_problem(address)
    if problem is None:
        return
    if allow_private and address.is_loopback:
        return
    raise SourceError(f"{host} resolves to {address}, {problem}; only public addresses are fetched")


def resolve(host: str, port: int, *, allow_private: bool = False) -> IPAddress:
    """Resolve `host` once and check every address it has; return the first to connect to."""
    return resolve_all(host, port, allow_private=allow_private)[0]


def resolve_all(host: str, port: int, *, allow_private: bool = False) -> list[IPAddress]:
    """Resolve `host` once and check every address it has; all of them, in resolver order."""
    literal = literal_address(host)
    if literal is not None:
        check_address(literal, host, allow_private=allow_private)
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise SourceError(f"{host}: the name does not resolve ({error})") from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(text))
    if not addresses:
        raise SourceError(f"{host}: the name has no IP address")
    # Every address must pass: a name that resolves to one public and one private address
    # would otherwise let the attacker pick which one the connection uses.
    for address in addresses:
        check_address(address, host, allow_private=allow_private)
    return list(dict.fromkeys(addresses))


# --- URLs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    """A checked URL split into what the connection needs."""

    scheme: str
    host: str  # ASCII (IDNA), lower case, no brackets
    port: int
    path: str  # path and query, percent-encoded

    @property
    def host_header(self) -> str:
        """The Host header: bracketed for IPv6, with the port when it is not the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


_UNSAFE_URL = re.compile(r"[\x00-\x20\x7f]")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"


def _parse_url(url: str) -> _Target:
    """Check a URL's form (scheme, host, no credentials) and split it; raise SourceError."""
    if _UNSAFE_URL.search(url.strip()):
        raise SourceError(f"{url!r}: URLs must not contain spaces or control characters")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise SourceError(f"{url}: only http:// and https:// URLs can be fetched")
    if parts.username is not None or parts.password is not None:
        raise SourceError(f"{url}: URLs with a user name or password are not fetched")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise SourceError(f"{url}: the port is not a number between 1 and 65535") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise SourceError(f"{url}: the URL has no host name")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise SourceError(f"{url}: {host!r} is not a valid host name") from None
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return _Target(scheme=scheme, host=host.lower(), port=port, path=path)


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise SourceError if `url` is not a fetchable public http(s) URL (resolves the host)."""
    target = _parse_url(url)
    resolve(target.host, target.port, allow_private=allow_private)


# --- the request ---------------------------------------------------------------------------


def _pool(
    target: _Target, address: IPAddress, settings: FetchSettings
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
    target = _parse_url(url)
    addresses = resolve_all(target.host, target.port, allow_private=settings.allow_private)
    headers = {
        "Host": target.host_header,
        "User-Agent": settings.user_agent,
        "Accept": ACCEPT,
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
            if kind is not None and kind not in READABLE_TYPES:
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
    target: _Target, addresses: list[IPAddress], headers: dict[str, str], settings: FetchSettings
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


def _fetch_network(url: str, settings: FetchSettings) -> FetchResult:
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


# --- the cache -----------------------------------------------------------------------------


def cache_key(url: str) -> str:
    """The cache file name stem for a URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _cache_paths(cache_dir: Path, url: str) -> tuple[Path, Path]:
    key = cache_key(url)
    return cache_dir / f"{key}.body", cache_dir / f"{key}.json"


def _read_cache(cache_dir: Path, url: str) -> FetchResult | None:
    body_path, meta_path = _cache_paths(cache_dir, url)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = body_path.read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("url") != url:
        return None
    return FetchResult(
        url=url,
        final_url=str(meta.get("final_url") or url),
        data=data,
        content_type=meta.get("content_type"),
        charset=meta.get("charset"),
        from_cache=True,
    )


def _write_cache(cache_dir: Path, result: FetchResult) -> None:
    body_path, meta_path = _cache_paths(cache_dir, result.url)
    meta = {
        "url": result.url,
        "final_url": result.final_url,
        "content_type": result.content_type,
        "charset": result.charset,
        "bytes": len(result.data),
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(body_path, result.data)  # body first: metadata marks the entry complete
        write_atomic(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"))
    except OSError as error:
        log.warning("could not cache %s in %s: %s", result.url, cache_dir, error)


# --- the entry point -----------------------------------------------------------------------


def fetch(url: str, *, settings: FetchSettings | None = None) -> FetchResult:
    """Fetch `url` within the limits of `settings`; raise SourceError with a reason on failure."""
    settings = settings or FetchSettings()
    url = url.strip()
    if settings.cache_dir is not None and (settings.offline or not settings.refresh):
        cached = _read_cache(settings.cache_dir, url)
        if cached is not None:
            log.debug("%s from the cache", url)
            return cached
    if settings.offline:
        where = f" in {settings.cache_dir}" if settings.cache_dir else ""
        raise SourceError(f"{url}: not in the cache{where}, and offline mode is on")
    result = _fetch_network(url, settings)
    if settings.cache_dir is not None:
        _write_cache(settings.cache_dir, result)
    return result
