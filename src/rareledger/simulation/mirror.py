"""Partner-country import statistics: what the destination countries say arrived from China.

Each destination records about what was reported as exported there (a few per cent more or less:
freight timing, the partner's own recording). For a share of destinations (the violation type
``unreported_exports``) material also left the country without any export report, and the
partner's figure is higher by 30 % to 80 %: the mirror gap smuggling leaves behind.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from rareledger.simulation.model import Record
from rareledger.simulation.violations import Violations

PARTNER_FILE = "partner_imports.csv"
SOURCE = "simulated partner customs statistics"


def partner_imports(
    records: Iterable[Record], violations: Violations, year: int
) -> list[tuple[str, str, Decimal]]:
    """(country, year, kg) per destination, with the cases of unreported exports noted."""
    reported: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        if record["type"] == "export":
            reported[str(record["destination_country"])] += sum(
                (Decimal(str(item["mass_kg"])) for item in record["items"]), Decimal(0)
            )
    rng = violations.rng
    rows = []
    for country, kg in sorted(reported.items()):
        partner = kg * Decimal(str(round(rng.uniform(0.97, 1.06), 4)))
        if violations.hit("unreported_exports"):
            partner += kg * Decimal(str(round(rng.uniform(0.3, 0.8), 4)))
            violations.add_subject("unreported_exports", country, str(year))
        rows.append((country, str(year), partner.quantize(Decimal("0.001"))))
    return rows


def write_partner_imports(out: Path, rows: list[tuple[str, str, Decimal]]) -> Path:
    path = out / PARTNER_FILE
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["country", "period", "mass_kg", "source"])
        writer.writerows([country, period, str(kg), SOURCE] for country, period, kg in rows)
    return path
