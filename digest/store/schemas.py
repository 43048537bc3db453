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

# <publication>/.digest/subscribers.sqlite: who may not be mailed, soft bounces counted, and
# the publication's own readers (the subscriber store).
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
        Migration(
            3,
            "subscribers: readers, their status and its history; pauses; erased readers' hashes",
            (
                """CREATE TABLE IF NOT EXISTS subscribers (
                    address TEXT PRIMARY KEY,
                    name TEXT NOT NULL DEFAULT '',
                    status TEXT NOT NULL,
                    since REAL NOT NULL,
                    how TEXT NOT NULL,
                    created REAL NOT NULL,
                    asked REAL NOT NULL DEFAULT 0,
                    attributes TEXT NOT NULL DEFAULT '{}'
                ) WITHOUT ROWID""",
                "CREATE INDEX IF NOT EXISTS subscribers_by_status ON subscribers (status, address)",
                """CREATE TABLE IF NOT EXISTS subscriber_events (
                    address TEXT NOT NULL,
                    at REAL NOT NULL,
                    status TEXT NOT NULL,
                    how TEXT NOT NULL
                )""",
                "CREATE INDEX IF NOT EXISTS subscriber_events_by_address "
                "ON subscriber_events (address, at)",
                """CREATE TABLE IF NOT EXISTS pauses (
                    address TEXT PRIMARY KEY,
                    until REAL NOT NULL,
                    created REAL NOT NULL
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS erased (
                    hash TEXT PRIMARY KEY,
                    created REAL NOT NULL
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) WITHOUT ROWID""",
            ),
        ),
    ),
)

# <publication>/.digest/clicks.sqlite: clicks per story link, never per reader. No address, no
# token, no client address is ever written here: only what the editions' links are and counts.
CLICKS = Schema(
    "click counts",
    (
        Migration(
            1,
            "links each send registered, clicks per link, fetches not counted and why",
            (
                """CREATE TABLE IF NOT EXISTS editions (
                    edition TEXT PRIMARY KEY,
                    registered REAL NOT NULL,
                    counting_since REAL
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS links (
                    edition TEXT NOT NULL,
                    story INTEGER NOT NULL,
                    link TEXT NOT NULL,
                    section TEXT NOT NULL,
                    title TEXT NOT NULL,
                    url TEXT NOT NULL,
                    PRIMARY KEY (edition, story, link)
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS clicks (
                    edition TEXT NOT NULL,
                    story INTEGER NOT NULL,
                    link TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (edition, story, link)
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS not_counted (
                    edition TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (edition, reason)
                ) WITHOUT ROWID""",
            ),
        ),
    ),
)

# <publication>/.digest/history.sqlite: editions over time (digest.history). No reader's
# address: what ran (stories), what went out (versions), corrections, approvals, send times.
HISTORY = Schema(
    "edition history",
    (
        Migration(
            1,
            "stories, versions, corrections, approvals and scheduled sends",
            (
                # Each edition's stories as built and as sent (`state`), in reading order.
                """CREATE TABLE IF NOT EXISTS stories (
                    edition TEXT NOT NULL,
                    state TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    date TEXT NOT NULL,
                    entry TEXT NOT NULL,
                    title TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    url TEXT,
                    canonical TEXT,
                    page_hash TEXT NOT NULL,
                    is_update INTEGER NOT NULL,
                    recorded REAL NOT NULL,
                    PRIMARY KEY (edition, state, kind, position)
                ) WITHOUT ROWID""",
                "CREATE INDEX IF NOT EXISTS stories_by_date ON stories (date)",
                # What went out: the first version of an edition a list send delivered.
                """CREATE TABLE IF NOT EXISTS versions (
                    edition TEXT PRIMARY KEY,
                    date TEXT NOT NULL,
                    sent TEXT NOT NULL,
                    sender TEXT,
                    approver TEXT,
                    snapshot TEXT NOT NULL
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS corrections (
                    edition TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    date TEXT NOT NULL,
                    story INTEGER NOT NULL,
                    story_title TEXT NOT NULL,
                    story_url TEXT,
                    note TEXT NOT NULL,
                    created TEXT NOT NULL,
                    day TEXT NOT NULL,
                    carried_by TEXT,
                    PRIMARY KEY (edition, number)
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS approvals (
                    edition TEXT NOT NULL,
                    approved TEXT NOT NULL,
                    approver TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    list_fingerprint TEXT,
                    list_size INTEGER,
                    snapshot TEXT NOT NULL,
                    PRIMARY KEY (edition, approved, approver)
                ) WITHOUT ROWID""",
                """CREATE TABLE IF NOT EXISTS schedules (
                    edition TEXT NOT NULL,
                    at TEXT NOT NULL,
                    state TEXT NOT NULL,
                    requested TEXT NOT NULL,
                    updated TEXT NOT NULL,
                    PRIMARY KEY (edition, at)
                ) WITHOUT ROWID""",
            ),
        ),
    ),
)
