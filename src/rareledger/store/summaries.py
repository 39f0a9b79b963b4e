"""Reads for the national summary: lots made by each kind of event, and quotas."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Connection, select

from rareledger.store import schema


def lots_created_by(
    connection: Connection, event_type: str, process: str | None = None, year: int | None = None
) -> list[tuple[str, int, str]]:
    """(composition text, grams created, creator) of the lots that events of a type (and,
    for processing, of one process; and, when given, in one year) created; retracted lots left
    out."""
    lots, events, entries = schema.lots, schema.events, schema.ledger_entries
    query = (
        select(lots.c.composition, lots.c.created_g, lots.c.creator, entries.c.record)
        .join(events, events.c.event_id == lots.c.event_id)
        .join(entries, entries.c.position == events.c.position)
        .where(events.c.type == event_type, lots.c.retracted.is_(False))
    )
    rows = []
    for composition, grams, creator, text in connection.execute(query):
        record = json.loads(text)
        if process is not None and record.get("process") != process:
            continue
        if year is None or record["occurred_at"].startswith(str(year)):
            rows.append((composition, grams, creator))
    return rows


def quota_totals(connection: Connection) -> dict[str, Decimal]:
    """Tonnes of REO allowed by the current quotas, by kind (mining, separation)."""
    t = schema.master_records
    totals: dict[str, Decimal] = {}
    for (record,) in connection.execute(select(t.c.record).where(t.c.type == "quota")):
        data = json.loads(record)
        totals[data["kind"]] = totals.get(data["kind"], Decimal(0)) + Decimal(data["reo_t"])
    return totals
