"""An export being prepared (a parcel), and shipping it out: the declaration, its price, and
the chances of under-invoicing and late filing that every ordinary export carries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from rareledger.simulation.actions import ExportTerms
from rareledger.simulation.context import Sim
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.licences import Licence
from rareledger.simulation.model import Holding, Take
from rareledger.simulation.partners import Buyer
from rareledger.simulation.products import GRADES, HS_CODE
from rareledger.simulation.sales import UNDER_FACTOR

# An exporter's usual parcel of each product, kg (assumption): smaller for the dearer products.
PARCEL_KG = {
    **dict.fromkeys(GRADES, (100, 1_500)),
    "la_oxide": (1_000, 4_000), "ce_oxide": (1_000, 4_000), "y_oxide": (300, 2_000),
    "prnd_oxide": (300, 2_000), "seg_mix": (200, 1_000), "hre_mix": (200, 1_000),
    "dy_oxide": (50, 500), "tb_oxide": (20, 200), "prnd_metal": (200, 1_000),
    "dyfe_alloy": (50, 400), "tb_metal": (10, 100),
}  # fmt: skip
USUAL_FROM = 5  # parcels needed to say what an exporter usually sends
RESPELLED = 0.1  # declarations that spell the buyer's name their own way (case, punctuation)
LATE_DAYS = {"standard": (1, 20), "hard": (1, 3)}  # a late report: days after the deadline


def kind_of(product: str) -> str:
    return "magnet" if product in GRADES else "oxide"


def usual_g(product: str) -> float:
    low, high = PARCEL_KG[product]
    return (low + high) / 2 * 1000


@dataclass(slots=True)
class Parcel:
    """One export being prepared: what leaves, to whom, under which declaration."""

    exporter: Enterprise
    buyer: Buyer
    holdings: list[Holding]
    grams: int
    when: datetime
    licence_no: str | None = None
    hs_code: str | None = None
    end_user: str | None = None
    extra: list[Take] = field(default_factory=list)  # other goods in the same load
    judged: bool = True  # an opportunity for under-invoicing and (uncontrolled) late filing

    @property
    def product(self) -> str:
        return self.holdings[0].lot.product


def reapply(sim: Sim, parcel: Parcel, licence: Licence) -> None:
    key = (parcel.exporter.id, parcel.buyer.name, parcel.product)
    running_low = licence.remaining_g < licence.quantity_g // 4
    if licence.licence_type == "general" and running_low and not sim.desk.waiting(key, parcel.when):
        quantity = general_quantity(sim, parcel.grams)
        sim.desk.apply(parcel.exporter, parcel.buyer, parcel.product, quantity, parcel.when, True)


def general_quantity(sim: Sim, grams: int) -> int:
    """What a general licence is applied for: several consignments, more for big exporters."""
    exporters_grow = max(1, round(math.sqrt(sim.scale / 0.01)))
    return max(grams, 100_000) * sim.rng.randint(4, 10) * exporters_grow


def ship_out(sim: Sim, parcel: Parcel) -> int:
    """Export the parcel (and any other goods in its load); returns the mass exported."""
    violations = sim.violations
    items = sim.stock.take(parcel.exporter.id, parcel.holdings, parcel.grams) + parcel.extra
    value = sim.pricing.export_usd(items, parcel.when)
    under = parcel.judged and violations.hit("under_invoicing")
    late = (
        parcel.judged
        and parcel.licence_no is None
        and parcel.hs_code is None
        and violations.hit("late_report")
    )
    if under:
        value *= violations.rng.uniform(*UNDER_FACTOR[violations.difficulty])
    spelling = _respelled(parcel.buyer.name) if sim.rng.random() < RESPELLED else None
    terms = ExportTerms(
        parcel.buyer,
        parcel.hs_code or HS_CODE[items[0][0].form],
        value,
        parcel.licence_no,
        LATE_DAYS[violations.difficulty] if late else None,
        parcel.end_user,
        spelling,
    )
    event = sim.actions.export(parcel.exporter, items, parcel.when, terms)
    if under:
        violations.add("under_invoicing", [parcel.exporter.id], [event], parcel.when)
    if late:
        violations.add("late_report", [parcel.exporter.id], [event], parcel.when)
    grams = sum(g for _, g in items)
    sim.destinations.record(kind_of(parcel.product), parcel.buyer.country, grams)
    sim.last_parcel[(parcel.exporter.id, parcel.buyer.name)] = parcel.when
    if parcel.judged:
        exporter, product = parcel.exporter.id, parcel.product
        for key in ((exporter, product), (exporter, parcel.buyer.name), ("", product)):
            sim.parcels.setdefault(key, []).append(grams)
    return grams


def usual_parcel_g(sim: Sim, exporter: Enterprise, buyer: Buyer, product: str) -> float:
    """The parcel the exporter usually sends: the upper quartile of its parcels to the buyer,
    of its parcels of the product (from five of them) or of all exporters' parcels of the
    product, whichever is largest; else the product's usual order."""
    found = [
        _quartile(sizes, 0.75)
        for key in ((exporter.id, product), (exporter.id, buyer.name))
        if len(sizes := sim.parcels.get(key, [])) >= USUAL_FROM
    ]
    everyone = sim.parcels.get(("", product), [])
    if len(everyone) >= USUAL_FROM:
        found.append(_quartile(everyone, 0.75))
    return max(found) if found else usual_g(product)


def _quartile(sizes: list[int], share: float) -> float:
    ordered = sorted(sizes)
    return float(ordered[round((len(ordered) - 1) * share)])


def _respelled(name: str) -> str:
    """The same name written another way: in capitals, or without its punctuation."""
    return name.upper() if len(name) % 2 else name.replace(".", "").replace(",", "")
