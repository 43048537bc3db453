"""Schema versions: each SQLite file digest keeps has an ordered list of migrations.

A file's version is `PRAGMA user_version`: the number of migrations applied. Opening a file
applies the missing ones in one `BEGIN IMMEDIATE` transaction, so two processes opening an old
file at once migrate it once. A new table or column is a new `Migration` at the end of its
file's `Schema` (`schemas.py`), never an edit of an old one: files in the field already hold it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """A column added to an existing table, unless the table already has it.

    Files made before schema versions existed may hold a later column already.
    """

    table: str
    name: str
    definition: str


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: its version (1, 2, ...), what it adds, the statements that add it."""

    version: int
    summary: str
    statements: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()

    def apply(self, connection: sqlite3.Connection) -> None:
        """Run the step inside the caller's transaction (never `executescript`: it commits)."""
        for statement in self.statements:
            connection.execute(statement)
        for column in self.columns:
            present = {row[1] for row in connection.execute(f"PRAGMA table_info({column.table})")}
            if column.name not in present:
                connection.execute(
                    f"ALTER TABLE {column.table} ADD COLUMN {column.name} {column.definition}"
                )


@dataclass(frozen=True, slots=True)
class Schema:
    """What one file holds, named for messages ("the send journal"), as its migrations."""

    title: str
    migrations: tuple[Migration, ...]

    def __post_init__(self) -> None:
        versions = [migration.version for migration in self.migrations]
        if versions != list(range(1, len(versions) + 1)):
            raise ValueError(f"{self.title}: migrations must be numbered 1, 2, ...: {versions}")

    @property
    def version(self) -> int:
        """The version a file has once every migration is applied."""
        return len(self.migrations)

    def then(self, *migrations: Migration) -> Schema:
        """This schema with more steps at the end (a later table in the same file)."""
        return Schema(self.title, self.migrations + migrations)


def pending(schema: Schema, found: int) -> tuple[Migration, ...]:
    """The migrations a file at version `found` still needs."""
    return schema.migrations[found:]
