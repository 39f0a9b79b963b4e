"""Exports: monthly volumes paced to the national figures, to destinations in the published
shares, under licence where controlled; samples and small top-up parcels besides.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rareledger.simulation.context import Sim, Window, latest
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.licences import Licence, controlled
from rareledger.simulation.model import Holding
from rareledger.simulation.parcels import (
    PARCEL_KG,
    Parcel,
    kind_of,
    reapply,
    ship_out,
    usual_g,
)
from rareledger.simulation.partners import Buyer
from rareledger.simulation.products import GRADES
from rareledger.simulation.smuggling import outside, split_licensed, without_licence
from rareledger.simulation.trade import TO_EXPORTERS

MAGNET_EXPORTS_T = 58_152  # RE permanent magnets and magnet alloys, 2024 (fact sheet 4.4)
RE_EXPORTS_T = 55_431  # rare earth exports, 2024 (fact sheet 4.3)
SAMPLE_KG = (1, 20)
SAMPLE_SHARE = 0.15  # exporter-months with a sample sent (assumption)
TOP_UP_SHARE = 0.05  # licensed exports that are a small top-up order (assumption)
TOP_UP = (0.1, 0.3)  # of the usual parcel
MAX_TRIES = 4  # destinations an exporter tries for a parcel
ORDER_SWING = (0.8, 1.25)  # a parcel against the buyer's usual order (drawn once per buyer)
CONSOLIDATE = timedelta(days=3)  # an exporter ships to one buyer at most this often
CLEAR_AFTER = timedelta(days=30)  # stock held this long goes in a smaller parcel


def exports(sim: Sim, window: Window) -> None:
    if window.index < 0:
        return
    for kind, target, products in (
        ("magnet", MAGNET_EXPORTS_T, tuple(GRADES)),
        ("oxide", RE_EXPORTS_T, tuple(TO_EXPORTERS)),
    ):
        due = target * 1e6 * sim.scale * sim.cumulative(f"export:{kind}", window)
        key = f"exported:{kind}"
        exporters = list(sim.economy.role("exporter"))
        sim.rng.shuffle(exporters)
        progress = True
        while progress and due - sim.done.get(key, 0.0) > 0:
            progress = False
            for exporter in exporters:
                need = due - sim.done.get(key, 0.0)
                if need <= 0:
                    break
                grams = _export_some(sim, window, exporter, products, int(need) + 1000)
                sim.done[key] = sim.done.get(key, 0.0) + grams
                progress = progress or grams > 0
    samples(sim, window)


def _export_some(
    sim: Sim, window: Window, exporter: Enterprise, products: tuple[str, ...], need: int
) -> int:
    ready = sim.stock.ready(exporter.id, window.cutoff, products)
    held = sorted({h.lot.product for h in ready})
    sim.rng.shuffle(held)
    for product in held:
        holdings = [h for h in ready if h.lot.product == product]
        done = _export_product(sim, window, exporter, holdings, need)
        if done:
            return done
    return 0


def _parcel_g(
    sim: Sim,
    exporter: Enterprise,
    buyer: Buyer,
    holdings: list[Holding],
    need: int,
    when: datetime,
) -> int:
    """The parcel this buyer orders: about its usual order (0 while the exporter waits for
    stock to fill it, or when it shipped to this buyer in the last few days)."""
    product = holdings[0].lot.product
    last = sim.last_parcel.get((exporter.id, buyer.name))
    if last is not None and holdings and latest(holdings) < last + CONSOLIDATE:
        return 0
    key = (exporter.id, buyer.name, product)
    if key not in sim.orders:
        sim.orders[key] = sim.rng.uniform(*PARCEL_KG[product]) * 1000
    size = int(sim.orders[key] * sim.rng.uniform(*ORDER_SWING))
    available = sum(h.grams for h in holdings)
    waited = when - min(h.ready for h in holdings)
    if available < size // 2 and need > available and waited < CLEAR_AFTER:
        return 0  # an exporter waits until it holds a parcel's worth (for a month at most)
    return min(size, need, available) // 1000 * 1000


def _export_product(
    sim: Sim, window: Window, exporter: Enterprise, holdings: list[Holding], need: int
) -> int:
    product = holdings[0].lot.product
    when = sim.when(window, latest(holdings))
    if when is None:
        return 0
    countries = sim.destinations.order(kind_of(product))
    if not controlled(product, when):
        for country in countries[:MAX_TRIES]:
            buyer = sim.client(exporter, product, country)
            grams = _parcel_g(sim, exporter, buyer, holdings, need, when)
            if grams >= 1000:
                return ship_out(sim, Parcel(exporter, buyer, holdings, grams, when))
        return 0
    for country in countries[:MAX_TRIES]:
        buyer = sim.client(exporter, product, country)
        grams = _parcel_g(sim, exporter, buyer, holdings, need, when)
        if grams < 1000:
            continue
        key = (exporter.id, buyer.name, product)
        parcel = Parcel(exporter, buyer, holdings, grams, when)
        licence = sim.desk.best(key, when)
        if licence is not None:
            return _licensed(sim, window, parcel, licence)
        if not sim.desk.waiting(key, when):
            return without_licence(sim, window, parcel)
    return 0


def _licensed(sim: Sim, window: Window, parcel: Parcel, licence: Licence) -> int:
    if licence.decided > parcel.when:
        when = sim.when(window, max(latest(parcel.holdings), licence.decided))
        if when is None or not licence.usable(when, 1000):
            return 0
        parcel.when = when
    parcel.grams = min(parcel.grams, licence.remaining_g // 1000 * 1000)
    if parcel.grams < 1000:
        return 0
    parcel.licence_no = licence.licence_no
    violations = sim.violations
    if violations.hit("export_outside_licence"):
        return outside(sim, parcel, licence)
    if violations.hard and violations.hit("split_consignments"):
        split = split_licensed(sim, window, parcel, licence)
        if split is not None:
            return split
    if sim.rng.random() < TOP_UP_SHARE:
        small = int(usual_g(parcel.product) * sim.rng.uniform(*TOP_UP)) // 1000 * 1000
        parcel.grams = max(1000, min(parcel.grams, small))
    done = ship_out(sim, parcel)
    sim.desk.draw(licence, done, sim.journal.entries[-1].recorded)
    reapply(sim, parcel, licence)
    return done


def samples(sim: Sim, window: Window) -> None:
    """Now and then an exporter sends a small sample of an uncontrolled product to a buyer."""
    products = (*GRADES, *TO_EXPORTERS)
    for exporter in sim.economy.role("exporter"):
        if sim.rng.random() >= SAMPLE_SHARE:
            continue
        ready = [h for h in sim.stock.ready(exporter.id, window.cutoff, products) if h.grams > 2000]
        when = sim.when(window, ready[0].ready) if ready else None
        if when is None or controlled(ready[0].lot.product, when):
            continue
        kind = kind_of(ready[0].lot.product)
        country = sim.destinations.order(kind)[0]
        buyers = [b for b in sim.economy.buyers if b.country == country and b.product_kind == kind]
        grams = sim.rng.randint(*SAMPLE_KG) * 1000
        ship_out(
            sim, Parcel(exporter, sim.rng.choice(buyers), ready[:1], grams, when, judged=False)
        )
