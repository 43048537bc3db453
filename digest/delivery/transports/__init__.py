"""Transports deliver one message to one recipient; found by name (entry points)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

from digest.config import Delivery
from digest.errors import DigestError, ExitCode

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "digest.transports"
# Used when the package's entry points are not installed (a source checkout).
BUILTIN = {
    "smtp": "digest.delivery.transports.smtp:create",
    "command": "digest.delivery.transports.command:create",
    "files": "digest.delivery.transports.files:create",
}


class TransportError(DigestError):
    """Base for delivery outcomes other than success; `reply` is the server's words."""

    exit_code = ExitCode.DELIVERY

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class PermanentFailure(TransportError):
    """This recipient was refused (5xx, exit status other than 0 and 75): mark failed."""


class TemporaryFailure(TransportError):
    """This recipient should be tried again later (4xx, exit 75, timeout): mark deferred."""

    exit_code = ExitCode.TEMPFAIL


class ConnectionLost(TransportError):
    """The connection dropped or the server said 421: reconnect and try again.

    `after_data` is True when the message may have been delivered (dropped after the dot).
    """

    exit_code = ExitCode.TEMPFAIL

    def __init__(self, message: str, *, code: int | None = None, after_data: bool = False):
        super().__init__(message, code=code)
        self.after_data = after_data


class OutcomeUnknown(ConnectionLost):
    """The point of no return was passed but no answer came (dropped, timed out, 421 after the
    final dot): the message may have been delivered. It is never sent again in the same run.
    """

    def __init__(self, message: str, *, code: int | None = None):
        super().__init__(message, code=code, after_data=True)


class FatalTransportError(TransportError):
    """Login, TLS or configuration failure: stop the whole send at once."""


@runtime_checkable
class Transport(Protocol):
    """Delivers messages over one connection; `open` may be called again after ConnectionLost.

    A send with several connections makes one transport per connection from the factory.
    """

    name: str

    def open(self) -> None:
        """Connect (or prepare); raises ConnectionLost or FatalTransportError."""

    def send(
        self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None]
    ) -> None:
        """Deliver one message; call `before_data` right before the point of no return.

        `before_data` blocks until the send journal holds the message as `sending`; if it
        raises, nothing may be delivered (abandon the transaction) and the error propagates.
        Once it has returned, a failure without the server's answer is `OutcomeUnknown`.
        """

    def close(self) -> None:
        """Disconnect politely; never raises."""


TransportFactory = Callable[[Delivery, Path, Mapping[str, str]], Transport]


def available() -> list[str]:
    """Names of every known transport."""
    names = set(BUILTIN) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def get_factory(name: str) -> TransportFactory:
    """The factory registered under `name` (entry points first, then the built-ins)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            factory: TransportFactory = ep.load()
            return factory
    target = BUILTIN.get(name)
    if target is None:
        raise DigestError(
            f"unknown transport {name!r}; available: {', '.join(available())}",
            exit_code=ExitCode.CONFIG,
        )
    module_name, _, attribute = target.partition(":")
    module = __import__(module_name, fromlist=[attribute])
    factory = getattr(module, attribute)
    return factory  # type: ignore[no-any-return,unused-ignore]


def create_transport(
    name: str, delivery: Delivery, root: Path, environ: Mapping[str, str]
) -> Transport:
    """Build the named transport from the [delivery] settings (paths relative to root)."""
    return get_factory(name)(delivery, root, environ)
