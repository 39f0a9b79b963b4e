"""Detection's saved fold, and the ledger entries (with their findings) that a fold reads.

The fold is a cache of the facts the rules need, kept with the position it reached so that
the next run reads only the entries after it: one row per fact in ``detection_fold``, written
for the keys a run's new entries touched only, and a header row in ``detection_state`` (where
the fold stopped, the moment it judged, the entries it left for later as compressed JSON).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, select

from rareledger.store import schema
from rareledger.store.bulk import bulk_write
from rareledger.store.database import raw_rows, streamed_rows

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


def saved_where(connection: Connection) -> tuple[int, datetime] | None:
    """The position the saved fold reached and the moment it judged (None: no saved fold)."""
    t = schema.detection_state
    row = connection.execute(select(t.c.position, t.c.as_of).where(t.c.id == 1)).first()
    return (int(row.position), datetime.fromisoformat(row.as_of)) if row else None


def save(
    connection: Connection, *, version: int, position: int, as_of: datetime, state: Any
) -> None:
    """Replace the saved fold's header; ``state`` is anything orjson writes."""
    connection.execute(delete(schema.detection_state))
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
    connection.execute(delete(schema.detection_fold))


def fold_rows(connection: Connection, kinds: Sequence[str]) -> Iterator[tuple[str, str, int, str]]:
    """The rows of the saved fold, (kind, key, position, JSON text), kind by kind in the order
    given and by position within a kind (fetched a chunk at a time)."""
    t = schema.detection_fold
    columns = (t.c.kind, t.c.key, t.c.position, t.c.row)
    for kind in kinds:
        query = select(*columns).where(t.c.kind == kind).order_by(t.c.position)
        yield from streamed_rows(connection, query)


def write_fold_rows(
    connection: Connection, rows: Iterable[tuple[str, str, int, str | None]], *, fresh: bool
) -> None:
    """Write the rows of the keys a fold touched (text None: the key holds no fact any more);
    ``fresh``: the rows are the whole fold, replacing what was saved."""
    t = schema.detection_fold
    if fresh:
        connection.execute(delete(t))
    gone: list[dict[str, str]] = []
    kept: list[tuple[str, str, int, str]] = []
    for kind, key, position, text in rows:
        if text is None:
            if not fresh:
                gone.append({"k": kind, "id": key})
        else:
            kept.append((kind, key, position, text))  # the table's columns, in order
        if len(kept) >= CHUNK:
            bulk_write(connection, t, kept, replace=not fresh)
            kept = []
    bulk_write(connection, t, kept, replace=not fresh)
    if gone:
        taken_out = delete(t).where(t.c.kind == bindparam("k"), t.c.key == bindparam("id"))
        connection.execute(taken_out, gone)


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
