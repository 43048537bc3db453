"""Links and addresses readers cannot use: hosts only the newsroom's network knows, and an
unsubscribe or archive URL without TLS.

A "Read more" link to http://127.0.0.1:8731/… works on the editor's machine and nowhere else;
RFC 8058 and the large mailbox providers want the one-click unsubscribe URL on https. Hosts
the publication lists in `[fetch] allow_hosts` are the newsroom's own on purpose (an intranet
newsletter, a test on this machine): links to them, even over http, are accepted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from digest.config.access import HostAllowList
from digest.mail.findings import Finding
from digest.mail.personal import PREVIEW_TOKEN, fill_link
from digest.mail.where import Where
from digest.models import Edition

# Names no public resolver answers: RFC 6761 (localhost), RFC 6762 (.local, mDNS), RFC 8375
# (.home.arpa), and .internal, which ICANN reserved for private networks in 2024.
LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
# A host whose last label is a number is an IPv4 address to browsers (WHATWG URL), in any
# notation: 127.1, 0x7f.0.0.1 and 2130706433 all mean 127.0.0.1.
NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
# A page that answers these is gone; other 4xx and 5xx may be a bot wall or a bad minute.
GONE_STATUSES = frozenset({404, 410})
HOW_TO_ALLOW = (
    "use an address your readers can reach, or, if every reader is on that network, list "
    "the host in digest.toml [fetch] allow_hosts"
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def host_problem(host: str, allow: HostAllowList) -> str | None:
    """Why readers cannot reach `host` (a URL's host), or None for a public or listed one."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        address = None
    if listed(host, allow):
        return None
    if address is not None:
        return _address_problem(address)
    if NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        return "an IP address in an unusual notation that browsers read as another address"
    if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
        return "a name only a local network resolves"
    return None


def listed(host: str, allow: HostAllowList) -> bool:
    """True when the publication opted `host` in, by name, domain or network."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        return allow.holds(ipaddress.ip_address(host)) or allow.names_host(host)
    except ValueError:
        return allow.names_host(host)


def _address_problem(address: IPAddress) -> str | None:
    """'a loopback address', 'a private network address', …; None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _address_problem(address.ipv4_mapped)
    kinds = (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private network address"),
        ("is_unspecified", "an unspecified address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, words in kinds:
        if getattr(address, attribute):
            return words
    return None if address.is_global else "a non-public address"


def _host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None  # not a URL at all: the link checks of check.py say so


def link_host_checks(
    where: Where, edition: Edition, urls: Sequence[tuple[str, str]]
) -> Iterator[Finding]:
    """Links (`a`) and images (`img`) of the email, and the unsubscribe and archive URLs.

    `urls` are (tag, URL) in document order.
    """
    publication = where.loaded.publication
    allow = publication.fetch.allow_list
    unsubscribe = publication.unsubscribe.url
    yield from _configured_url(where, "unsubscribe.url", unsubscribe, allow)
    yield from _configured_url(where, "archive_url", publication.archive_url, allow)
    filled = fill_link(unsubscribe, PREVIEW_TOKEN) if unsubscribe else ""
    archive = publication.archive_url or ""
    seen: set[str] = set()
    for tag, url in urls:
        host = _host(url) if url.lower().startswith(("http://", "https://")) else None
        if host is None or url in seen or url == filled or _is_archive(url, archive):
            continue
        seen.add(url)
        problem = host_problem(host, allow)
        if problem is not None:
            what = "image" if tag == "img" else "link"
            yield Finding(
                "error",
                "link-private-host",
                f"{where.link(url, edition.stories)}: {what} {url} points at {host}, {problem} "
                f"your readers cannot reach; {HOW_TO_ALLOW}",
            )


def _is_archive(url: str, template: str) -> bool:
    """True for this edition's archive link (checked once, as digest.toml's archive_url)."""
    head = template.split("{date}", 1)[0]
    return bool(head) and url.startswith(head)


def _configured_url(
    where: Where, key: str, url: str | None, allow: HostAllowList
) -> Iterator[Finding]:
    """digest.toml's unsubscribe and archive URLs: reachable, and over https."""
    if url is None:
        return
    host = _host(url.replace("{token}", "t").replace("{email}", "e").replace("{date}", "d"))
    if host is None:
        return
    problem = host_problem(host, allow)
    if problem is not None:
        yield Finding(
            "error",
            "link-private-host",
            f"{where.publication(key)}: {url} points at {host}, {problem} your readers cannot "
            f"reach; {HOW_TO_ALLOW}",
        )
    elif url.lower().startswith("http://") and not listed(host, allow):
        code = "unsubscribe-not-https" if key.startswith("unsubscribe") else "archive-not-https"
        why = (
            "RFC 8058's one-click unsubscribe and the large mailbox providers' bulk-sender rules "
            "require an https URL"
            if code == "unsubscribe-not-https"
            else "readers' browsers warn about http pages, and the page can be altered on its "
            "way to them"
        )
        yield Finding(
            "error", code, f"{where.publication(key)}: {url} is http://; {why}: use https://"
        )


class ProbedLink(Protocol):
    """How a link answered `digest check --links` (`sources.linkcheck.LinkStatus`)."""

    @property
    def url(self) -> str: ...

    @property
    def outcome(self) -> str: ...

    @property
    def status(self) -> int | None: ...

    @property
    def final_url(self) -> str: ...

    @property
    def detail(self) -> str: ...


def probe_findings(
    where: Where, edition: Edition, answers: Sequence[ProbedLink]
) -> Iterator[Finding]:
    """Findings for the links that answered badly: gone, failing, sent home, silent."""
    for answer in answers:
        place = f"{where.link(answer.url, edition.stories)}: {answer.url}"
        if answer.outcome == "status" and answer.status in GONE_STATUSES:
            yield Finding(
                "error", "link-broken", f"{place} answers {answer.status}: the page is gone"
            )
        elif answer.outcome == "status":
            said = answer.status or answer.detail.removeprefix(f"{answer.url}: ")
            yield Finding("warning", "link-status", f"{place} answers {said}; try it in a browser")
        elif answer.outcome == "home":
            yield Finding(
                "warning",
                "link-redirects-home",
                f"{place} redirects to the site's home page {answer.final_url}: the page has "
                "most likely moved or gone",
            )
        elif answer.outcome == "timeout":
            yield Finding(
                "warning",
                "link-timeout",
                f"{place} did not answer within digest.toml's [fetch] timeout "
                f"({where.loaded.publication.fetch.timeout:g} s)",
            )
        elif answer.outcome == "unreachable":
            reason = answer.detail.removeprefix(f"{answer.url}: ")
            yield Finding("error", "link-unreachable", f"{place} cannot be reached: {reason}")
