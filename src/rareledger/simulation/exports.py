"""Exports: monthly volumes paced to the national figures, under licence where controlled."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from rareledger.simulation.actions import ExportTerms
from rareledger.simulation.context import Sim, Window, latest
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.licences import Licence, controlled
from rareledger.simulation.model import Holding
from rareledger.simulation.products import GRADES, HS_CODE, export_price_usd
from rareledger.simulation.trade import TO_EXPORTERS

MAGNET_EXPORTS_T = 58_152  # RE permanent magnets and magnet alloys, 2024 (GAC via Adamas)
RE_EXPORTS_T = 55_431  # rare earth exports, 2024
SIZE_KG = {"magnet": (100, 1_500), "oxide": (300, 4_000)}
MISDECLARED_HS = {"metal": "720299", "alloy": "720299"}  # ferro-alloy heading; else ores

SPLIT_MIN_PARCELS = 5  # fewer small parcels are not a split pattern


def exports(sim: Sim, window: Window) -> None:
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
                grams = _export_some(sim, window, exporter, kind, products, int(need) + 1000)
                sim.done[key] = sim.done.get(key, 0.0) + grams
                progress = progress or grams > 0


def _export_some(
    sim: Sim, window: Window, exporter: Enterprise, kind: str, products: tuple[str, ...], need: int
) -> int:
    ready = sim.stock.ready(exporter.id, window.cutoff, products)
    held = sorted({h.lot.product for h in ready})
    sim.rng.shuffle(held)
    for product in held:
        holdings = [h for h in ready if h.lot.product == product]
        available = sum(h.grams for h in holdings)
        size = int(sim.rng.uniform(*SIZE_KG[kind]) * 1000)
        grams = min(size, need, available) // 1000 * 1000
        if grams < 1000:
            continue
        done = _export_product(sim, window, exporter, holdings, grams)
        if done:
            return done
    return 0


def _export_product(
    sim: Sim, window: Window, exporter: Enterprise, holdings: list[Holding], grams: int
) -> int:
    product = holdings[0].lot.product
    when = sim.when(window, latest(holdings))
    if when is None:
        return 0
    if not controlled(product, when):
        return _ship_out(sim, exporter, holdings, grams, when, None)
    kind = "magnet" if product in GRADES else "oxide"
    buyer = sim.client(exporter, product, kind)
    licence = sim.desk.best((exporter.id, buyer.name, product), when)
    if licence is None:
        return _without_licence(sim, window, exporter, holdings, grams, when)
    if licence.decided > when:
        when = sim.when(window, max(latest(holdings), licence.decided))
        if when is None or not licence.usable(when, 1000):
            return 0
    grams = min(grams, licence.remaining_g // 1000 * 1000)
    if grams < 1000:
        return 0
    if sim.violations.hit("export_outside_licence"):
        return _outside(sim, exporter, holdings, grams, when, licence)
    done = _ship_out(sim, exporter, holdings, grams, when, licence.licence_no)
    sim.desk.draw(licence, grams, sim.journal.entries[-1].recorded)
    key = (exporter.id, buyer.name, product)
    running_low = licence.remaining_g < licence.quantity_g // 4
    if licence.licence_type == "general" and running_low and not sim.desk.waiting(key, when):
        sim.desk.apply(exporter, buyer, product, _general_quantity(sim, grams), when, True)
    return done


def _general_quantity(sim: Sim, grams: int) -> int:
    """What a general licence is applied for: several consignments, more for big exporters."""
    exporters_grow = max(1, round(math.sqrt(sim.scale / 0.01)))
    return grams * sim.rng.randint(4, 10) * exporters_grow


def _ship_out(  # noqa: PLR0913
    sim: Sim,
    exporter: Enterprise,
    holdings: list[Holding],
    grams: int,
    when: datetime,
    licence_no: str | None,
    *,
    hs_code: str | None = None,
    buyer_index: int | None = None,
) -> int:
    """Export ``grams`` from ``holdings``; returns the mass exported."""
    product = holdings[0].lot.product
    kind = "magnet" if product in GRADES else "oxide"
    buyer = sim.client(exporter, product, kind)
    if buyer_index is not None:
        others = [b for b in sim.economy.buyers if b.product_kind == kind and b != buyer]
        buyer = others[buyer_index % len(others)]
    items = sim.stock.take(exporter.id, holdings, grams)
    value = grams / 1000 * export_price_usd(product) * sim.rng.uniform(0.95, 1.05)
    violations = sim.violations
    under = violations.hit("under_invoicing")
    late = licence_no is None and hs_code is None and violations.hit("late_report")
    if under:
        value *= violations.rng.uniform(0.25, 0.5)
    terms = ExportTerms(buyer, hs_code or HS_CODE[items[0][0].form], value, licence_no, late)
    event = sim.actions.export(exporter, items, when, terms)
    if under:
        violations.add("under_invoicing", [exporter.id], [event], when)
    if late:
        violations.add("late_report", [exporter.id], [event], when)
    return grams


def _without_licence(
    sim: Sim,
    window: Window,
    exporter: Enterprise,
    holdings: list[Holding],
    grams: int,
    when: datetime,
) -> int:
    """Apply for a licence and wait, unless this exporter goes ahead regardless.

    The choice is made once per application an honest exporter would file.
    """
    violations = sim.violations
    form = holdings[0].lot.form
    product = holdings[0].lot.product
    kind = "magnet" if product in GRADES else "oxide"
    buyer = sim.client(exporter, product, kind)
    if sim.desk.waiting((exporter.id, buyer.name, product), when):
        return 0
    if violations.hit("unlicensed_export"):
        done = _ship_out(sim, exporter, holdings, grams, when, None, hs_code=HS_CODE[form])
        violations.add("unlicensed_export", [exporter.id], [_last_event(sim)], when)
        return done
    if violations.hit("misdeclared_goods"):
        hs_code = MISDECLARED_HS.get(form, "253090")
        done = _ship_out(sim, exporter, holdings, grams, when, None, hs_code=hs_code)
        violations.add("misdeclared_goods", [exporter.id], [_last_event(sim)], when)
        return done
    if violations.hit("split_consignments"):
        split = _split(sim, window, exporter, holdings, when)
        if split is not None:
            return split
    general = sim.rng.random() < 0.7
    quantity = _general_quantity(sim, grams) if general else grams
    sim.desk.apply(exporter, buyer, product, quantity, when, general)
    return 0


def _split(
    sim: Sim, window: Window, exporter: Enterprise, holdings: list[Holding], when: datetime
) -> int | None:
    """Many small parcels without a licence to one consignee over a few weeks.

    A split is planned whole first; when the stock or the time left cannot carry at least
    ``SPLIT_MIN_PARCELS`` parcels, nothing happens (None) and the exporter behaves honestly.
    """
    rng = sim.violations.rng
    available = sum(h.grams for h in holdings)
    plan: list[tuple[int, datetime]] = []
    total, moment = 0, when
    for _ in range(rng.randint(6, 12)):
        grams = rng.randint(40, 400) * 1000
        if total + grams > available or moment >= window.end - timedelta(days=1):
            break
        plan.append((grams, moment))
        total += grams
        moment += timedelta(hours=rng.randint(10, 60))
    if len(plan) < SPLIT_MIN_PARCELS:
        return None
    form = holdings[0].lot.form
    events, shipped = [], 0
    for grams, moment in plan:
        shipped += _ship_out(sim, exporter, holdings, grams, moment, None, hs_code=HS_CODE[form])
        events.append(_last_event(sim))
    sim.violations.add("split_consignments", [exporter.id], events, when)
    return shipped


def _outside(
    sim: Sim,
    exporter: Enterprise,
    holdings: list[Holding],
    grams: int,
    when: datetime,
    licence: Licence,
) -> int:
    """Cite a licence for an export it does not cover: another end user, or more than left."""
    available = sum(h.grams for h in holdings) // 1000 * 1000
    # Beyond the quantity only after every export already drawn on it, so that the ledger
    # (in recorded order) draws the honest ones first, as the simulation did.
    last = licence.last_recorded
    beyond = (
        available > licence.remaining_g + 1_000_000
        and (last is None or when > last)
        and sim.violations.rng.random() < 0.5
    )
    if beyond:
        grams = min(available, licence.remaining_g + 1_000_000)
        done = _ship_out(sim, exporter, holdings, grams, when, licence.licence_no)
    else:
        index = sim.violations.rng.randrange(1000)
        done = _ship_out(
            sim, exporter, holdings, grams, when, licence.licence_no, buyer_index=index
        )
    sim.desk.draw(licence, min(grams, licence.remaining_g), sim.journal.entries[-1].recorded)
    sim.violations.add("export_outside_licence", [exporter.id], [_last_event(sim)], when)
    return done


def _last_event(sim: Sim) -> str:
    return str(sim.journal.entries[-1].record["event_id"])
