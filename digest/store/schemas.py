"""Every SQLite file digest keeps, with every migration it has had, in order.

Add a table or a column as a new `Migration` at the end of its file's schema; a new file gets a
new `Schema` here. Files made before schema versions existed (user_version 0) already hold the
first tables: the first steps use IF NOT EXISTS and `Column`, so they apply to those too.
"""

from __future__ import annotations

from digest.store.schema import Column, Migration, Schema

# <publication>/.digest/journal.sqlite: one row per (edition, recipient) of every list send.
JOURNAL = Schema(
    "send journal",
    (
        Migration(
            1,
            "deliveries: each recipient's state per edition",
            (
                """CREATE TABLE IF NOT EXISTS deliveries (
                    edition TEXT NOT NULL,
                    address TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    updated REAL NOT NULL,
                    PRIMARY KEY (edition, address)
                ) WITHOUT ROWID""",
            ),
        ),
        Migration(
            2,
            "deliveries.resent: an unknown re-sent once is never re-sent again",
            columns=(Column("deliveries", "resent", "INTEGER NOT NULL DEFAULT 0"),),
        ),
    ),
)

# <publication>/.digest/subscribers.sqlite: who may not be mailed, and soft bounces counted.
SUBSCRIBERS = Schema(
    "suppression list",
    (
        Migration(
            1,
            "suppressions and soft bounces",
            (
                """CREATE TABLE IF NOT EXISTS suppressions (
                    address TEXT PRIMARY KEY,
                    reason TEXT NOT NULL,
                    created REAL NOT NULL,
                    source TEXT NOT NULL DEFAULT ''
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS soft_bounces (
                    address TEXT NOT NULL,
                    edition TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created REAL NOT NULL,
                    PRIMARY KEY (address, edition)
                ) WITHOUT ROWID""",
            ),
        ),
        Migration(
            2,
            "unverified_reports: bounces and complaints nothing proves, kept for the editor",
            (
                """CREATE TABLE IF NOT EXISTS unverified_reports (
                    report TEXT NOT NULL,
                    address TEXT NOT NULL,
                    edition TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    why TEXT NOT NULL,
                    created REAL NOT NULL,
                    PRIMARY KEY (report, address)
                ) WITHOUT ROWID""",
            ),
        ),
    ),
)
