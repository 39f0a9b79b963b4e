"""Honest noise: holidays, transit times, weighing and moisture, plant yields that drift.

None of these figures is in the domain sheets; each is this project's assumption, documented in
docs/simulation.md ("Honest noise"):

- Public holidays: the Spring Festival (28 January to 4 February 2025) and National Day with
  Mid-Autumn (1 to 8 October 2025), as the State Council's 2025 holiday notice set them; other
  years reuse these dates. Goods shipped in the three days before or during a holiday arrive
  after it, and reports of events in a holiday are filed after it (still before the 10th).
- Weighing: the buyer's scale reads within 0.15 % of the seller's either way. Concentrates and
  mixed carbonates also dry in transit, losing 0.05-0.25 % of their mass. Every honest receipt
  stays within the 0.5 % receipt tolerance of the reporting contract.
- Yields: each separation plant has its own recovery (93.5-96.5 %, around the industry norm of
  fact sheet 4.6), which drifts by up to +0.1 % or -0.05 % a month and moves by up to 0.3 % from
  month to month and 0.2 % from campaign to campaign.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rareledger.simulation.model import Take, holiday_end

HOLD_BEFORE_DAYS = 3  # shipments this close to a holiday wait for its end
WEIGHING = 0.0015
DRYING = (0.0005, 0.0025)
DRYING_FORMS = {"concentrate", "mixed_compound"}
RECOVERY = (0.935, 0.965)
DRIFT_PER_MONTH = (-0.0005, 0.001)
MONTHLY_SWING = 0.003
CAMPAIGN_SWING = 0.002


def arrival(rng: random.Random, shipped: datetime) -> datetime:
    """When goods shipped at ``shipped`` arrive: 2 hours to 3 days, or after a holiday."""
    held = holiday_end(shipped, HOLD_BEFORE_DAYS)
    if held is not None:
        return held + timedelta(minutes=rng.randint(9 * 60, 2 * 24 * 60))
    return shipped + timedelta(minutes=rng.randint(120, 3 * 24 * 60))


def weighed(rng: random.Random, items: list[Take]) -> list[Take]:
    """What the buyer's scale reads for each lot: weighing differences and drying."""
    read: list[Take] = []
    for lot, grams in items:
        share = rng.uniform(-WEIGHING, WEIGHING)
        if lot.form in DRYING_FORMS:
            share -= rng.uniform(*DRYING)
        read.append((lot, max(1, round(grams * (1 + share)))))
    return read


@dataclass(slots=True)
class Yields:
    """Each plant's recovery: its own level, a drift over the year, monthly and batch swings."""

    rng: random.Random
    plants: dict[str, tuple[float, float]] = field(default_factory=dict)
    months: dict[tuple[str, int], float] = field(default_factory=dict)

    def expected(self, plant: str, month: int) -> float:
        """The plant's recovery in the month, before the month's and the batch's swings."""
        if plant not in self.plants:
            self.plants[plant] = (self.rng.uniform(*RECOVERY), self.rng.uniform(*DRIFT_PER_MONTH))
        level, drift = self.plants[plant]
        return level * (1 + drift * (month + 1))

    def recovery(self, plant: str, month: int) -> float:
        expected = self.expected(plant, month)
        if (plant, month) not in self.months:
            self.months[(plant, month)] = self.rng.uniform(-MONTHLY_SWING, MONTHLY_SWING)
        level = self.plants[plant][0]
        swing = self.rng.uniform(-CAMPAIGN_SWING, CAMPAIGN_SWING)
        return expected + level * (self.months[(plant, month)] + swing)
