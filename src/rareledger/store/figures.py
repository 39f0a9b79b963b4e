"""SQL of the national figures: the cells, how far they are folded, and what they need to read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from rareledger.store import schema, web_tables

CHUNK = 500
GROUPINGS = ("month", "key1", "key2")


@dataclass(frozen=True, slots=True)
class FoldState:
    position: int  # the ledger is folded up to here
    basis: int  # the ledger's head when this fold began: lots were weighed as of then


def fold_state(connection: Connection, version: int) -> FoldState | None:
    """How far the cells are folded, or None when they are missing or of another version."""
    t = web_tables.figure_state
    row = connection.execute(select(t).where(t.c.id == 1)).first()
    if row is None or row.version != version:
        return None
    return FoldState(int(row.position), int(row.basis))


def reset(connection: Connection, version: int, basis: int) -> None:
    """Empty the cells; they are folded again from the start of the ledger."""
    connection.execute(delete(web_tables.figure_cells))
    connection.execute(delete(web_tables.figure_state))
    connection.execute(
        web_tables.figure_state.insert().values(id=1, version=version, position=0, basis=basis)
    )


def advance(connection: Connection, expected: int, position: int) -> bool:
    """Move the folded position from ``expected`` to ``position``; False if someone else did."""
    t = web_tables.figure_state
    moved = connection.execute(
        update(t).where(t.c.id == 1, t.c.position == expected).values(position=position)
    ).rowcount
    return bool(moved)


def add_cells(
    connection: Connection, cells: Iterable[tuple[tuple[str, str, str, str], int]]
) -> None:
    """Add amounts to cells, creating the cells that do not exist yet."""
    rows = [
        {"day": d, "measure": m, "key1": k1, "key2": k2, "amount_ug": amount}
        for (d, m, k1, k2), amount in cells
    ]
    if not rows:
        return
    t = web_tables.figure_cells
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(t)
    statement = insert.on_conflict_do_update(
        index_elements=["day", "measure", "key1", "key2"],
        set_={"amount_ug": t.c.amount_ug + insert.excluded.amount_ug},
    )
    for start in range(0, len(rows), 5000):
        connection.execute(statement, rows[start : start + 5000])


def sums(
    connection: Connection,
    measure: str,
    first_day: str,
    last_day: str,
    by: Sequence[str],
) -> list[tuple[Any, ...]]:
    """(grouping values..., micrograms) of a measure over a range of days, grouped by
    ``month``, ``key1`` and/or ``key2``."""
    t = web_tables.figure_cells
    columns: dict[str, Any] = {
        "month": func.substr(t.c.day, 1, 7),
        "key1": t.c.key1,
        "key2": t.c.key2,
    }
    chosen = [columns[name] for name in by]
    query = (
        select(*chosen, func.sum(t.c.amount_ug))
        .where(t.c.measure == measure, t.c.day >= first_day, t.c.day <= last_day)
        .group_by(*chosen)
        .order_by(*chosen)
    )
    return [(*row[:-1], int(row[-1])) for row in connection.execute(query) if row[-1] is not None]


def stocks(connection: Connection, last_day: str) -> list[tuple[str, int]]:
    """(holder, micrograms of REO) held at the end of a day, by holder: the months before the
    day's month from their monthly cells, the days of its month from the daily ones."""
    month_start = date.fromisoformat(f"{last_day[:7]}-01")
    before = (month_start - timedelta(days=1)).isoformat()
    held: dict[str, int] = {}
    months = sums(connection, "stock_reo_month", "0000-01-01", before, ("key1",))
    days = sums(connection, "stock_reo", month_start.isoformat(), last_day, ("key1",))
    for holder, amount in (*months, *days):
        held[holder] = held.get(holder, 0) + amount
    return sorted(held.items())


def latest_day(connection: Connection, measures: Sequence[str]) -> str | None:
    """The latest day with a cell of one of these measures."""
    t = web_tables.figure_cells
    value = connection.execute(select(func.max(t.c.day)).where(t.c.measure.in_(measures))).scalar()
    return str(value) if value else None


def lot_facts(connection: Connection, lot_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    """(composition text, form, creating event type) of each known lot."""
    lots, events = schema.lots, schema.events
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(lot_ids), CHUNK):
        query = (
            select(lots.c.lot_id, lots.c.composition, lots.c.form, events.c.type)
            .join(events, events.c.event_id == lots.c.event_id, isouter=True)
            .where(lots.c.lot_id.in_(lot_ids[start : start + CHUNK]))
        )
        found.update(
            (r.lot_id, (r.composition, r.form, r.type or "")) for r in connection.execute(query)
        )
    return found


def shipment_items(
    connection: Connection, shipment_ids: Sequence[str]
) -> dict[str, list[tuple[str, int]]]:
    """The (lot, grams shipped) of each known shipment."""
    t = schema.shipment_items
    found: dict[str, list[tuple[str, int]]] = {}
    for start in range(0, len(shipment_ids), CHUNK):
        query = select(t.c.shipment_event_id, t.c.lot_id, t.c.shipped_g).where(
            t.c.shipment_event_id.in_(shipment_ids[start : start + CHUNK])
        )
        for row in connection.execute(query):
            found.setdefault(row.shipment_event_id, []).append((row.lot_id, int(row.shipped_g)))
    return found


def quotas(connection: Connection, year: int) -> list[dict[str, Any]]:
    """The current quota records of a year."""
    t = schema.master_records
    query = select(t.c.record).where(t.c.type == "quota").order_by(t.c.id)
    records = [json.loads(r.record, parse_float=Decimal) for r in connection.execute(query)]
    return [r for r in records if int(r.get("year", 0)) == year]


def event_entries(connection: Connection, after: int, until: int) -> list[tuple[int, str]]:
    """(position, record text) of the events after one position up to another."""
    t = schema.ledger_entries
    query = (
        select(t.c.position, t.c.record)
        .where(t.c.position > after, t.c.position <= until, t.c.kind == "event")
        .order_by(t.c.position)
    )
    return [(int(r.position), str(r.record)) for r in connection.execute(query)]


def findings_by_code(connection: Connection, until_utc: str) -> dict[str, int]:
    """Findings (not retracted) on events that occurred up to a UTC time, by code."""
    f, e = schema.findings, schema.ledger_entries
    query = (
        select(f.c.code, func.count())
        .join(e, e.c.position == f.c.position)
        .where(f.c.retracted.is_(False), e.c.occurred_at <= until_utc)
        .group_by(f.c.code)
        .order_by(f.c.code)
    )
    return {str(code): int(count) for code, count in connection.execute(query)}


def alerts_by_code(connection: Connection, until_period: str) -> list[tuple[str, str, int]]:
    """(code, case status, count) of alerts about periods up to ``YYYY-MM``."""
    t = schema.alerts
    query = (
        select(t.c.code, t.c.status, func.count())
        .where(t.c.period <= until_period)
        .group_by(t.c.code, t.c.status)
        .order_by(t.c.code, t.c.status)
    )
    return [(str(c), str(s), int(n)) for c, s, n in connection.execute(query)]
