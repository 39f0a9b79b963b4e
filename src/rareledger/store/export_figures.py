"""The goods exported, item by item, for the regulator's licence figures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from rareledger.store import schema
from rareledger.store.queries import lots


@dataclass(frozen=True, slots=True)
class ExportedItem:
    """One item of an export in force (not retracted): where it went, under which licence
    number (as declared), how much of which lot, and that lot's composition."""

    destination_country: str
    licence_no: str | None
    lot_id: str
    mass_kg: Decimal
    composition: Mapping[str, Decimal]


def exported_items(connection: Connection) -> list[ExportedItem]:
    """Every item of every export in force, in ledger order."""
    e, entries = schema.events, schema.ledger_entries
    query = (
        select(entries.c.record)
        .join(e, e.c.position == entries.c.position)
        .where(e.c.type == "export", e.c.retracted_by.is_(None), e.c.via_correction.is_(None))
        .order_by(entries.c.position)
    )
    records = [json.loads(row.record) for row in connection.execute(query)]
    lot_ids = sorted({item["lot_id"] for record in records for item in record["items"]})
    compositions = {k: v.composition for k, v in lots(connection, lot_ids).items()}
    return [
        ExportedItem(
            record["destination_country"],
            record.get("licence_no"),
            item["lot_id"],
            Decimal(item["mass_kg"]),
            compositions.get(item["lot_id"], {}),
        )
        for record in records
        for item in record["items"]
    ]
