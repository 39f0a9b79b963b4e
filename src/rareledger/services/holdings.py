"""Answers about lots and holdings: what a lot is, who holds it, what an enterprise holds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from rareledger.domain.elements import ELEMENTS
from rareledger.domain.quantities import format_kg
from rareledger.errors import NotFound
from rareledger.services.export_control import classify_item
from rareledger.store import lineage, queries
from rareledger.store.database import Database

KG = Decimal("0.001")


def element_kg(composition: Mapping[str, Decimal], mass_g: int) -> dict[str, Decimal]:
    """Kilograms of each element in ``mass_g`` grams of a lot."""
    return {symbol: fraction * mass_g / 1000 for symbol, fraction in composition.items()}


def reo_content(composition: Mapping[str, Decimal]) -> Decimal:
    """Mass fraction of rare earth oxide equivalent in a lot (oxide mass / lot mass)."""
    return sum((f * ELEMENTS[s].reo_factor for s, f in composition.items()), Decimal(0))


def _fmt(value: Decimal) -> str:
    return str(value.quantize(KG))


def lot_report(database: Database, lot_id: str, on: date | None = None) -> dict[str, Any]:
    """Form, composition, REO content, holders, transit, the lot's mass accounts, its
    provenance status (``clean``, or ``gap`` with its unresolved causes) and its
    export-control classification on ``on`` (default: today)."""
    with database.read() as connection:
        row = queries.lot(connection, lot_id)
        if row is None:
            raise NotFound(f"no lot {lot_id!r}")
        holders = queries.holders(connection, lot_id)
        transit = queries.in_transit_of_lot(connection, lot_id)
        status = lineage.provenance(connection, lot_id)
    return {
        "lot_id": row.lot_id,
        "form": row.form,
        "composition": {k: str(v) for k, v in row.composition.items()},
        "reo_fraction": str(reo_content(row.composition).quantize(Decimal("0.0001"))),
        "created_by": {
            "event_id": row.event_id,
            "enterprise_id": row.creator,
            "position": row.position,
        },
        "retracted": row.retracted,
        "provenance": status,
        "holders": [{"enterprise_id": h, "mass_kg": format_kg(g)} for h, g in holders],
        "in_transit": [
            {"shipment_event_id": s, "seller": seller, "buyer": buyer, "mass_kg": format_kg(g)}
            for s, seller, buyer, g in transit
        ],
        "control": classify_item(
            database, row.form, row.composition, on or datetime.now(UTC).date()
        ).as_dict(),
        "accounts_kg": {
            name: format_kg(getattr(row, f"{name}_g"))
            for name in ("created", "consumed", "exported", "adjusted", "discrepancy")
        },
    }


def cause_codes(status: dict[str, Any]) -> dict[str, Any]:
    """A provenance status with only the codes of its causes (not the events, which may be
    other enterprises'), each once."""
    codes = sorted({named.split(":", 1)[0] for named in status["causes"]})
    return {"status": status["status"], "causes": codes}


def enterprise_balance(database: Database, enterprise_id: str) -> dict[str, Any]:
    """Holdings by lot, totals by element in kg and kg REO, and what is in transit."""
    with database.read() as connection:
        held = queries.holdings(connection, enterprise_id)
        transit = queries.in_transit_from(connection, enterprise_id)
        lots = queries.lots(connection, [lot_id for lot_id, _ in held])
    totals: dict[str, Decimal] = {}
    for lot_id, mass_g in held:
        for symbol, kg in element_kg(lots[lot_id].composition, mass_g).items():
            totals[symbol] = totals.get(symbol, Decimal(0)) + kg
    ordered = [s for s in ELEMENTS if s in totals]
    return {
        "enterprise": enterprise_id,
        "lots": [{"lot_id": lot_id, "mass_kg": format_kg(g)} for lot_id, g in held],
        "elements": {
            s: {"kg": _fmt(totals[s]), "reo_kg": _fmt(totals[s] * ELEMENTS[s].reo_factor)}
            for s in ordered
        },
        "in_transit": [
            {"shipment_event_id": s, "buyer": buyer, "lot_id": lot_id, "mass_kg": format_kg(g)}
            for s, buyer, lot_id, g in transit
        ],
    }
