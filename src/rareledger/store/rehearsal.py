"""A database whose writes are always rolled back: a dry run of a submission."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from rareledger.store.database import Database


class _RollBack(Exception):
    """Raised inside the write transaction to undo it."""


class Rehearsal(Database):
    """The same database and engine; every write transaction ends in a rollback.

    A record judged here meets exactly the rules, state and locks of a real submission, and
    nothing of it stays.
    """

    def __init__(self, database: Database) -> None:  # shares the engine: no super().__init__
        self.url, self.dialect, self.engine = database.url, database.dialect, database.engine
        self._real = database

    @contextmanager
    def write(self, *, lean: bool = False) -> Iterator[Connection]:
        try:
            with self._real.write(lean=lean) as connection:
                yield connection
                raise _RollBack
        except _RollBack:
            return
