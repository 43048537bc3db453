"""What every table's class shares: one file opened through the factory, closed as a context
manager, and a damaged file refused with advice on what it means for the reader."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

from digest.store.database import DamagedError, StoreError, open_database
from digest.store.schema import Schema


class StoreFile:
    """A user of one database file; subclasses name its schema, error and damage advice."""

    schema: ClassVar[Schema]
    error: ClassVar[type[StoreError]] = StoreError
    # Said after "the <title> <path> is ...": what a damaged file costs and what to do.
    damaged_advice: ClassVar[str] = "Restore .digest/ from a backup (the README says how)"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = open_database(path, self.schema, error=self.error)
        except DamagedError as damaged:
            raise self.error(f"{damaged}. {self.damaged_advice}") from None

    def close(self) -> None:
        """Leave the database (the process's last user closes the connection)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
