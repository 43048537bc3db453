"""Caches: what a rebuild may reuse, in memory and in the user's private cache folder.

A `BuildCache` keeps each source's read result under its bytes and the reader's settings, and
each computed summary under its body, budget, method and title, so a rebuild redoes only what
an edit changed. The preview keeps one for as long as it runs; `digest build` saves what it
used to the user's cache folder (XDG on Linux, never inside a publication or the repository)
and starts the next build of the same edition file from it, as long as the code that read
and summarized is the same. Everything on disk is safe to lose.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
import stat
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from cachetools import LRUCache

from digest import __version__
from digest.atomic import write_atomic
from digest.models import Article, ImageSize

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
IMAGE_ENTRIES = 1_024
PRIVATE_MODE = stat.S_IRWXU  # 0700: cached bytecode and pickles are code; nobody else writes
# Saved build caches, one file per edition file; one unused this long is deleted.
BUILDS_FOLDER = "builds"
STALE_SECONDS = 30 * 24 * 3600

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """A bounded, thread-safe map from a key to the value computed for it (least recent out)."""

    def __init__(self, limit: int, *, track_use: bool = False) -> None:
        self._entries: LRUCache[K, V] = LRUCache(maxsize=limit)
        self._lock = threading.Lock()
        # Keys asked for since the last clear, for `used()`: only when asked for, since the
        # keys hold article bodies and a long preview would keep every version of each.
        self._used: set[K] | None = set() if track_use else None
        self.hits = 0
        self.misses = 0

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The value kept for `key`, or `compute()`'s, kept for next time.

        An exception from `compute` propagates and nothing is kept, so a failed read is
        retried on the next build. Threads asking for one key at once may each compute it
        (the values are equal; the last is kept): callers fetching side by side ask for
        distinct keys (`sources.fetch.pool` runs each URL once).
        """
        with self._lock:
            if self._used is not None:
                self._used.add(key)
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
            if self._used is not None:
                self._used.clear()
            self.hits = self.misses = 0

    def used(self) -> list[tuple[K, V]]:
        """The entries asked for since the last clear, still held (needs `track_use`)."""
        with self._lock:
            if self._used is None:
                raise ValueError("this memo does not track which entries are used")
            return [(key, self._entries[key]) for key in self._used if key in self._entries]

    def preload(self, entries: Iterable[tuple[K, V]]) -> None:
        """Hold `entries` (from a saved cache) without counting them as used."""
        with self._lock:
            for key, value in entries:
                self._entries[key] = value


@dataclass
class BuildCache:
    """What one process's rebuilds share: read sources and computed summaries."""

    reads: Memo[Hashable, Article] = field(default_factory=lambda: Memo(READ_ENTRIES))
    summaries: Memo[Hashable, str] = field(default_factory=lambda: Memo(SUMMARY_ENTRIES))
    # Image sizes looked up on the network (None: could not be had); never saved to disk.
    images: Memo[Hashable, ImageSize | None] = field(default_factory=lambda: Memo(IMAGE_ENTRIES))

    def clear(self) -> None:
        """Forget every read, summary and image size."""
        self.reads.clear()
        self.summaries.clear()
        self.images.clear()

    @classmethod
    def tracking_use(cls) -> BuildCache:
        """A cache that can tell which entries one build used (to save only those)."""
        return cls(Memo(READ_ENTRIES, track_use=True), Memo(SUMMARY_ENTRIES, track_use=True))


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


# -- build caches saved between processes ---------------------------------------------------------


def code_stamp(files: Iterable[Path], libraries: Iterable[str], extra: Iterable[str] = ()) -> str:
    """A digest of the code that computed cached values: our files and libraries, as installed.

    Files and each library's top module count by path, size and modification time (an edit or
    an upgrade rewrites them); libraries are found without being imported.
    """
    parts = [sys.version, __version__, *extra]
    origins = [importlib.util.find_spec(name) for name in libraries]
    paths = [*files, *(Path(spec.origin) for spec in origins if spec and spec.origin)]
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            parts.append(f"{path} missing")
            continue
        parts.append(f"{path} {info.st_size} {info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


@contextmanager
def saved_build_cache(scope: Path, stamp: str) -> Iterator[BuildCache | None]:
    """A BuildCache holding what the last build of `scope` used, saved back when done.

    `stamp` (see `code_stamp`) must match the saved one, else it starts empty. Nothing is
    written when the build failed or found nothing new; entries this build did not use are
    dropped, so the file stays the size of one edition. Without a private cache folder
    (DIGEST_DISK_CACHE=0, an unsafe folder) there is no cache (None).
    """
    folder = private_cache_folder(BUILDS_FOLDER)
    if folder is None:
        yield None
        return
    path = folder / (hashlib.sha256(str(scope).encode("utf-8")).hexdigest()[:32] + ".pickle")
    cache = BuildCache.tracking_use()
    saved = _load_saved(path, stamp)
    cache.reads.preload(saved.get("reads", ()))
    cache.summaries.preload(saved.get("summaries", ()))
    yield cache
    if cache.reads.misses or cache.summaries.misses:
        data = {"stamp": stamp, "reads": cache.reads.used(), "summaries": cache.summaries.used()}
        try:
            write_atomic(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as error:
            log.info("build cache not saved to %s: %s", path, error)
        _delete_stale(folder)


def _load_saved(path: Path, stamp: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    try:
        # Only from the private folder checked above: a pickle is code, like cached bytecode.
        saved = pickle.loads(data)
    except Exception as error:  # truncated, or from classes that have changed since
        log.info("ignoring the saved build cache %s: %s", path, error)
        return {}
    if not isinstance(saved, dict) or saved.get("stamp") != stamp:
        return {}
    return saved


def _delete_stale(folder: Path) -> None:
    """Saved caches of editions nobody built for STALE_SECONDS."""
    limit = time.time() - STALE_SECONDS
    try:
        for path in folder.glob("*.pickle"):
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
    except OSError as error:
        log.debug("could not tidy %s: %s", folder, error)
