"""Every SQLite file digest keeps, opened one way: the connection factory and the schemas.

Owns: creating a file (0600, whole, before it takes its name), checking a found one (0 bytes,
cut short, not a database), WAL, `busy_timeout`, BEGIN IMMEDIATE transactions whose rollback
never hides the first error, schema versions (`PRAGMA user_version`) and their migrations,
and the one connection per file per process that every thread shares.
May import: errors, atomic. Used by delivery, subscribers, history and archive.
"""

from sqlite3 import Connection  # the type of what `Database.transaction` yields

from digest.store.database import (
    BUSY_TIMEOUT_MS,
    DamagedError,
    Database,
    StoreError,
    immediate,
    open_database,
)
from digest.store.schema import Column, Migration, Schema

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Column",
    "Connection",
    "DamagedError",
    "Database",
    "Migration",
    "Schema",
    "StoreError",
    "immediate",
    "open_database",
]
