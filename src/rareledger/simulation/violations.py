"""Hidden violations: which to inject, how often, in which form, and the ground truth of each.

Two difficulties: ``standard`` builds every case far from honest behaviour (the blatant form);
``hard`` builds every case close to it (the subtle form), see docs/simulation.md. Each case in
the ground truth says which. Every type with a rate above zero has at least one case a year:
when none has been drawn by the type's planned month, its next opportunity becomes one.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rareledger.simulation.model import CST, Record

DIFFICULTIES = ("standard", "hard")
# Rate = the probability that one opportunity (named below) turns into a case.
VIOLATION_TYPES: dict[str, str] = {
    "mining_beyond_quota": "per mine operator: the year's output exceeds the mining quota",
    "illegal_ore_laundering": "per separation campaign: outputs hold more than the inputs give",
    "unlicensed_export": "per licence an exporter would apply for: exported without one",
    "export_outside_licence": "per export under a licence: to another end user or beyond quantity",
    "misdeclared_goods": "per licence it would apply for: declared under another HS heading",
    "diverted_shipment": "per domestic sale: never received, or received by a shell",
    "split_consignments": "per licence it would apply for or use: many small parcels",
    "under_invoicing": "per sale, domestic or export: invoiced below the market price",
    "circular_trading": "per trader and month: a lot sold round related firms back to the first",
    "quantity_mismatch": "per domestic sale: the buyer reports a different quantity",
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
# The months (0 = January) by which each type must have had a case: the licensing types
# only from June, once exporters hold licences (controls from 4 April).
LICENSING = {"unlicensed_export", "export_outside_licence", "misdeclared_goods"}
DUE_MONTHS = {"licensing": (5, 8), "other": (1, 7)}


@dataclass(frozen=True, slots=True)
class Case:
    type: str
    enterprise_ids: tuple[str, ...]
    event_ids: tuple[str, ...]
    period: str
    country: str = ""  # for cases about a country rather than events
    difficulty: str = "standard"

    def as_record(self) -> Record:
        record: Record = {
            "type": self.type,
            "difficulty": self.difficulty,
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

    def __init__(self, rates: Mapping[str, float], seed: int, difficulty: str = "standard") -> None:
        if difficulty not in DIFFICULTIES:
            raise ValueError(f"difficulty must be one of {', '.join(DIFFICULTIES)}")
        self.rates = dict(rates)
        self.difficulty = difficulty
        self.rng = random.Random(f"violations-{seed}")
        self.cases: list[Case] = []
        self.begun: set[str] = set()  # types with a case (or one under way, over months)
        self.month = -1  # the month being simulated; before the year (run-in) nothing is hidden
        self.due = {
            kind: self.rng.randint(*DUE_MONTHS["licensing" if kind in LICENSING else "other"])
            for kind in VIOLATION_TYPES
        }

    @property
    def hard(self) -> bool:
        return self.difficulty == "hard"

    def has(self, kind: str) -> bool:
        return kind in self.begun

    def begin(self, kind: str) -> None:
        """A case of ``kind`` is under way (it is added when it is complete)."""
        self.begun.add(kind)

    def hit(self, kind: str, ensure: bool = True) -> bool:
        """Does this opportunity become a case? Always, once the type is overdue (unless the
        caller sees to the type's one case itself: ``ensure`` false)."""
        rate = self.rates.get(kind, 0.0)
        if rate <= 0 or self.month < 0:
            return False
        if ensure and self.month >= self.due[kind] and not self.has(kind):
            return True
        return self.rng.random() < rate

    def add(
        self, kind: str, enterprises: Iterable[str], events: Iterable[str], when: datetime
    ) -> None:
        period = when.astimezone(CST).strftime("%Y-%m")
        self.begun.add(kind)
        self.cases.append(
            Case(
                kind,
                tuple(dict.fromkeys(enterprises)),
                tuple(events),
                period,
                difficulty=self.difficulty,
            )
        )

    def add_subject(self, kind: str, country: str, period: str) -> None:
        """A case about a country and period, with no event of its own."""
        self.begun.add(kind)
        self.cases.append(Case(kind, (), (), period, country, self.difficulty))
