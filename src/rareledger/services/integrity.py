"""Verify the ledger's hash chain, and rebuild every projection from the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from rareledger.domain.decode import decode_valid
from rareledger.domain.findings import RuleSettings
from rareledger.domain.integrity import ChainBreak
from rareledger.services import collector
from rareledger.services.epcis_reindex import Reindexer
from rareledger.services.reporting import BatchEngine, Stored, replay
from rareledger.store import detection_state
from rareledger.store.database import Database, Transaction
from rareledger.store.log import iter_entries, read_head, verify_chain
from rareledger.store.projections import clear_projections

REPLAY_BATCH = 5000
PARALLEL_FROM_ENTRIES = 20_000  # below this, a worker process costs more than it saves


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    head_position: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify(database: Database) -> Verification:
    """Check every entry against its hash and its predecessor, and the head against both."""
    with database.read() as connection:
        checked, first_break = verify_chain(connection)
        head, _ = read_head(connection)
    return Verification(checked, head, first_break)


def rebuild(
    database: Database,
    settings: RuleSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    index_epcis: bool = False,
    parallel: bool | None = None,
) -> int:
    """Empty the projections and replay the whole ledger through the same engine and rules.

    The EPCIS index is emptied too, and otherwise indexed when first queried; with
    ``index_epcis`` it is rebuilt beside the replay, by a second process when ``parallel``
    (by default from :data:`PARALLEL_FROM_ENTRIES` entries on, for a database that another
    process can open).

    Runs in one write transaction, so readers see either the old or the new projections.
    Returns the number of entries replayed.
    """
    engine = BatchEngine(settings or RuleSettings())
    with database.write() as connection:
        clear_projections(connection)
        detection_state.forget(connection)  # folded from the old findings
        head, _ = read_head(connection)
        if parallel is None:
            parallel = head >= PARALLEL_FROM_ENTRIES and database.shareable
        reindexer = Reindexer(database, head, parallel=parallel) if index_epcis else None
        # The collector stays paused from the first batch to the last (the worker was
        # started before, as it was): switched on between batches, its passes walked the
        # engine's growing state again and again, 15 % of a rebuild's time.
        with collector.paused():
            done = _replay_all(connection, engine, head, reindexer, progress)
        if reindexer:
            reindexer.finish(connection)
        if progress and not done:
            progress(0, head)
    return done


def _replay_all(
    connection: Transaction,
    engine: BatchEngine,
    head: int,
    reindexer: Reindexer | None,
    progress: Callable[[int, int], None] | None,
) -> int:
    done = 0
    for batch in _stored_batches(connection):
        replay(connection, engine, batch, head)
        if reindexer:
            reindexer.insert_ready(connection)
        done += len(batch)
        if progress:
            progress(done, head)
    return done


def _stored_batches(connection: Transaction) -> Iterator[list[Stored]]:
    batch: list[Stored] = []
    for entry, _hash in iter_entries(connection):
        parsed = decode_valid(entry.record, entry.digest, entry.type)
        batch.append(Stored(entry.position, datetime.fromisoformat(entry.recorded_at), parsed))
        if len(batch) == REPLAY_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
