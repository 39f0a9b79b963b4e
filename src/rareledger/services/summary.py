"""A national summary for the regulator: production against quotas, trade, findings."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from rareledger.domain.elements import ELEMENTS
from rareledger.store import lot_rows, queries, summaries
from rareledger.store.database import Database

TONNE_G = Decimal(1_000_000)


def _reo_t(rows: Iterable[tuple[str, int]]) -> Decimal:
    """Tonnes of REO in (composition text, grams) pairs."""
    total = Decimal(0)
    for composition, grams in rows:
        fractions = lot_rows.parse_composition(composition)
        oxide = sum((f * ELEMENTS[e].reo_factor for e, f in fractions.items()), Decimal(0))
        total += oxide * grams
    return (total / TONNE_G).quantize(Decimal("0.001"))


def national_summary(database: Database, year: int | None = None) -> dict[str, Any]:
    """Production against quotas, imports by origin, exports by destination and element,
    and findings by code (production and imports of ``year`` only, when given)."""
    with database.read() as connection:
        mined = summaries.lots_created_by(connection, "extraction", year=year)
        separated = summaries.lots_created_by(connection, "processing", "separation", year)
        imported = summaries.lots_created_by(connection, "import", year=year)
        quotas = summaries.quota_totals(connection)
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
