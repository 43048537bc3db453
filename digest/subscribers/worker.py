"""A daemon thread started on first use in each process: a server that forks its workers
(gunicorn) gets one per worker, never one shared with the parent that cannot run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


class Worker:
    """Runs `target` on a thread of its own, started by `ensure()` once per process."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        self.name = name
        self._target = target
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def ensure(self) -> None:
        """Start the thread unless this process's is running."""
        with self._lock:
            if self.running:
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._target, name=self.name, daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        """True when this process's thread is alive."""
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def join(self, timeout: float) -> None:
        """Wait (up to `timeout`) for this process's thread to end."""
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=timeout)
