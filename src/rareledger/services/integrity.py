"""Verify the ledger's hash chain, and rebuild every projection from the ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete

from rareledger.domain.findings import RuleSettings
from rareledger.domain.integrity import ChainBreak
from rareledger.domain.ledger import Actor, Ledger
from rareledger.domain.needs import needs_of
from rareledger.domain.problems import Rejected
from rareledger.domain.state import LedgerState, Needs
from rareledger.services.reporting import replay_record
from rareledger.services.screening import make_screener
from rareledger.store import schema
from rareledger.store.database import Database
from rareledger.store.log import iter_entries, read_head, verify_chain
from rareledger.store.projections import SqlStateSource, clear_projections, write_changes

REPLAY_BATCH = 5000
REPLAY_CACHE_LIMIT = 2_000_000


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
) -> int:
    """Empty the projections and replay the whole ledger through the same rules.

    Runs in one write transaction, so readers see either the old or the new projections.
    Returns the number of entries replayed.
    """
    with database.write() as connection:
        clear_projections(connection)
        connection.execute(delete(schema.detection_state))  # folded from the old findings
        head, _ = read_head(connection)
        source = SqlStateSource(connection)
        state = LedgerState(source)
        rules = settings or RuleSettings()
        ledger = Ledger(state, rules, make_screener(rules.screening_threshold))
        batch: list[tuple[int, str, str]] = []
        done = 0
        for entry, _hash in iter_entries(connection):
            batch.append((entry.position, entry.recorded_at, entry.record))
            if len(batch) == REPLAY_BATCH:
                done += _replay(connection, state, ledger, batch)
                batch = []
                if progress:
                    progress(done, head)
        done += _replay(connection, state, ledger, batch)
        if progress:
            progress(done, head)
    return done


def _replay(
    connection: Connection, state: LedgerState, ledger: Ledger, batch: list[tuple[int, str, str]]
) -> int:
    parsed = [(position, recorded_at, replay_record(text)) for position, recorded_at, text in batch]
    needs = Needs()
    for _, _, record in parsed:
        needs_of(record, needs)
    state.prefetch(needs)
    operator = Actor("rebuild")
    for position, recorded_at, record in parsed:
        try:
            ledger.apply(
                record,
                position=position,
                recorded_at=datetime.fromisoformat(recorded_at),
                actor=operator,
            )
        except Rejected as rejection:  # pragma: no cover - would mean the rules changed
            raise RuntimeError(
                f"entry {position} is rejected on replay: {rejection}"
            ) from rejection
    write_changes(connection, *state.take_changes())
    if state.size() > REPLAY_CACHE_LIMIT:
        state.forget()
    return len(batch)
