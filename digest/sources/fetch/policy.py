"""Which URLs and addresses may be fetched: public addresses only, in every notation."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from digest.config.access import HostAllowList
from digest.errors import SourceError
from digest.sources.fetch.resolver import LookupTimeout, getaddrinfo_within
from digest.sources.fetch.settings import ALLOWED_SCHEMES, CONNECT_TIMEOUT, DEFAULT_PORTS


class HostUnreachable(SourceError):
    """The host cannot be reached at all (no address, refused, silent): another URL on the
    same host would fail the same way, so callers fetching many may skip the rest."""


NOTHING_ALLOWED = HostAllowList()

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


def refusal(host: str, address: IPAddress, problem: str, *, redirected: bool = False) -> str:
    """Why a non-public address is refused, and the two ways to use it on purpose."""
    where = f"{host} is" if host.strip("[]") == str(address) else f"{host} resolves to {address},"
    if redirected:
        return (
            f"{where} {problem}, reached through a redirect from outside [fetch] allow_hosts; "
            "digest never follows a redirect from the public web into a private network"
        )
    return (
        f"{where} {problem}; only public addresses are fetched unless digest.toml opts a host "
        f'in. To use it on purpose, add it to digest.toml: [fetch] allow_hosts = ["{host}"]; '
        "or save the page or feed and pass its path instead of the URL"
    )


def check_address(
    address: IPAddress,
    host: str,
    *,
    allow_private: bool = False,
    allow: HostAllowList = NOTHING_ALLOWED,
    withdrawn: HostAllowList = NOTHING_ALLOWED,
) -> None:
    """Raise SourceError unless `address` may be connected to (public, or opted in).

    `withdrawn` is the editor's list when a redirect chain left it: named in the refusal.
    """
    problem = address_problem(address)
    if problem is None:
        return
    if allow_private and address.is_loopback:
        return
    if listed(host, [address], allow):
        return
    redirected = listed(host, [address], withdrawn)
    raise SourceError(refusal(host, address, problem, redirected=redirected))


def resolve(
    host: str, port: int, *, allow_private: bool = False, timeout: float = CONNECT_TIMEOUT
) -> IPAddress:
    """Resolve `host` once and check every address it has; return the first to connect to."""
    return resolve_all(host, port, allow_private=allow_private, timeout=timeout)[0]


def resolve_all(
    host: str,
    port: int,
    *,
    allow_private: bool = False,
    allow: HostAllowList = NOTHING_ALLOWED,
    withdrawn: HostAllowList = NOTHING_ALLOWED,
    timeout: float = CONNECT_TIMEOUT,
) -> list[IPAddress]:
    """Resolve `host` once and check every address it has; all of them, in resolver order.

    The lookup waits at most `timeout` seconds (a fetch passes what its deadline has left).
    """
    literal = literal_address(host)
    if literal is not None:
        check_address(literal, host, allow_private=allow_private, allow=allow, withdrawn=withdrawn)
        return [literal]
    try:
        infos = getaddrinfo_within(host, port, timeout)
    except LookupTimeout:
        raise HostUnreachable(
            f"{host}: the name lookup got no answer within {max(timeout, 0):.3g} s "
            "(the DNS server is silent or unreachable)"
        ) from None
    except (socket.gaierror, UnicodeError) as error:
        raise HostUnreachable(f"{host}: the name does not resolve ({error})") from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(text))
    if not addresses:
        raise HostUnreachable(f"{host}: the name has no IP address")
    # Every address must pass: a name that resolves to one public and one private address
    # would otherwise let the attacker pick which one the connection uses.
    for address in addresses:
        check_address(address, host, allow_private=allow_private, allow=allow, withdrawn=withdrawn)
    return list(dict.fromkeys(addresses))


def listed(host: str, addresses: list[IPAddress], allow: HostAllowList) -> bool:
    """True when the editor opted this host in, by name or by network."""
    return allow.names_host(host) or any(allow.holds(address) for address in addresses)


# --- URLs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
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


def parse_url(url: str) -> Target:
    """Check a URL's form (scheme, host, no credentials) and split it; raise SourceError."""
    if _UNSAFE_URL.search(url.strip()):
        raise SourceError(f"{url!r}: URLs must not contain spaces or control characters")
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError as error:  # e.g. "Invalid IPv6 URL" for http://[::1
        raise SourceError(f"{url}: not a valid URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise SourceError(f"{url}: only http:// and https:// URLs can be fetched")
    if parts.username is not None or parts.password is not None:
        raise SourceError(f"{url}: URLs with a user name or password are not fetched")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise SourceError(f"{url}: the port is not a number between 1 and 65535") from None
    host = (hostname or "").rstrip(".")
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
    return Target(scheme=scheme, host=host.lower(), port=port, path=path)


def check_url(url: str, *, allow_private: bool = False, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise SourceError if `url` is not a fetchable public http(s) URL (resolves the host)."""
    target = parse_url(url)
    resolve(target.host, target.port, allow_private=allow_private, timeout=timeout)
