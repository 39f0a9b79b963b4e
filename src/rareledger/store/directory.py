"""Master data for people to read: enterprises, facilities, trading partners."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, select

from rareledger.store import schema


def enterprises(connection: Connection) -> list[dict[str, Any]]:
    """Every enterprise's current record."""
    t = schema.enterprises
    return [json.loads(r.record) for r in connection.execute(select(t.c.record).order_by(t.c.id))]


def facilities(connection: Connection) -> list[dict[str, Any]]:
    """Every facility's current record."""
    t = schema.master_records
    query = select(t.c.record).where(t.c.type == "facility").order_by(t.c.id)
    return [json.loads(r.record) for r in connection.execute(query)]


def trading_partners(connection: Connection, enterprise_id: str) -> list[dict[str, Any]]:
    """Whom an enterprise sold to and bought from: shipments and grams, each way."""
    s, i = schema.shipments, schema.shipment_items
    found: list[dict[str, Any]] = []
    for side, other, direction in (
        (s.c.seller, s.c.buyer, "sold_to"),
        (s.c.buyer, s.c.seller, "bought_from"),
    ):
        query = (
            select(other, func.count(func.distinct(s.c.event_id)), func.sum(i.c.shipped_g))
            .join(i, i.c.shipment_event_id == s.c.event_id)
            .where(side == enterprise_id, s.c.retracted.is_(False))
            .group_by(other)
            .order_by(func.sum(i.c.shipped_g).desc())
        )
        found.extend(
            {
                "enterprise_id": row[0],
                "direction": direction,
                "shipments": int(row[1]),
                "grams": int(row[2] or 0),
            }
            for row in connection.execute(query)
        )
    return found


def awaiting_receipt(connection: Connection, buyer: str) -> list[dict[str, Any]]:
    """Shipments to a buyer that it has not reported receiving: (shipment, seller, lot, grams)."""
    s, i = schema.shipments, schema.shipment_items
    query = (
        select(s.c.event_id, s.c.seller, i.c.lot_id, i.c.shipped_g)
        .join(i, i.c.shipment_event_id == s.c.event_id)
        .where(s.c.buyer == buyer, s.c.receipt_event_id.is_(None), s.c.retracted.is_(False))
        .order_by(s.c.position)
        .limit(200)
    )
    return [
        {
            "shipment_event_id": r.event_id,
            "seller": r.seller,
            "lot_id": r.lot_id,
            "grams": int(r.shipped_g),
        }
        for r in connection.execute(query)
    ]
