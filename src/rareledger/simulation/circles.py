"""Circular trading: a lot sold round related firms and back to the first, inflating turnover.

Standard: one lot round three traders, 6 % dearer at each step. Hard: round three to five firms,
one of them a metal smelter that relabels the lot (a processing event ``other``: the same
material under a new lot id) on the way, 1-3 % dearer at each step, as honest margins are.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from rareledger.simulation.context import Sim, Window
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import Take
from rareledger.simulation.prices import market_cny
from rareledger.simulation.products import SEPARATED

PRODUCTS = tuple(SEPARATED)
STEP_MARKUP = {"standard": (0.06, 0.06), "hard": (0.01, 0.03)}


def circular_trading(sim: Sim, window: Window) -> None:
    """Per trader and month, the chance of a circle starting from it."""
    for trader in sim.economy.role("trader"):
        if sim.violations.hit("circular_trading"):
            circle(sim, window, trader)


def circle(sim: Sim, window: Window, first: Enterprise) -> None:
    rng = sim.violations.rng
    others = [t for t in sim.economy.role("trader") if t is not first]
    smelters = sim.economy.role("metal_smelter")
    ready = sim.stock.ready(first.id, window.start + timedelta(days=8), PRODUCTS)
    when = sim.when(window, ready[0].ready) if ready else None
    if len(others) < 2 or when is None or not smelters:
        return
    if sim.violations.hard:
        middle: list[Enterprise] = rng.sample(others, min(len(others), rng.randint(1, 3)))
        middle.insert(rng.randint(0, len(middle)), rng.choice(smelters))
    else:
        middle = rng.sample(others, 2)
    ring = [first, *middle, first]
    items = sim.stock.take_all(first.id, ready[:1])
    low, high = STEP_MARKUP[sim.violations.difficulty]
    price = market_cny(items, when, sim.year)
    events: list[str] = []
    for step, (seller, buyer) in enumerate(itertools.pairwise(ring)):
        price *= 1 + rng.uniform(low, high) * (step > 0)
        shipped = sim.actions.ship(seller, buyer, items, when, value_cny=price)
        events.append(shipped.shipment_id)
        if step == len(ring) - 2:
            break
        items = _held(sim, buyer, items, shipped.recorded)
        when = shipped.recorded + timedelta(hours=rng.randint(3, 40))
        if "metal_smelter" in buyer.roles:
            items, relabelled, when = _relabel(sim, buyer, items, when)
            events.append(relabelled)
    sim.violations.add("circular_trading", [t.id for t in ring], events, window.start)


def _held(sim: Sim, holder: Enterprise, items: list[Take], since: datetime) -> list[Take]:
    lots = {lot.lot_id for lot, _ in items}
    held = sim.stock.ready(holder.id, since, {lot.product for lot, _ in items})
    return sim.stock.take_all(holder.id, [h for h in held if h.lot.lot_id in lots])


def _relabel(
    sim: Sim, smelter: Enterprise, items: list[Take], when: datetime
) -> tuple[list[Take], str, datetime]:
    """The same material repacked under a new lot id (a processing event ``other``)."""
    outputs = [
        (sim.actions.lot(smelter, lot.form, lot.product, dict(lot.composition)), grams)
        for lot, grams in items
    ]
    event = sim.actions.process(smelter, "other", items, outputs, when)
    recorded = sim.journal.entries[-1].recorded
    held = _held(sim, smelter, outputs, recorded)
    return held, event, recorded + timedelta(hours=sim.violations.rng.randint(3, 30))
