"""Mines, imports, separation plants, smelters and recyclers: the monthly flow up to metal."""

from __future__ import annotations

from datetime import datetime

from rareledger.simulation.context import Sim, Window, latest, reo_take
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import Take, derive_ppm, element_totals, split_mass
from rareledger.simulation.products import (
    IONIC,
    LIGHT,
    ORIGINS,
    RECYCLING_RECOVERY,
    SEPARATED,
    SEPARATION_RECOVERY,
    SMELTED,
    SMELTING_YIELD,
    diluted,
    oxide_mass_g,
    reo_share,
    vary,
)
from rareledger.simulation.trade import sell, sell_lots

IMPORTS_T = 132_931  # China's rare earth imports 2024
CONCENTRATE_LOT_T = {"light": 3.5, "ionic": 0.6}
IMPORT_LOT_T = 1.6
CAMPAIGNS = 4
FEED = ("light_conc", "ionic_conc", "import_mix", "import_conc", "recycled_mix")


def mining(sim: Sim, window: Window) -> None:
    for miner in sim.economy.role("miner"):
        factor = sim.share_of_quota(miner, 0.975, 0.995)
        due = miner.quota_t * 1e6 * factor * sim.cumulative(miner.id, window)
        key = f"mined:{miner.id}"
        need = due - sim.done.get(key, 0.0)
        while need > 0:
            when = sim.when(window)
            assert when is not None
            outputs = _concentrate_lots(sim, miner, need)
            event = sim.actions.extract(miner, outputs, when)
            mined = sum(lot.reo_g(g) for lot, g in outputs)
            sim.done[key] = sim.done.get(key, 0.0) + mined
            need -= mined
            if sim.done[key] > miner.quota_t * 1e6 and factor > 1:
                sim.breaches.setdefault(miner.id, (when, []))[1].append(event)


def report_quota_breaches(sim: Sim) -> None:
    """One case per miner: the extractions beyond its quota, dated when it was exceeded."""
    for miner_id, (first, events) in sim.breaches.items():
        sim.violations.add("mining_beyond_quota", [miner_id], events, first)


def plan_quota_breaches(sim: Sim) -> None:
    for miner in sim.economy.role("miner"):
        if sim.violations.hit("mining_beyond_quota"):
            sim.utilisation[miner.id] = sim.violations.rng.uniform(1.12, 1.35)


def _concentrate_lots(sim: Sim, miner: Enterprise, need_reo_g: float) -> list[Take]:
    profile = LIGHT if miner.feed == "light" else IONIC
    lot_g = CONCENTRATE_LOT_T[miner.feed] * 1e6
    outputs: list[Take] = []
    for _ in range(sim.rng.randint(1, 3)):
        composition = vary(profile, sim.rng)
        per_g = reo_share(composition)
        grams = int(min(lot_g * sim.rng.uniform(0.8, 1.2), need_reo_g / per_g + 1000))
        grams = max(grams, 1000)
        lot = sim.actions.lot(miner, "concentrate", f"{miner.feed}_conc", composition)
        outputs.append((lot, grams))
        need_reo_g -= grams * per_g
        if need_reo_g <= 0:
            break
    return outputs


def imports(sim: Sim, window: Window) -> None:
    importers = [e for e in sim.economy.role("importer") if "separator" in e.roles]
    for origin in ORIGINS:
        group = "northern" if origin.profile is LIGHT else "chinare"
        buyers = [e for e in importers if e.group == group] or importers
        months = origin.months[1] - origin.months[0] + 1
        if not origin.months[0] <= window.index + 1 <= origin.months[1]:
            continue
        key = f"imported:{origin.country}"
        elapsed = min(1.0, (window.index + 2 - origin.months[0]) / months)
        due = IMPORTS_T * 1e6 * sim.scale * origin.share * elapsed
        while due - sim.done.get(key, 0.0) > 0:
            lot_g = IMPORT_LOT_T * 1e6 * sim.rng.uniform(0.6, 1.4)
            grams = int(min(lot_g, due - sim.done.get(key, 0.0) + 1000))
            composition = diluted(vary(origin.profile, sim.rng), origin.dilution)
            product = "import_mix" if origin.form == "mixed_compound" else "import_conc"
            importer = hungriest(sim, buyers, grams * reo_share(composition))
            lot = sim.actions.lot(importer, origin.form, product, composition)
            when = sim.when(window)
            assert when is not None
            supplier = sim.rng.choice(origin.suppliers)
            sim.actions.import_(importer, origin.country, supplier, [(lot, grams)], when)
            sim.done[key] = sim.done.get(key, 0.0) + grams


def ship_feed(sim: Sim, window: Window) -> None:
    """Miners send their concentrate to their group's separation plants."""
    for miner in sim.economy.role("miner"):
        plants = [s for s in sim.economy.role("separator") if s.group == miner.group]
        ready = sim.stock.ready(miner.id, window.cutoff, FEED)
        for start in range(0, len(ready), 3):
            batch = ready[start : start + 3]
            when = sim.when(window, latest(batch))
            if when is None:
                continue
            items = sim.stock.take_all(miner.id, batch)
            reo_g = sum(lot.reo_g(g) for lot, g in items)
            sell(sim, miner, hungriest(sim, plants, reo_g), items, when)


def hungriest(sim: Sim, plants: list[Enterprise], reo_g: float) -> Enterprise:
    """The plant with the least feed for its quota so far (it gets ``reo_g`` more)."""
    plant = min(plants, key=lambda p: sim.done.get(f"fed:{p.id}", 0.0) / max(p.quota_t, 1e-3))
    key = f"fed:{plant.id}"
    sim.done[key] = sim.done.get(key, 0.0) + reo_g
    return plant


def separation(sim: Sim, window: Window) -> None:
    for plant in sim.economy.role("separator"):
        factor = sim.share_of_quota(plant, 0.985, 0.998)
        due = plant.quota_t * 1e6 * factor * sim.cumulative(plant.id, window)
        key = f"separated:{plant.id}"
        for campaign in range(CAMPAIGNS):
            need = (due - sim.done.get(key, 0.0)) / SEPARATION_RECOVERY
            feed = sim.stock.ready(plant.id, window.cutoff, FEED)
            if need < 1e6 or not feed:
                break
            when = sim.when(window, latest(feed))
            if when is None:
                break
            inputs = reo_take(sim, plant.id, feed, need / (CAMPAIGNS - campaign))
            sim.done[key] = sim.done.get(key, 0.0) + _separate(sim, plant, inputs, when)


def _separate(sim: Sim, plant: Enterprise, inputs: list[Take], when: datetime) -> float:
    laundering = sim.violations.hit("illegal_ore_laundering")
    recovery = SEPARATION_RECOVERY * (sim.violations.rng.uniform(1.3, 1.6) if laundering else 1.0)
    totals = element_totals(inputs)
    outputs: list[Take] = []
    for product, (form, elements, purity, lot_kg) in SEPARATED.items():
        recovered = {el: int(totals.get(el, 0) * recovery) for el in elements}
        mass = oxide_mass_g(recovered, purity)
        if mass < 1000:
            continue
        composition = derive_ppm(recovered, mass)
        for piece in split_mass(mass, lot_kg * 1000):
            outputs.append((sim.actions.lot(plant, form, product, composition), piece))
    event = sim.actions.process(plant, "separation", inputs, outputs, when)
    if laundering:
        sim.violations.add("illegal_ore_laundering", [plant.id], [event], when)
    return sum(lot.reo_g(g) for lot, g in outputs)


def smelting(sim: Sim, window: Window) -> None:
    for smelter in sim.economy.role("metal_smelter"):
        for oxide, (product, form, share, lot_kg) in SMELTED.items():
            ready = sim.stock.ready(smelter.id, window.cutoff, [oxide])
            if not ready:
                continue
            when = sim.when(window, latest(ready))
            if when is None:
                continue
            inputs = sim.stock.take_all(smelter.id, ready)
            metal = {el: int(g * SMELTING_YIELD) for el, g in element_totals(inputs).items()}
            mass = int(sum(metal.values()) / share)
            composition = derive_ppm(metal, mass)
            outputs = [
                (sim.actions.lot(smelter, form, product, composition), piece)
                for piece in split_mass(mass, lot_kg * 1000)
            ]
            sim.actions.process(smelter, "metal_smelting", inputs, outputs, when)


def recycling(sim: Sim, window: Window) -> None:
    for recycler in sim.economy.role("recycler"):
        made = sim.stock.ready(recycler.id, window.cutoff, ["recycled_mix"])
        sell_lots(sim, window, recycler, made, sim.economy.role("separator"))
        ready = sim.stock.ready(recycler.id, window.cutoff, ["swarf"])
        if not ready:
            continue
        when = sim.when(window, latest(ready))
        if when is None:
            continue
        inputs = sim.stock.take_all(recycler.id, ready)
        kept = {el: int(g * RECYCLING_RECOVERY) for el, g in element_totals(inputs).items()}
        mass = oxide_mass_g(kept, 0.9)
        lot = sim.actions.lot(recycler, "mixed_compound", "recycled_mix", derive_ppm(kept, mass))
        sim.actions.process(recycler, "recycling", inputs, [(lot, mass)], when)
