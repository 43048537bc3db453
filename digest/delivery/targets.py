"""Where a send goes: the list it names (a file or the store), or one test address."""

from __future__ import annotations

from pathlib import Path

from digest.delivery.recipients import Recipient, check_address
from digest.delivery.subscriber_list import names_the_store
from digest.delivery.transports import Transport
from digest.errors import DigestError, ExitCode


def open_for_test(transport: Transport, address: str) -> None:
    """Connect for a test send, or say in one sentence why the relay cannot be reached."""
    from digest.delivery.transports import TransportError

    try:
        transport.open()
    except TransportError as error:
        transport.close()
        raise DigestError(
            f"the test copy to {address} was not sent: {error.message}",
            exit_code=ExitCode.DELIVERY,
        ) from None


def list_target(
    to: Path | None, test_address: str | None, configured: str | None, root: Path
) -> Path | None:
    """The list a send mails: --to, else `[delivery] list` (relative to digest.toml); None for
    --test. The word `subscribers` names the subscriber store."""
    if test_address is not None:
        if to is not None:
            raise DigestError("give one of --to LIST and --test ADDRESS, not both")
        return None
    if to is not None:
        return to
    if configured is None:
        raise DigestError(
            "give --to LIST.csv, --to subscribers (the subscriber store) or --test ADDRESS, "
            'or set [delivery] list = "subscribers" in digest.toml'
        )
    return Path(configured) if names_the_store(configured) else root / configured


def recipient_for_test(address: str) -> Recipient:
    """The one recipient of `--test ADDRESS`, checked as a list's addresses are."""
    try:
        return Recipient(check_address(address))
    except ValueError as error:
        raise DigestError(f"--test {address!r}: {error}") from None
