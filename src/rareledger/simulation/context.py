"""What every stage of the simulated year shares: the economy, stock, journal and calendar."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rareledger.simulation.actions import Actions
from rareledger.simulation.economy import Economy, Enterprise
from rareledger.simulation.licences import LicenceDesk
from rareledger.simulation.model import CST, Holding, Journal, Stock, Take
from rareledger.simulation.noise import Yields
from rareledger.simulation.partners import Buyer, Destinations
from rareledger.simulation.prices import Pricing
from rareledger.simulation.violations import Violations

SEASON = (1.0, 0.72, 1.0, 1.03, 1.05, 1.04, 1.0, 1.0, 1.03, 0.98, 1.05, 1.1)  # Spring Festival


@dataclass(frozen=True, slots=True)
class Window:
    """One month: events occur from ``start`` to a day before ``end``."""

    index: int  # 0..11
    start: datetime
    end: datetime

    @property
    def cutoff(self) -> datetime:
        """Stock must be ready by then to be used this month."""
        return self.end - timedelta(days=2)


def month_window(year: int, index: int) -> Window:
    """Month ``index`` of ``year`` (0 = January; -1 = the December before, the run-in)."""
    if index < 0:
        return Window(
            index, datetime(year - 1, 12, 1, tzinfo=CST), datetime(year, 1, 1, tzinfo=CST)
        )
    start = datetime(year, index + 1, 1, tzinfo=CST)
    end = datetime(year + (index == 11), 1 if index == 11 else index + 2, 1, tzinfo=CST)
    return Window(index, start, end)


@dataclass(slots=True)
class Spell:
    """A violation carried on over months (hard difficulty): its share, end and events."""

    kind: str
    enterprises: tuple[str, ...]
    share: float
    until: datetime
    started: datetime
    events: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Sim:
    economy: Economy
    stock: Stock
    journal: Journal
    actions: Actions
    desk: LicenceDesk
    violations: Violations
    rng: random.Random
    scale: float
    year: int
    pricing: Pricing
    yields: Yields
    destinations: Destinations
    done: dict[str, float] = field(default_factory=dict)
    curves: dict[str, list[float]] = field(default_factory=dict)
    clients: dict[tuple[str, str, str], Buyer] = field(default_factory=dict)
    spells: dict[tuple[str, ...], Spell] = field(default_factory=dict)
    ended: list[Spell] = field(default_factory=list)
    trades: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)
    last_sale: dict[str, datetime] = field(default_factory=dict)
    parcels: dict[tuple[str, str], list[int]] = field(
        default_factory=dict
    )  # exporter, product or buyer
    orders: dict[tuple[str, str, str], float] = field(default_factory=dict)  # usual order, g
    last_parcel: dict[tuple[str, str], datetime] = field(default_factory=dict)  # to a buyer
    making: set[str] = field(default_factory=set)  # magnet makers that have bought Pr-Nd metal
    phase: str = ""  # "runin:" while simulating the month before the year

    def tally(self, key: str) -> str:
        """The name of a running total, kept apart for the run-in month."""
        return f"{self.phase}{key}"

    breaches: dict[str, tuple[datetime, list[str]]] = field(default_factory=dict)
    weights: dict[tuple[str, ...], list[float]] = field(default_factory=dict)
    utilisation: dict[str, float] = field(default_factory=dict)

    def share_of_quota(self, ent: Enterprise, low: float, high: float) -> float:
        """The share of its quota ``ent`` works to this year (drawn once)."""
        if ent.id not in self.utilisation:
            self.utilisation[ent.id] = self.rng.uniform(low, high)
        return self.utilisation[ent.id]

    def client(self, exporter: Enterprise, product: str, country: str) -> Buyer:
        """The buyer in ``country`` this exporter sells ``product`` to (chosen once)."""
        key = (exporter.id, product, country)
        if key not in self.clients:
            kind = "magnet" if product.startswith("magnet") else "oxide"
            buyers = [
                b for b in self.economy.buyers if b.product_kind == kind and b.country == country
            ]
            self.clients[key] = self.rng.choice(buyers)
        return self.clients[key]

    def spell(self, key: tuple[str, ...], when: datetime) -> Spell | None:
        """The spell running under ``key`` at ``when`` (a finished one is put aside)."""
        found = self.spells.get(key)
        if found is not None and when > found.until:
            self.ended.append(self.spells.pop(key))
            return None
        return found

    def when(self, window: Window, after: datetime | None = None) -> datetime | None:
        """A moment in the month, two hours or more after ``after``; None when none is left."""
        lo = window.start + timedelta(hours=8)
        if after is not None:
            lo = max(lo, after + timedelta(hours=2))
        hi = window.end - timedelta(days=1)
        if lo >= hi:
            return None
        minutes = int((hi - lo).total_seconds() // 60)
        return lo + timedelta(minutes=self.rng.randint(0, minutes))

    def cumulative(self, key: str, window: Window) -> float:
        """Share of the year's plan due by the end of the month (a noisy seasonal curve).

        In the run-in month before the year, a twelfth of it.
        """
        if window.index < 0:
            return 1 / 12
        curve = self.curves.get(key)
        if curve is None:
            raw = [s * self.rng.uniform(0.92, 1.08) for s in SEASON]
            total = sum(raw)
            running, curve = 0.0, []
            for value in raw:
                running += value / total
                curve.append(running)
            curve[-1] = 1.0
            self.curves[key] = curve
        return curve[window.index]

    def pick(self, candidates: list[Enterprise]) -> Enterprise:
        """One of ``candidates``, the larger the likelier."""
        key = tuple(c.id for c in candidates)
        cumulative = self.weights.get(key)
        if cumulative is None:
            cumulative = list(
                itertools.accumulate(c.size * max(c.quota_t, 1.0) for c in candidates)
            )
            self.weights[key] = cumulative
        return self.rng.choices(candidates, cum_weights=cumulative)[0]


def latest(holdings: list[Holding]) -> datetime:
    return max(h.ready for h in holdings)


def reo_take(sim: Sim, holder: str, holdings: list[Holding], reo_g: float) -> list[Take]:
    """Take lots (first in, first out) holding about ``reo_g`` grams of REO."""
    plan: list[Take] = []
    for holding in holdings:
        if reo_g <= 0:
            break
        per_g = holding.lot.reo_g(holding.grams) / holding.grams
        part = min(holding.grams, int(reo_g / per_g) + 1)
        plan.append((holding.lot, part))
        reo_g -= part * per_g
    taken: list[Take] = []
    for lot, grams in plan:
        mine = [h for h in holdings if h.lot is lot]
        taken.extend(sim.stock.take(holder, mine, grams))
    return taken
