"""The EPCIS projection (events indexed for the query interface) and the capture jobs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, or_, select
from sqlalchemy.sql.elements import ColumnElement

from rareledger.store import schema
from rareledger.store.database import insert_rows


def indexed_position(connection: Connection) -> int:
    row = connection.execute(select(schema.epcis_indexed.c.position)).first()
    return int(row.position) if row else 0


def write_indexed(connection: Connection, position: int, events: Sequence[Any]) -> None:
    """Store indexed events (``IndexedEvent`` with their ledger ``position``) and move the
    high-water mark to ``position``."""
    insert_indexed(connection, indexed_rows(events))
    mark_indexed(connection, position)


IndexedRows = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # events, their keys


def indexed_rows(events: Sequence[Any]) -> IndexedRows:
    """The rows of indexed events (``IndexedEvent`` with their ledger ``position``), ready to
    insert; built without a connection, so that another process can build them."""
    rows: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for at, item in events:
        rows.append(
            {
                "position": at,
                "seq": item.seq,
                "hash_id": item.hash_id,
                "reporter": item.reporter,
                "counterparty": item.counterparty,
                "document": json.dumps(item.event, separators=(",", ":"), ensure_ascii=False),
                **item.columns,
            }
        )
        keys.extend(
            {"position": at, "seq": item.seq, "kind": kind, "value": value}
            for kind, value in item.keys
        )
    return rows, keys


def insert_indexed(connection: Connection, rows: IndexedRows) -> None:
    insert_rows(connection, schema.epcis_events, rows[0])
    insert_rows(connection, schema.epcis_keys, rows[1])


def mark_indexed(connection: Connection, position: int) -> None:
    """Move the high-water mark: every entry up to ``position`` is indexed."""
    table = schema.epcis_indexed
    connection.execute(delete(table))
    connection.execute(table.insert().values(id=1, position=position))


def recorded_times(connection: Connection, first: int, last: int) -> dict[int, str]:
    """The ``recorded_at`` of the ledger entries from ``first`` to ``last``."""
    t = schema.ledger_entries
    query = select(t.c.position, t.c.recorded_at).where(t.c.position.between(first, last))
    return {int(row.position): str(row.recorded_at) for row in connection.execute(query)}


def known_hashes(connection: Connection, hash_ids: Iterable[str]) -> set[tuple[str, bool]]:
    """Which (hash ID, is an error declaration) pairs are stored."""
    wanted = sorted(set(hash_ids))
    t = schema.epcis_events
    found: set[tuple[str, bool]] = set()
    for start in range(0, len(wanted), 500):
        query = select(t.c.hash_id, t.c.declared).where(
            t.c.hash_id.in_(wanted[start : start + 500])
        )
        found.update((row.hash_id, bool(row.declared)) for row in connection.execute(query))
    return found


def event_ids_by_hash(connection: Connection, hash_id: str) -> list[str]:
    """The eventIDs of the stored (not declared) events with this hash ID."""
    t = schema.epcis_events
    query = select(t.c.event_id).where(t.c.hash_id == hash_id, t.c.declared.is_(False))
    return [str(row.event_id) for row in connection.execute(query) if row.event_id]


@dataclass
class EventFilter:
    """The query interface's parameters, with values already in canonical form."""

    event_types: list[str] = field(default_factory=list)
    ranges: list[tuple[str, str, str]] = field(default_factory=list)  # column, op, value
    equal: dict[str, list[str]] = field(default_factory=dict)  # column -> values
    event_ids: list[str] = field(default_factory=list)
    keys: list[tuple[list[str], list[str], list[str]]] = field(default_factory=list)
    # each: key kinds, exact values, prefixes (patterns)
    viewer: str | None = None  # an enterprise sees its own and its counterparties' events


def _conditions(wanted: EventFilter) -> list[ColumnElement[bool]]:
    t, k = schema.epcis_events, schema.epcis_keys
    found: list[ColumnElement[bool]] = []
    if wanted.event_types:
        found.append(t.c.event_type.in_(wanted.event_types))
    for column, op, value in wanted.ranges:
        found.append(t.c[column] >= value if op == "GE" else t.c[column] < value)
    for column, values in wanted.equal.items():
        found.append(t.c[column].in_(values))
    if wanted.event_ids:
        found.append(or_(t.c.event_id.in_(wanted.event_ids), t.c.hash_id.in_(wanted.event_ids)))
    for kinds, values, prefixes in wanted.keys:
        matches: list[ColumnElement[bool]] = [k.c.value.in_(values)] if values else []
        matches += [k.c.value.startswith(p, autoescape=True) for p in prefixes]
        found.append(
            exists().where(
                k.c.position == t.c.position,
                k.c.seq == t.c.seq,
                k.c.kind.in_(kinds),
                or_(*matches),
            )
        )
    if wanted.viewer is not None:
        found.append(or_(t.c.reporter == wanted.viewer, t.c.counterparty == wanted.viewer))
    return found


def events_page(
    connection: Connection, wanted: EventFilter, *, after: tuple[int, int] | None, limit: int
) -> list[tuple[int, int, dict[str, Any]]]:
    """(position, seq, event) of matching events in ledger order, after the cursor."""
    t = schema.epcis_events
    conditions = _conditions(wanted)
    if after is not None:
        position, seq = after
        conditions.append(
            or_(t.c.position > position, and_(t.c.position == position, t.c.seq > seq))
        )
    query = (
        select(t.c.position, t.c.seq, t.c.document)
        .where(*conditions)
        .order_by(t.c.position, t.c.seq)
        .limit(limit)
    )
    return [
        (int(row.position), int(row.seq), json.loads(row.document))
        for row in connection.execute(query)
    ]


# ---------------------------------------------------------------- capture jobs


def save_job(connection: Connection, job: dict[str, Any]) -> None:
    row = {**job, "errors": json.dumps(job["errors"], ensure_ascii=False)}
    insert_rows(connection, schema.epcis_capture_jobs, [row], replace=True)


def _job(row: Any) -> dict[str, Any]:
    job = dict(row._mapping)
    job["errors"] = json.loads(job["errors"])
    return job


def get_job(connection: Connection, capture_id: str) -> dict[str, Any] | None:
    table = schema.epcis_capture_jobs
    row = connection.execute(select(table).where(table.c.capture_id == capture_id)).first()
    return None if row is None else _job(row)


def list_jobs(
    connection: Connection, enterprise_id: str | None, limit: int
) -> list[dict[str, Any]]:
    table = schema.epcis_capture_jobs
    query = select(table).order_by(table.c.created_at.desc()).limit(limit)
    if enterprise_id is not None:
        query = query.where(table.c.enterprise_id == enterprise_id)
    return [_job(row) for row in connection.execute(query)]
