"""Domestic trade: sales between enterprises, magnet making, and the traders' business."""

from __future__ import annotations

from datetime import datetime, timedelta

from rareledger.simulation.context import Sim, Window, latest
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import (
    PPM,
    Holding,
    Take,
    derive_ppm,
    element_totals,
    runs,
    split_mass,
)
from rareledger.simulation.products import GRADES, MAGNET_RE_KEPT, PRND_IN_MAGNET
from rareledger.simulation.sales import sell

TO_SMELTERS = {"prnd_oxide": 0.85, "dy_oxide": 0.8, "tb_oxide": 0.8}
TO_EXPORTERS = {
    "la_oxide": 0.35, "ce_oxide": 0.35, "y_oxide": 0.3, "seg_mix": 0.3, "hre_mix": 0.3,
    "prnd_oxide": 0.3, "dy_oxide": 0.3, "tb_oxide": 0.3,
    "prnd_metal": 0.3, "dyfe_alloy": 0.3, "tb_metal": 0.3,
}  # fmt: skip
METALS_TO_TRADERS = 0.08  # of smelters' metal lots: sold to traders (some for export)
OWN_GROUP = 0.6  # a group's plant sells to the group's smelters this often (assumption)
TO_OTHER_TRADERS = 0.1  # of a trader's fresh lots: sold to another trader
TURNOVER_DAYS = 25  # a trader holding stock sells at least this often
MAGNETS_EXPORTED = 0.5
MAGNET_LOT_KG = 250


def sell_lots(
    sim: Sim,
    window: Window,
    seller: Enterprise,
    holdings: list[Holding],
    buyers: list[Enterprise],
    per_shipment: int = 1,
) -> None:
    if not buyers:
        return
    own = [b for b in buyers if b.group and b.group == seller.group]
    for start in range(0, len(holdings), per_shipment):
        batch = holdings[start : start + per_shipment]
        when = sim.when(window, latest(batch))
        if when is None:
            continue
        pool = own if own and sim.rng.random() < OWN_GROUP else buyers
        sell(sim, seller, sim.pick(pool), sim.stock.take_all(seller.id, batch), when)


def distribute_separated(sim: Sim, window: Window) -> None:
    smelters = sim.economy.role("metal_smelter")
    traders = sim.economy.role("trader")
    for plant in sim.economy.role("separator"):
        ready = sim.stock.ready(plant.id, window.cutoff, TO_EXPORTERS)
        to_smelters = [h for h in ready if sim.rng.random() < TO_SMELTERS.get(h.lot.product, 0)]
        chosen = {id(h) for h in to_smelters}
        to_traders = [h for h in ready if id(h) not in chosen]
        sell_lots(sim, window, plant, to_smelters, smelters)
        sell_lots(sim, window, plant, to_traders, traders)


def distribute_metals(sim: Sim, window: Window) -> None:
    makers = sim.economy.role("magnet_maker")
    traders = sim.economy.role("trader")
    for smelter in sim.economy.role("metal_smelter"):
        ready = sim.stock.ready(smelter.id, window.cutoff, ["prnd_metal", "dyfe_alloy", "tb_metal"])
        to_traders = [h for h in ready if sim.rng.random() < METALS_TO_TRADERS]
        chosen = {id(h) for h in to_traders}
        sell_lots(sim, window, smelter, to_traders, traders)
        rest = [h for h in ready if id(h) not in chosen]
        sell_lots(sim, window, smelter, [h for h in rest if h.lot.product == "prnd_metal"], makers)
        # Dy and Tb go to makers that make magnets (that have bought Pr-Nd metal).
        making = [m for m in makers if m.id in sim.making] or makers
        sell_lots(sim, window, smelter, [h for h in rest if h.lot.product != "prnd_metal"], making)


def magnet_making(sim: Sim, window: Window) -> None:
    for maker in sim.economy.role("magnet_maker"):
        prnd = sim.stock.ready(maker.id, window.cutoff, ["prnd_metal"])
        if not prnd:
            continue
        when = sim.when(window, latest(prnd))
        if when is None:
            continue
        grade = sim.rng.choices(list(GRADES), [0.4, 0.4, 0.2])[0]
        inputs = sim.stock.take_all(maker.id, prnd)
        block_g = sum(element_totals(inputs).values()) * MAGNET_RE_KEPT / PRND_IN_MAGNET
        extra = _heavy(sim, maker, when - timedelta(hours=2), grade, block_g)
        if extra is None:
            grade, extra = "magnet_n", []
        for run, run_block_g in _block_runs(inputs + extra, block_g):
            _make(sim, maker, grade, run, run_block_g, when)


def _block_runs(feed: list[Take], block_g: float) -> list[tuple[list[Take], int]]:
    """The block made in runs the ledger accepts, each run's share of the block its share of
    the rare earths that go in."""
    parts = runs(feed)
    if len(parts) == 1:
        return [(feed, int(block_g))]
    whole = sum(element_totals(feed).values())
    return [(run, int(block_g * sum(element_totals(run).values()) / whole)) for run in parts]


def _heavy(
    sim: Sim, maker: Enterprise, before: datetime, grade: str, block_g: float
) -> list[Take] | None:
    """The Dy and Tb inputs the grade needs (held ``before``), or None when the maker lacks them."""
    needs = {"Dy": (GRADES[grade][0], "dyfe_alloy"), "Tb": (GRADES[grade][1], "tb_metal")}
    plans: list[tuple[list[Holding], int]] = []
    for element, (fraction, product) in needs.items():
        if fraction == 0:
            continue
        want = block_g * fraction / MAGNET_RE_KEPT
        ready = sim.stock.ready(maker.id, before, [product])
        have = sum(h.grams * h.lot.composition.get(element, 0) / PPM for h in ready)
        if have < want * 1.01:
            return None
        ppm = min(h.lot.composition[element] for h in ready)
        plans.append((ready, int(want * PPM / ppm) + 1))
    taken: list[Take] = []
    for ready, grams in plans:
        taken.extend(sim.stock.take(maker.id, ready, grams))
    return taken


def _make(
    sim: Sim, maker: Enterprise, grade: str, inputs: list[Take], block_g: int, when: datetime
) -> None:
    kept = {el: int(g * MAGNET_RE_KEPT) for el, g in element_totals(inputs).items()}
    composition = derive_ppm(kept, block_g)
    magnets_g = int(block_g * sim.rng.uniform(0.68, 0.8))
    outputs = [
        (sim.actions.lot(maker, "magnet", grade, composition), piece)
        for piece in split_mass(magnets_g, MAGNET_LOT_KG * 1000)
    ]
    outputs.append((sim.actions.lot(maker, "scrap", "swarf", composition), block_g - magnets_g))
    sim.actions.process(maker, "magnet_making", inputs, outputs, when)


def distribute_magnets(sim: Sim, window: Window) -> None:
    recyclers = sim.economy.role("recycler")
    exporters = [e for e in sim.economy.role("exporter") if "magnet_maker" not in e.roles]
    for maker in sim.economy.role("magnet_maker"):
        swarf = sim.stock.ready(maker.id, window.cutoff, ["swarf"])
        sell_lots(sim, window, maker, swarf, recyclers)
        if "exporter" in maker.roles:
            continue
        magnets = sim.stock.ready(maker.id, window.cutoff, list(GRADES))
        outgoing = [h for h in magnets if sim.rng.random() < MAGNETS_EXPORTED]
        sell_lots(sim, window, maker, outgoing, exporters)


def distribute_traded(sim: Sim, window: Window) -> None:
    """Traders sell part of their fresh stock to export houses and to other traders; one that
    has sold nothing for ``TURNOVER_DAYS`` sells a lot it holds (a business turns stock over)."""
    exporters = [e for e in sim.economy.role("exporter") if "magnet_maker" not in e.roles]
    traders = sim.economy.role("trader")
    quiet_since = window.start + timedelta(days=15 - TURNOVER_DAYS)
    for trader in traders:
        ready = sim.stock.ready(trader.id, window.cutoff, TO_EXPORTERS)
        fresh = [h for h in ready if h.ready >= window.start - timedelta(days=3)]
        outgoing = [h for h in fresh if sim.rng.random() < TO_EXPORTERS[h.lot.product]]
        taken = {id(h) for h in outgoing}
        onward = [h for h in fresh if id(h) not in taken and sim.rng.random() < TO_OTHER_TRADERS]
        taken |= {id(h) for h in onward}
        rest = [h for h in ready if id(h) not in taken]
        last = sim.last_sale.get(trader.id)
        if not taken and rest and (last is None or last < quiet_since):
            outgoing = rest[:1]
        sell_lots(sim, window, trader, outgoing, exporters)
        sell_lots(sim, window, trader, onward, [t for t in traders if t is not trader])
