"""Check the projections against the ledger: rebuild them in scratch and compare row by row.

The projections are rebuilt through the same engine as ``rareledger rebuild``, inside one
write transaction that is then rolled back, against a copy of them kept in temporary tables:
the stored projections are left exactly as they were (an edited row stays edited until a
rebuild), and the first row that differs is named. Like a rebuild, the check holds the
writer lock while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from rareledger.domain.findings import RuleSettings
from rareledger.services.integrity import _stored_batches  # the rebuild's own reader
from rareledger.services.reporting import BatchEngine, replay
from rareledger.store import projection_snapshot
from rareledger.store.database import Database
from rareledger.store.log import read_head
from rareledger.store.projection_snapshot import RowDifference
from rareledger.store.projections import clear_projections


@dataclass(frozen=True, slots=True)
class ProjectionCheck:
    rows: int  # projection rows compared
    entries: int  # ledger entries replayed
    difference: RowDifference | None

    @property
    def matches(self) -> bool:
        return self.difference is None


class _Discard(Exception):
    """Leaves the transaction (rolling it back) with the check's result."""

    def __init__(self, result: ProjectionCheck) -> None:
        super().__init__("rolled back")
        self.result = result


def check_projections(database: Database, settings: RuleSettings | None = None) -> ProjectionCheck:
    """Rebuild the projections from the ledger in scratch and compare them with the stored."""
    engine = BatchEngine(settings or RuleSettings())
    try:
        with database.write() as connection:
            rows = projection_snapshot.keep(connection)
            clear_projections(connection)
            head, _ = read_head(connection)
            entries = 0
            for batch in _stored_batches(connection):
                replay(connection, engine, batch, head)
                entries += len(batch)
            found = projection_snapshot.first_difference(connection)
            raise _Discard(ProjectionCheck(rows, entries, found))
    except _Discard as done:
        return done.result
