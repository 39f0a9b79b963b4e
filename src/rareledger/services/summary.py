"""A national summary for the regulator: production against quotas, trade, findings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from rareledger.domain.elements import ELEMENTS
from rareledger.store import queries, schema
from rareledger.store.database import Database

TONNE_G = Decimal(1_000_000)


def _reo_t(rows: Iterable[tuple[str, int]]) -> Decimal:
    """Tonnes of REO in (composition text, grams) pairs."""
    total = Decimal(0)
    for composition, grams in rows:
        fractions = queries.parse_composition(composition)
        oxide = sum((f * ELEMENTS[e].reo_factor for e, f in fractions.items()), Decimal(0))
        total += oxide * grams
    return (total / TONNE_G).quantize(Decimal("0.001"))


def _created_by(
    connection: Connection, event_type: str, process: str | None = None, year: int | None = None
) -> list[tuple[str, int, str]]:
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


def _quotas(connection: Connection) -> dict[str, Decimal]:
    t = schema.master_records
    totals: dict[str, Decimal] = {}
    query = select(t.c.record).where(t.c.type == "quota")
    for (record,) in connection.execute(query):
        data = json.loads(record)
        totals[data["kind"]] = totals.get(data["kind"], Decimal(0)) + Decimal(data["reo_t"])
    return totals


def national_summary(database: Database, year: int | None = None) -> dict[str, Any]:
    """Production against quotas, imports by origin, exports by destination and element,
    and findings by code (production and imports of ``year`` only, when given)."""
    with database.read() as connection:
        mined = _created_by(connection, "extraction", year=year)
        separated = _created_by(connection, "processing", "separation", year)
        imported = _created_by(connection, "import", year=year)
        quotas = _quotas(connection)
        exported = queries.exported_by_element_and_destination(connection)
        findings = queries.finding_counts(connection)
    by_destination: dict[str, Decimal] = {}
    by_element: dict[str, Decimal] = {}
    for (element, country), kg in exported.items():
        by_destination[country] = by_destination.get(country, Decimal(0)) + kg
        by_element[element] = by_element.get(element, Decimal(0)) + kg
    return {
        "production_reo_t": {
            "mining": str(_reo_t((c, g) for c, g, _ in mined)),
            "mining_quota": str(quotas.get("mining", Decimal(0))),
            "separation": str(_reo_t((c, g) for c, g, _ in separated)),
            "separation_quota": str(quotas.get("separation", Decimal(0))),
        },
        "imports_t": str(
            (sum((Decimal(g) for _, g, _ in imported), Decimal(0)) / TONNE_G).quantize(
                Decimal("0.001")
            )
        ),
        "exports_element_kg_by_destination": {
            k: str(v.quantize(Decimal("0.001"))) for k, v in sorted(by_destination.items())
        },
        "exports_kg_by_element": {
            k: str(v.quantize(Decimal("0.001"))) for k, v in sorted(by_element.items())
        },
        "findings_by_code": findings,
    }
