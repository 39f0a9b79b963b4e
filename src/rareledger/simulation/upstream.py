"""Mines, imports, separation plants, smelters and recyclers: the monthly flow up to metal."""

from __future__ import annotations

from datetime import datetime

from rareledger.simulation.context import Sim, Spell, Window, latest, month_window, reo_take
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import Take, derive_ppm, element_totals, runs, split_mass
from rareledger.simulation.products import (
    IONIC,
    LIGHT,
    ORIGINS,
    RECYCLING_RECOVERY,
    SEPARATED,
    SMELTED,
    SMELTING_YIELD,
    diluted,
    oxide_mass_g,
    reo_share,
    vary,
)
from rareledger.simulation.sales import sell
from rareledger.simulation.trade import sell_lots

IMPORTS_T = 132_931  # China's rare earth imports 2024 (fact sheet 4.3)
CONCENTRATE_LOT_T = {"light": 3.5, "ionic": 0.6}
IMPORT_LOT_T = 1.6
CAMPAIGNS = 4
FEED = ("light_conc", "ionic_conc", "import_mix", "import_conc", "recycled_mix")
HONEST_UTILISATION = (0.96, 0.995)  # of the mining quota
BEYOND_QUOTA = {"standard": (1.12, 1.35), "hard": (1.015, 1.06)}
LAUNDERING = {"standard": (1.3, 1.6), "hard": (1.03, 1.06)}  # x the plant's recovery
LAUNDERING_MONTHS = (2, 4)  # hard: a plant launders for this many months, once a year
LAUNDERING_CEILING = 1.015  # hard: outputs at most 1.5 % over the inputs (tolerance 2 %)
REWORK_SHARE = 0.1  # plant-months with one lot reworked (assumption)
REWORK_YIELD = (0.985, 0.998)
SMELTING_SWING = 0.01  # each smelter's yield within this of the norm


def mining(sim: Sim, window: Window) -> None:
    for miner in sim.economy.role("miner"):
        factor = sim.share_of_quota(miner, *HONEST_UTILISATION)
        due = miner.quota_t * 1e6 * factor * sim.cumulative(miner.id, window)
        key = sim.tally(f"mined:{miner.id}")
        need = due - sim.done.get(key, 0.0)
        while need > 0:
            when = sim.when(window)
            assert when is not None
            outputs = _concentrate_lots(sim, miner, need)
            event = sim.actions.extract(miner, outputs, when)
            mined = sum(lot.reo_g(g) for lot, g in outputs)
            sim.done[key] = sim.done.get(key, 0.0) + mined
            need -= mined
            if sim.done[key] > miner.quota_t * 1e6 and factor > 1 and window.index >= 0:
                sim.breaches.setdefault(miner.id, (when, []))[1].append(event)


def report_quota_breaches(sim: Sim) -> None:
    """One case per miner: the extractions beyond its quota, dated when it was exceeded."""
    for miner_id, (first, events) in sim.breaches.items():
        sim.violations.add("mining_beyond_quota", [miner_id], events, first)


def plan_quota_breaches(sim: Sim) -> None:
    """Which miners will mine beyond their quota (at least one when the rate is not zero)."""
    violations = sim.violations
    miners = sim.economy.role("miner")
    chosen = [m for m in miners if violations.hit("mining_beyond_quota", False)]
    if not chosen and violations.rates.get("mining_beyond_quota", 0) > 0:
        chosen = [violations.rng.choice(miners)]
    for miner in chosen:
        sim.utilisation[miner.id] = violations.rng.uniform(*BEYOND_QUOTA[violations.difficulty])


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
        group, feed = ("northern", "light") if origin.profile is LIGHT else ("chinare", "ionic")
        buyers = [e for e in importers if (e.group, e.feed) == (group, feed)] or importers
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
        plants = [
            s
            for s in sim.economy.role("separator")
            if (s.group, s.feed) == (miner.group, miner.feed)
        ]
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
        key = sim.tally(f"separated:{plant.id}")
        for campaign in range(CAMPAIGNS):
            need = (due - sim.done.get(key, 0.0)) / sim.yields.expected(plant.id, window.index)
            feed = sim.stock.ready(plant.id, window.cutoff, FEED)
            if need < 1e6 or not feed:
                break
            when = sim.when(window, latest(feed))
            if when is None:
                break
            inputs = reo_take(sim, plant.id, feed, need / (CAMPAIGNS - campaign))
            sim.done[key] = sim.done.get(key, 0.0) + _separate(sim, plant, inputs, when, window)
        if sim.rng.random() < REWORK_SHARE:
            rework(sim, plant, window)


def _laundering(sim: Sim, plant: Enterprise, when: datetime, window: Window) -> Spell | None:
    """The laundering this campaign is part of: standard one campaign, hard a spell of months."""
    violations = sim.violations
    spell = sim.spell(("launder", plant.id), when)
    once = violations.hard and any(s.enterprises == (plant.id,) for s in sim.ended)
    if spell is None and not once and violations.hit("illegal_ore_laundering"):
        share = violations.rng.uniform(*LAUNDERING[violations.difficulty])
        months = violations.rng.randint(*LAUNDERING_MONTHS) if violations.hard else 0
        end = month_window(sim.year, min(11, window.index + months - 1)).end if months else when
        spell = Spell("illegal_ore_laundering", (plant.id,), share, end, when)
        violations.begin("illegal_ore_laundering")
        if months:
            sim.spells[("launder", plant.id)] = spell
    return spell


def _separate(
    sim: Sim, plant: Enterprise, inputs: list[Take], when: datetime, window: Window
) -> float:
    laundering = _laundering(sim, plant, when, window)
    recovery = sim.yields.recovery(plant.id, window.index)
    if laundering is not None:  # the hard form stays under the ledger's 2 % per-event tolerance
        cap = LAUNDERING_CEILING / recovery if sim.violations.hard else laundering.share
        recovery *= min(laundering.share, cap)
    separated = 0.0
    for run in runs(inputs):
        outputs = _separated(sim, plant, element_totals(run), recovery)
        event = sim.actions.process(plant, "separation", run, outputs, when)
        if laundering is not None:
            laundering.events.append(event)
        separated += sum(lot.reo_g(g) for lot, g in outputs)
    if laundering is not None and ("launder", plant.id) not in sim.spells:
        sim.ended.append(laundering)  # one campaign: the case is complete
    return separated


def _separated(sim: Sim, plant: Enterprise, totals: dict[str, int], recovery: float) -> list[Take]:
    """The oxide lots a separation run makes of feed holding ``totals`` grams of each element."""
    outputs: list[Take] = []
    for product, (form, elements, purity, lot_kg) in SEPARATED.items():
        recovered = {el: int(totals.get(el, 0) * recovery) for el in elements}
        mass = oxide_mass_g(recovered, purity)
        if mass < 1000:
            continue
        composition = derive_ppm(recovered, mass)
        for piece in split_mass(mass, lot_kg * 1000):
            outputs.append((sim.actions.lot(plant, form, product, composition), piece))
    return outputs


def rework(sim: Sim, plant: Enterprise, window: Window) -> None:
    """An off-grade lot reprocessed (process ``other``): the same product, a little less of it."""
    ready = sim.stock.ready(plant.id, window.cutoff, SEPARATED)
    when = sim.when(window, ready[0].ready) if ready else None
    if when is None:
        return
    items = sim.stock.take_all(plant.id, ready[:1])
    lot, grams = items[0]
    again = sim.actions.lot(plant, lot.form, lot.product, dict(lot.composition))
    kept = int(grams * sim.rng.uniform(*REWORK_YIELD))
    sim.actions.process(plant, "other", items, [(again, kept)], when)


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
            rate = SMELTING_YIELD * (1 + sim.rng.uniform(-SMELTING_SWING, SMELTING_SWING))
            for run in runs(inputs):
                metal = {el: int(g * rate) for el, g in element_totals(run).items()}
                mass = int(sum(metal.values()) / share)
                composition = derive_ppm(metal, mass)
                outputs = [
                    (sim.actions.lot(smelter, form, product, composition), piece)
                    for piece in split_mass(mass, lot_kg * 1000)
                ]
                sim.actions.process(smelter, "metal_smelting", run, outputs, when)


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
