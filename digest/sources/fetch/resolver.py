"""Name lookups that end by the fetch's deadline, however long the DNS server stays silent.

`socket.getaddrinfo` cannot be given a timeout: glibc waits `timeout × attempts` per server
from resolv.conf (up to 450 s), whatever our deadline says. So the lookup runs in a daemon
thread and the fetch waits for it only as long as its deadline allows. An abandoned lookup
ends on its own when the system resolver gives up; a daemon thread never holds up the exit.
The addresses returned are the ones the policy checks and the connection uses, as before.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from typing import Any

# Lookups still waiting for a silent DNS server, at most: a long-running process (the
# preview) that keeps asking a dead resolver must not pile up threads without end.
MAX_PENDING_LOOKUPS = 64
_pending = threading.BoundedSemaphore(MAX_PENDING_LOOKUPS)

AddressInfo = list[tuple[Any, ...]]


class LookupTimeout(TimeoutError):
    """The system resolver did not answer within the time the fetch had left."""


def getaddrinfo_within(host: str, port: int, seconds: float) -> AddressInfo:
    """`socket.getaddrinfo(host, port)` for TCP, waited for at most `seconds`.

    Raises LookupTimeout when no answer came in time (or too many lookups are still
    stuck), and what getaddrinfo raises (gaierror, UnicodeError) when it fails.
    """
    end = time.monotonic() + seconds
    if seconds <= 0 or not _pending.acquire(timeout=seconds):
        raise LookupTimeout(f"no answer within {max(seconds, 0):.3g} s")
    answer: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

    def look_up() -> None:
        try:
            # Looked up when called, so a test (or a newsroom's plug-in) can stand in for DNS.
            answer.put((True, socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
        except BaseException as error:  # handed to the waiting fetch, which re-raises it
            answer.put((False, error))
        finally:
            _pending.release()

    try:
        threading.Thread(target=look_up, name=f"resolve {host}", daemon=True).start()
    except BaseException:
        _pending.release()
        raise
    try:
        ok, value = answer.get(timeout=max(end - time.monotonic(), 0))
    except queue.Empty:
        raise LookupTimeout(f"no answer within {seconds:.3g} s") from None
    if not ok:
        raise value
    return list(value)
