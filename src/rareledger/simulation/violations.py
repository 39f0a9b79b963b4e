"""Hidden violations: which to inject, how often, and the ground truth of each case."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rareledger.simulation.model import CST, Record

# Rate = the probability that one opportunity (named below) turns into a case.
VIOLATION_TYPES: dict[str, str] = {
    "mining_beyond_quota": "per mine operator: the year's output exceeds the mining quota",
    "illegal_ore_laundering": "per separation campaign: outputs hold more than the inputs",
    "unlicensed_export": "per licence an exporter would apply for: exported without one",
    "export_outside_licence": "per export under a licence: to another end user or beyond quantity",
    "misdeclared_goods": "per licence it would apply for: declared under a free HS code",
    "diverted_shipment": "per domestic shipment: never received",
    "split_consignments": "per licence it would apply for: many small parcels, no licence",
    "under_invoicing": "per export: invoiced at a fraction of the market price",
    "circular_trading": "per trader and month: a lot sold round three related traders",
    "quantity_mismatch": "per domestic shipment: the buyer reports a different quantity",
    "late_report": "per uncontrolled export: recorded after the 10th of the next month",
    "unreported_exports": "per destination country: material leaves with no export report",
}
DEFAULT_RATES: dict[str, float] = {
    "mining_beyond_quota": 0.05,
    "illegal_ore_laundering": 0.01,
    "unlicensed_export": 0.01,
    "export_outside_licence": 0.005,
    "misdeclared_goods": 0.004,
    "diverted_shipment": 0.0003,
    "split_consignments": 0.004,
    "under_invoicing": 0.003,
    "circular_trading": 0.005,
    "quantity_mismatch": 0.0005,
    "late_report": 0.002,
    "unreported_exports": 0.1,
}


@dataclass(frozen=True, slots=True)
class Case:
    type: str
    enterprise_ids: tuple[str, ...]
    event_ids: tuple[str, ...]
    period: str
    country: str = ""  # for cases about a country rather than events

    def as_record(self) -> Record:
        record: Record = {
            "type": self.type,
            "enterprise_ids": list(self.enterprise_ids),
            "event_ids": list(self.event_ids),
            "period": self.period,
        }
        if self.country:
            record["country"] = self.country
        return record


def rates_with(given: Mapping[str, float] | None) -> dict[str, float]:
    rates = dict(DEFAULT_RATES)
    for kind, rate in (given or {}).items():
        if kind not in VIOLATION_TYPES:
            raise ValueError(f"no violation type {kind!r} (known: {', '.join(VIOLATION_TYPES)})")
        if not 0 <= rate <= 1:
            raise ValueError(f"rate for {kind} must be in [0, 1], got {rate}")
        rates[kind] = rate
    return rates


class Violations:
    """Decides with its own seeded generator, apart from the economy's."""

    def __init__(self, rates: Mapping[str, float], seed: int) -> None:
        self.rates = dict(rates)
        self.rng = random.Random(f"violations-{seed}")
        self.cases: list[Case] = []

    def hit(self, kind: str) -> bool:
        rate = self.rates.get(kind, 0.0)
        return rate > 0 and self.rng.random() < rate

    def add(
        self, kind: str, enterprises: Iterable[str], events: Iterable[str], when: datetime
    ) -> None:
        period = when.astimezone(CST).strftime("%Y-%m")
        self.cases.append(Case(kind, tuple(dict.fromkeys(enterprises)), tuple(events), period))

    def add_subject(self, kind: str, country: str, period: str) -> None:
        """A case about a country and period, with no event of its own."""
        self.cases.append(Case(kind, (), (), period, country))
