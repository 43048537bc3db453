"""Leaving the process when a command is done, without the interpreter's teardown.

At exit CPython frees every module and object one by one (pydantic's, lxml's, the compiled
templates: about a fifth of a whole `digest build`), work nobody waits for. Once the command
has returned and nothing else runs, `os._exit` ends the process at once. Nothing is lost:

- stdout and stderr are flushed first, and again after atexit's functions (logging flushes its
  handlers there, finalizers remove temporary folders), which run as at a normal exit;
- every file digest writes is flushed, fsynced and closed before its command returns
  (`digest.atomic`), and a store's transaction is committed when its block returns;
- while another (non-daemon) thread still runs, or a database connection is still open, or
  stdout cannot be flushed, the exit is the interpreter's own, with all its teardown.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

# What the interpreter does with `sys.exit(text)`: the text on stderr, exit status 1.
TEXT_EXIT_STATUS = 1


def leave(code: object) -> NoReturn:
    """Exit with `code` (a SystemExit's: None, a number or a text), skipping the teardown
    when that is safe."""
    status = _status(code)
    if not (_flushed() and _alone() and not _open_databases()):
        sys.exit(status)
    atexit._run_exitfuncs()  # what a normal exit runs before its teardown
    if not _flushed():
        sys.exit(status)
    os._exit(status)


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return TEXT_EXIT_STATUS


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe, a full disk: the normal exit reports it
        return False
    return True


def _alone() -> bool:
    """True when no other thread would keep a normal exit waiting."""
    current = threading.current_thread()
    return not any(
        thread is not current and not thread.daemon and thread.is_alive()
        for thread in threading.enumerate()
    )


def _open_databases() -> bool:
    """True while a store connection is open (only when the store was ever imported)."""
    database = sys.modules.get("digest.store.database")
    return database is not None and bool(database.open_files())
