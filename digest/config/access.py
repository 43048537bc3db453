"""What a publication may reach beyond the public web and its own folder.

`[fetch] allow_hosts` opts intranet hosts or networks in (a newsroom's own CMS or feed);
`[sources] allow_paths` names folders outside the publication that local sources may come
from (a shared wire folder). Both are off by default: content decides neither.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# A host name as DNS spells it: labels of letters, digits and hyphens.
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*$"
)
# One deadline for a whole fetch (connect, TLS, headers, body, redirects), in seconds.
DEFAULT_FETCH_TIMEOUT = 60.0
MAX_FETCH_TIMEOUT = 600.0
# Fetches at once (each host gets at most two of them, see sources.fetch.pool): eight overlap
# an edition's waits without turning digest into a crawler; more than 32 only adds threads.
DEFAULT_FETCH_CONCURRENCY = 8
MAX_FETCH_CONCURRENCY = 32


@dataclass(frozen=True, slots=True)
class HostAllowList:
    """Hosts and networks the editor opted in, private or not."""

    names: frozenset[str] = frozenset()  # exact host names, lower case
    domains: tuple[str, ...] = ()  # ".corp.example": any name below it
    networks: tuple[IPNetwork, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.names or self.domains or self.networks)

    def names_host(self, host: str) -> bool:
        """True when `host` (a name, lower case) is listed, itself or by its domain."""
        host = host.lower().rstrip(".")
        return host in self.names or any(host.endswith(domain) for domain in self.domains)

    def holds(self, address: IPAddress) -> bool:
        """True when `address` lies in a listed network."""
        return any(address in network for network in self.networks)


def parse_allow_hosts(entries: list[str]) -> HostAllowList:
    """Entries of `allow_hosts` -> an allow list; ValueError names the first bad entry."""
    names: set[str] = set()
    domains: list[str] = []
    networks: list[IPNetwork] = []
    for entry in entries:
        text = entry.strip().lower().rstrip(".")
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        if "://" in text or "/" in text or ":" in text:
            raise ValueError(
                f"{entry!r} is not a host name or a network; write the host alone "
                "(cms.internal), a domain (*.corp.example) or a network (10.2.0.0/16)"
            )
        wildcard = text.startswith(("*.", "."))
        name = text.lstrip("*").lstrip(".")
        if not HOST_NAME.match(name):
            raise ValueError(f"{entry!r} is not a valid host name")
        if wildcard:
            domains.append("." + name)
        else:
            names.add(name)
    return HostAllowList(frozenset(names), tuple(domains), tuple(networks))


class _Table(BaseModel):
    """A table of digest.toml: unknown keys are errors (as in publication.StrictModel)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FetchConfig(_Table):
    """`[fetch]`: how web pages and feeds are fetched."""

    allow_hosts: list[str] = []
    timeout: Annotated[float, Field(gt=0, le=MAX_FETCH_TIMEOUT)] = DEFAULT_FETCH_TIMEOUT
    concurrency: Annotated[int, Field(ge=1, le=MAX_FETCH_CONCURRENCY)] = DEFAULT_FETCH_CONCURRENCY

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        parse_allow_hosts(value)
        return value

    @property
    def allow_list(self) -> HostAllowList:
        """The hosts and networks opted in."""
        return parse_allow_hosts(self.allow_hosts)


SummarySource = Literal["page", "feed"]


class SourcesConfig(_Table):
    """`[sources]`: where local article files may come from besides the publication folder,
    and where `digest new` drafts a feed entry's summary from: the linked page or the feed."""

    allow_paths: list[str] = []
    # "page": fetch the entry's link and summarize the page (the teaser when it cannot be read);
    # "feed": the entry's own text, through the same cleanup and budget as every summary.
    summaries: SummarySource = "page"
    # Per feed (its URL, or a host name): the same choice for that feed alone.
    per_feed: dict[str, SummarySource] = {}

    def summaries_for(self, source: str) -> SummarySource:
        """Where to draft summaries from for entries of the feed `source`."""
        if source in self.per_feed:
            return self.per_feed[source]
        host = (urlsplit(source).hostname or "").removeprefix("www.")
        for key, choice in self.per_feed.items():
            if host and key.removeprefix("www.").lower() == host:
                return choice
        return self.summaries

    @field_validator("allow_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.strip() or "\0" in entry:
                raise ValueError(f"{entry!r} is not a folder")
        return value

    def roots(self, publication_root: Path) -> list[Path]:
        """The folders sources may come from: the publication's and the listed ones, resolved
        (symlinks followed), relative entries taken from the publication's folder."""
        roots = [publication_root.resolve()]
        roots += [
            (publication_root / Path(entry).expanduser()).resolve() for entry in self.allow_paths
        ]
        return roots


def inside(path: Path, roots: list[Path]) -> bool:
    """True when `path` (already resolved) is one of `roots` or below one."""
    return any(path == root or path.is_relative_to(root) for root in roots)
