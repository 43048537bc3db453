"""Caches: what a rebuild may reuse in memory, and the user's private cache folder on disk.

A `BuildCache` lives as long as the process that rebuilds (the preview): each source's read
result is kept under its bytes and the reader's settings, each computed summary under its
body, budget, method and title, so a rebuild redoes only what an edit changed. On disk there
is only the user's cache folder (XDG on Linux), never anything inside a publication or the
repository; what goes in it must be safe to lose.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from cachetools import LRUCache

from digest.models import Article

log = logging.getLogger(__name__)

APP_NAME = "digest"
# A folder for digest's cache instead of the user cache folder (unset or empty: the default).
CACHE_DIR_ENV = "DIGEST_CACHE_DIR"
# Set to "0" to keep nothing on disk (every process compiles its templates afresh).
CACHE_SWITCH_ENV = "DIGEST_DISK_CACHE"
# Entries, not bytes: an article or a summary is a few kilobytes, so even the largest limits
# stay in the low megabytes while holding several editions of a few hundred stories each.
READ_ENTRIES = 2_048
SUMMARY_ENTRIES = 4_096
PRIVATE_MODE = stat.S_IRWXU  # 0700: cached bytecode is code; nobody else may write it

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """A bounded, thread-safe map from a key to the value computed for it (least recent out)."""

    def __init__(self, limit: int) -> None:
        self._entries: LRUCache[K, V] = LRUCache(maxsize=limit)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The value kept for `key`, or `compute()`'s, kept for next time.

        An exception from `compute` propagates and nothing is kept, so a failed read is
        retried on the next build.
        """
        with self._lock:
            try:
                value = self._entries[key]
            except KeyError:
                pass
            else:
                self.hits += 1
                return value
        # Computed outside the lock: a slow read must not hold up other threads.
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[key] = value
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget everything (the counters too)."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


@dataclass
class BuildCache:
    """What one process's rebuilds share: read sources and computed summaries."""

    reads: Memo[Hashable, Article] = field(default_factory=lambda: Memo(READ_ENTRIES))
    summaries: Memo[Hashable, str] = field(default_factory=lambda: Memo(SUMMARY_ENTRIES))

    def clear(self) -> None:
        """Forget every read and summary."""
        self.reads.clear()
        self.summaries.clear()


def user_cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    """digest's folder in the user's cache: $DIGEST_CACHE_DIR, else the platform's default.

    On Linux the default honours XDG_CACHE_HOME (~/.cache/digest otherwise).
    """
    override = environ.get(CACHE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_path  # only when no folder was given

    return user_cache_path(APP_NAME, appauthor=False)


def private_cache_folder(name: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """`name` inside the user cache folder, created 0700; None when it is off or not safe.

    Not safe: owned by someone else, or writable by others (files in it are loaded as code).
    Every problem is logged and means "no disk cache", never an error: the cache is optional.
    """
    if environ.get(CACHE_SWITCH_ENV, "").strip() == "0":
        return None
    folder = user_cache_root(environ) / name
    try:
        folder.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError as error:
        log.info("no disk cache: cannot create %s (%s)", folder, error.strerror or error)
        return None
    if not stat.S_ISDIR(info.st_mode):
        log.warning("no disk cache: %s is not a folder", folder)
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        log.warning("no disk cache: %s belongs to another user", folder)
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("no disk cache: %s is writable by other users", folder)
        return None
    return folder
