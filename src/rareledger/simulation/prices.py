"""Honest prices: a market that moves by the month, and the terms each pair of firms agrees.

The market index follows the SMM quotes of 2025 in section 4.7 of
``shared/reference/rare-earth-domain.md`` (base prices in ``products.py`` are the March 2025
level): Pr-Nd oxide 443-445k CNY/t on 4 March, 433-437k and 408-410k in April, 444.5k average in
June, 460-470k on 14 July, 600-608k on 28 August, 595-598k on 4 September; Dy oxide 1.70-1.72 m,
1.68-1.70 and 1.60-1.62 m, 1,615 CNY/kg, 1.66-1.70 m, 1.63-1.64 m; Tb oxide 6.55-6.65 m,
7.05-7.10 and 6.74-6.80 m, 7.16-7.20 m, 7.40-7.46 m. Months without a quote are interpolated
(May, August for Dy and Tb) or held (January and February at the March level, October to
December at the September level): an assumption. Magnets move with Pr-Nd for 40 % of their price
(the metal's share: assumption); other products hold their price. A day's price lies on the line
between the months' middles.

What a sale is invoiced at (assumptions, documented in docs/simulation.md): firms of one group
trade at transfer prices (the month's average, 1-3 % off, drawn once per pair); other pairs
either hold a contract (the month's average, 0-2 % off, drawn once per pair) or trade at the
day's spot price (2 % under to 3 % over); large buyers get 0.5-2 % more off. Concentrates,
mixed compounds and scrap are priced by their rare earth oxide content (addendum 1.5: mineral
products are "measured and priced on an oxide-equivalent basis").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from rareledger.simulation.model import CST, PPM, REO_FACTOR, Lot, Take
from rareledger.simulation.products import (
    CNY_PER_USD,
    EXPORT_MARKUP,
    IONIC,
    LIGHT,
    PRICE_CNY,
    reo_share,
)

PRND = (0.966, 0.982, 0.998, 0.948, 0.933, 0.999, 1.045, 1.258, 1.340, 1.340, 1.340, 1.340)
DY = (1.036, 1.036, 1.036, 1.000, 0.990, 0.979, 1.018, 1.000, 0.991, 0.991, 0.991, 0.991)
TB = (0.943, 0.943, 0.943, 0.989, 1.000, 1.013, 1.026, 1.045, 1.061, 1.061, 1.061, 1.061)
MAGNET = tuple(round(0.6 + 0.4 * p, 4) for p in PRND)
INDEX: dict[str, tuple[float, ...]] = {
    "prnd_oxide": PRND,
    "prnd_metal": PRND,
    "dy_oxide": DY,
    "dyfe_alloy": DY,
    "tb_oxide": TB,
    "tb_metal": TB,
    "magnet_n": MAGNET,
    "magnet_sh": MAGNET,
    "magnet_uh": MAGNET,
}
# CNY per kg of oxide-equivalent content, for pricing scrap and recycled compounds by content.
CONTENT_CNY = {"Pr": 445.0, "Nd": 445.0, "Dy": 1650.0, "Tb": 7000.0, "La": 7.2, "Ce": 7.2}
CONTENT_SHARE = {"swarf": 0.55, "recycled_mix": 0.85}  # of the content's worth (assumption)
BY_CONTENT = {"light_conc": LIGHT, "ionic_conc": IONIC}  # priced per nominal REO grade
LARGE_BUYER = 3.0  # size on the simulation's Pareto scale from which volume discounts apply


def index(product: str, moment: datetime, year: int) -> float:
    """The market index of ``product`` on a day of ``year``: linear between the months' middles.

    Before the year (its run-in month) the index is January's; after it, December's.
    """
    months = INDEX.get(product)
    if months is None:
        return 1.0
    local = moment.astimezone(CST)
    if local.year != year:
        return months[0] if local.year < year else months[-1]
    position = min(max(local.month - 1 + (local.day - 15) / 30.0, 0.0), 11.0)
    low = min(int(position), 10)
    share = position - low
    return months[low] * (1 - share) + months[low + 1] * share


def month_average(product: str, moment: datetime, year: int) -> float:
    """The index averaged over the days of ``moment``'s month (contracts and transfers)."""
    if product not in INDEX:
        return 1.0
    local = moment.astimezone(CST)
    return _average(product, local.year, local.month, year)


@lru_cache(maxsize=1024)
def _average(product: str, on_year: int, month: int, year: int) -> float:
    first = datetime(on_year, month, 1, 12, tzinfo=CST)
    days = [first + timedelta(days=d) for d in range(31)]
    same = [d for d in days if d.month == month]
    return sum(index(product, d, year) for d in same) / len(same)


def unit_cny(lot: Lot) -> float:
    """The base price of a kilogram of the lot (its grade taken into account)."""
    if lot.product in CONTENT_SHARE:
        content = sum(
            ppm / PPM * REO_FACTOR[el] * CONTENT_CNY.get(el, 0.0)
            for el, ppm in lot.composition.items()
        )
        return content * CONTENT_SHARE[lot.product]
    base = PRICE_CNY[lot.product]
    profile = BY_CONTENT.get(lot.product)
    if profile is not None:
        return base * reo_share(lot.composition) / reo_share(profile)
    return base


def market_cny(items: list[Take], moment: datetime, year: int) -> float:
    """What the items are worth at the day's market price."""
    return sum(
        unit_cny(lot) * grams / 1000 * index(lot.product, moment, year) for lot, grams in items
    )


@dataclass(frozen=True, slots=True)
class Terms:
    kind: str  # transfer | contract | spot
    factor: float  # the pair's discount (drawn once)


@dataclass(slots=True)
class Pricing:
    """The terms each seller and buyer agreed (drawn once per pair)."""

    rng: random.Random
    year: int
    terms: dict[tuple[str, str], Terms] = field(default_factory=dict)

    def pair(self, seller: str, buyer: str, same_group: bool, buyer_size: float) -> Terms:
        key = (seller, buyer)
        if key not in self.terms:
            large = self.rng.uniform(0.98, 0.995) if buyer_size >= LARGE_BUYER else 1.0
            if same_group:
                terms = Terms("transfer", self.rng.uniform(0.97, 0.99) * large)
            elif self.rng.random() < 0.5:
                terms = Terms("contract", self.rng.uniform(0.98, 1.0) * large)
            else:
                terms = Terms("spot", large)
            self.terms[key] = terms
        return self.terms[key]

    def domestic_cny(self, terms: Terms, items: list[Take], moment: datetime) -> float:
        """A domestic sale's invoice value under the pair's terms."""
        if terms.kind == "spot":
            spot = market_cny(items, moment, self.year)
            return spot * terms.factor * self.rng.uniform(0.98, 1.03)
        monthly = sum(
            unit_cny(lot) * grams / 1000 * month_average(lot.product, moment, self.year)
            for lot, grams in items
        )
        return monthly * terms.factor * self.rng.uniform(0.995, 1.005)

    def export_usd(self, items: list[Take], moment: datetime) -> float:
        """An export's price: the day's market price and the export premium, -3 % to +4 %."""
        market = market_cny(items, moment, self.year)
        return market * EXPORT_MARKUP / CNY_PER_USD * self.rng.uniform(0.97, 1.04)
