"""Partner-country import statistics: what the destination countries say arrived from China.

Each destination records about what was reported as exported there (4 % less to 6 % more:
freight timing, the partner's own recording; an assumption). For a share of destinations (the
violation type ``unreported_exports``) material also left the country without any export
report, and the partner's figure is higher: by 30 % to 80 % (standard, the historical gaps of
fact sheet 5.1 were 35-59 %) or by 15 % to 30 % (hard): the mirror gap smuggling leaves behind.
At least one destination has one when the rate is not zero.
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
HONEST = (0.96, 1.06)
GAP = {"standard": (0.3, 0.8), "hard": (0.15, 0.3)}
SOURCE = "simulated partner customs statistics"


def partner_imports(
    records: Iterable[Record], violations: Violations, year: int
) -> list[tuple[str, str, Decimal]]:
    """(country, year, kg) per destination, with the cases of unreported exports noted."""
    reported: dict[str, Decimal] = defaultdict(Decimal)
    for record in records:
        if record["type"] == "export" and str(record["occurred_at"]).startswith(str(year)):
            reported[str(record["destination_country"])] += sum(
                (Decimal(str(item["mass_kg"])) for item in record["items"]), Decimal(0)
            )
    rng = violations.rng
    countries = sorted(reported)
    hidden = [c for c in countries if violations.hit("unreported_exports", False)]
    if not hidden and countries and violations.rates.get("unreported_exports", 0) > 0:
        hidden = [rng.choice(countries)]
    rows = []
    for country in countries:
        kg = reported[country]
        partner = kg * Decimal(str(round(rng.uniform(*HONEST), 4)))
        if country in hidden:
            partner += kg * Decimal(str(round(rng.uniform(*GAP[violations.difficulty]), 4)))
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
