"""Detection's saved fold, and the ledger entries (with their findings) that a fold reads.

The fold is a cache of the facts the rules need, kept with the position it reached so that
the next run reads only the entries after it. It is stored as compressed JSON in one row.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from rareledger.store import schema
from rareledger.store.database import raw_rows

CHUNK = 20_000
PENDING_CHUNK = 1000
FoundOnEntry = list[tuple[str, str, str]]  # (finding code, enterprise, event) of one entry


@dataclass(frozen=True, slots=True)
class SavedFold:
    version: int
    as_of: datetime
    state: dict[str, Any]


def load(connection: Connection) -> SavedFold | None:
    t = schema.detection_state
    row = connection.execute(select(t).where(t.c.id == 1)).first()
    if row is None:
        return None
    state: dict[str, Any] = orjson.loads(zlib.decompress(row.state))
    return SavedFold(row.version, datetime.fromisoformat(row.as_of), state)


def save(
    connection: Connection, *, version: int, position: int, as_of: datetime, state: Any
) -> None:
    """Replace the saved fold; ``state`` is anything orjson writes."""
    forget(connection)
    connection.execute(
        schema.detection_state.insert().values(
            id=1,
            version=version,
            position=position,
            as_of=as_of.isoformat(),
            saved_at=datetime.now(UTC).isoformat(),
            state=zlib.compress(orjson.dumps(state), 1),
        )
    )


def forget(connection: Connection) -> None:
    """Drop the saved fold: the next run reads the whole ledger."""
    connection.execute(delete(schema.detection_state))


def entries(
    connection: Connection, types: Sequence[str], pending: list[int], start: int, head: int
) -> Iterator[tuple[int, str, str, FoundOnEntry]]:
    """(position, recorded_at, record text, findings) of the entries of ``types``: the
    ``pending`` positions first, then those after ``start`` up to ``head``."""
    e = schema.ledger_entries
    columns = (e.c.position, e.c.recorded_at, e.c.record)
    for i in range(0, len(pending), PENDING_CHUNK):
        chosen = pending[i : i + PENDING_CHUNK]
        rows = raw_rows(connection, select(*columns).where(e.c.position.in_(chosen)))
        found = _findings(connection, min(chosen) - 1, max(chosen))
        for position, recorded_at, record in sorted(rows):
            yield position, recorded_at, record, found.get(position, [])
    for low in range(start, head, CHUNK):
        high = min(low + CHUNK, head)
        rows = raw_rows(
            connection,
            select(*columns)
            .where(e.c.position > low, e.c.position <= high, e.c.type.in_(list(types)))
            .order_by(e.c.position),
        )
        found = _findings(connection, low, high)
        for position, recorded_at, record in rows:
            yield position, recorded_at, record, found.get(position, [])


def _findings(connection: Connection, low: int, high: int) -> dict[int, FoundOnEntry]:
    f = schema.findings
    found: dict[int, FoundOnEntry] = defaultdict(list)
    query = (
        select(f.c.position, f.c.code, f.c.enterprise_id, f.c.event_id)
        .where(f.c.position > low, f.c.position <= high)
        .order_by(f.c.position, f.c.seq)
    )
    for position, code, firm, event_id in raw_rows(connection, query):
        found[position].append((code, firm, event_id))
    return found
