"""Export violations: goods shipped without a valid licence, under another heading, outside the
licence, or split into small parcels. Each comes in a blatant (standard) and a subtle (hard) form.

Standard: the controlled goods leave with no licence at all; under a free heading (7202
ferro-alloy for metal and alloy, 2530 ores otherwise); for another end user or 1 t beyond the
licence; as 6-12 unlicensed parcels of 5-25 % of the exporter's usual parcel.
Hard: a single licence already used is cited again, or a sample-sized parcel leaves unlicensed;
the controlled goods ride in a load of uncontrolled goods declared under the bulk's heading; the
licence is overdrawn by 2-10 % or cited for a sister company of its end user; 5-8 parcels of
15-35 % of the exporter's usual parcel, under its licence or without one.
"""

from __future__ import annotations

from datetime import timedelta

from rareledger.simulation.context import Sim, Window
from rareledger.simulation.licences import Licence, controlled
from rareledger.simulation.model import Holding
from rareledger.simulation.parcels import (
    Parcel,
    general_quantity,
    kind_of,
    ship_out,
    usual_parcel_g,
)
from rareledger.simulation.products import HS_CODE

MISDECLARED_HS = {"metal": "720299", "alloy": "720299"}  # ferro-alloy heading; else ores
SPLIT_PARCELS = {"standard": (6, 12), "hard": (5, 8)}
SPLIT_SIZE = {"standard": (0.05, 0.25), "hard": (0.15, 0.35)}  # of the usual parcel
SPLIT_HOURS = {"standard": (10, 60), "hard": (24, 96)}
SPLIT_MIN_PARCELS = 5  # fewer small parcels are not a split pattern
SAMPLE_SIZED_KG = (5, 25)
OVERDRAWN = (0.02, 0.1)
GENERAL_SHARE = 0.7  # of honest applications: general licences


def without_licence(sim: Sim, window: Window, parcel: Parcel) -> int:
    """An exporter with no licence for this buyer: applies and waits, unless it goes ahead.

    The choice is made once per application an honest exporter would file.
    """
    violations = sim.violations
    if violations.hit("unlicensed_export"):
        return _unlicensed(sim, parcel)
    if violations.hit("misdeclared_goods"):
        done = _misdeclared(sim, parcel)
        if done:
            return done
    if violations.hit("split_consignments"):
        split = _split(sim, window, parcel)
        if split is not None:
            return split
    general = sim.rng.random() < GENERAL_SHARE
    quantity = general_quantity(sim, parcel.grams) if general else parcel.grams
    sim.desk.apply(parcel.exporter, parcel.buyer, parcel.product, quantity, parcel.when, general)
    return 0


def _case(sim: Sim, kind: str, parcel: Parcel, events: list[str]) -> None:
    sim.violations.add(kind, [parcel.exporter.id], events, parcel.when)


def _last_event(sim: Sim) -> str:
    return str(sim.journal.entries[-1].record["event_id"])


def _unlicensed(sim: Sim, parcel: Parcel) -> int:
    if sim.violations.hard:
        used = _used_single(sim, parcel)
        if used is not None:
            parcel.licence_no = used.licence_no  # lapsed once used: it covers nothing now
        else:  # a sample-sized parcel (honest samples of controlled goods are licensed too)
            low, high = SAMPLE_SIZED_KG
            parcel.grams = min(parcel.grams, sim.violations.rng.randint(low, high) * 1000)
    parcel.hs_code = HS_CODE[parcel.holdings[0].lot.form]
    parcel.judged = False
    done = ship_out(sim, parcel)
    _case(sim, "unlicensed_export", parcel, [_last_event(sim)])
    return done


def _used_single(sim: Sim, parcel: Parcel) -> Licence | None:
    key = (parcel.exporter.id, parcel.buyer.name, parcel.product)
    used = [
        lic
        for lic in sim.desk.licences.get(key, [])
        if lic.licence_type == "single" and lic.used and lic.valid_to >= parcel.when.date()
    ]
    return used[-1] if used else None


def _misdeclared(sim: Sim, parcel: Parcel) -> int:
    """Standard: under a free heading. Hard: inside a load of other goods, under their heading."""
    form = parcel.holdings[0].lot.form
    parcel.judged = False
    if not sim.violations.hard:
        parcel.hs_code = MISDECLARED_HS.get(form, "253090")
    else:
        bulk = _bulk(sim, parcel)
        if bulk is None:
            return 0
        share = sim.violations.rng.uniform(0.03, 0.15)
        bulk_g = sum(h.grams for h in bulk)
        parcel.grams = max(1000, int(bulk_g * share / (1 - share)) // 1000 * 1000)
        parcel.grams = min(parcel.grams, sum(h.grams for h in parcel.holdings) // 1000 * 1000)
        parcel.extra = sim.stock.take_all(parcel.exporter.id, bulk)
        parcel.hs_code = HS_CODE[bulk[0].lot.form]
    done = ship_out(sim, parcel)
    _case(sim, "misdeclared_goods", parcel, [_last_event(sim)])
    return done


def _bulk(sim: Sim, parcel: Parcel) -> list[Holding] | None:
    """Uncontrolled goods the exporter holds under another heading (one lot of them)."""
    heading = HS_CODE[parcel.holdings[0].lot.form]
    held = sim.stock.ready(parcel.exporter.id, parcel.when, _PRODUCTS)
    other = [
        h
        for h in held
        if HS_CODE[h.lot.form] != heading
        and not controlled(h.lot.product, parcel.when)
        and h.grams >= 10_000
    ]
    return other[:1] or None


def _split(sim: Sim, window: Window, parcel: Parcel) -> int | None:
    """Many small parcels without a licence to one consignee over a few weeks.

    A split is planned whole first; when the stock or the time left cannot carry at least
    ``SPLIT_MIN_PARCELS`` parcels, nothing happens (None) and the exporter behaves honestly.
    """
    return _parcels(sim, window, parcel, None)


def split_licensed(sim: Sim, window: Window, parcel: Parcel, licence: Licence) -> int | None:
    """Hard: many small parcels under the exporter's licence (each drawing it down)."""
    return _parcels(sim, window, parcel, licence)


def _parcels(sim: Sim, window: Window, parcel: Parcel, licence: Licence | None) -> int | None:
    rng = sim.violations.rng
    difficulty = sim.violations.difficulty
    available = sum(h.grams for h in parcel.holdings)
    if licence is not None:
        available = min(available, licence.remaining_g)
    plan: list[tuple[int, timedelta]] = []
    total, offset = 0, timedelta(0)
    usual = usual_parcel_g(sim, parcel.exporter, parcel.buyer, parcel.product)
    for _ in range(rng.randint(*SPLIT_PARCELS[difficulty])):
        grams = max(1000, int(usual * rng.uniform(*SPLIT_SIZE[difficulty])) // 1000 * 1000)
        if total + grams > available or parcel.when + offset >= window.end - timedelta(days=1):
            break
        plan.append((grams, offset))
        total += grams
        offset += timedelta(hours=rng.randint(*SPLIT_HOURS[difficulty]))
    if len(plan) < SPLIT_MIN_PARCELS:
        return None
    events, shipped = [], 0
    start = parcel.when
    for grams, after in plan:
        one = Parcel(parcel.exporter, parcel.buyer, parcel.holdings, grams, start + after)
        one.judged = False
        if licence is None:
            one.hs_code = HS_CODE[parcel.holdings[0].lot.form]
        else:
            one.licence_no = licence.licence_no
        done = ship_out(sim, one)
        if licence is not None:
            sim.desk.draw(licence, done, sim.journal.entries[-1].recorded)
        shipped += done
        events.append(_last_event(sim))
    _case(sim, "split_consignments", parcel, events)
    return shipped


def outside(sim: Sim, parcel: Parcel, licence: Licence) -> int:
    """Cite a licence for an export it does not cover: another end user, or more than left."""
    rng = sim.violations.rng
    available = sum(h.grams for h in parcel.holdings) // 1000 * 1000
    # Beyond the quantity only after every export already drawn on it, so that the ledger
    # (in recorded order) draws the honest ones first, as the simulation did.
    last = licence.last_recorded
    extra = 1_000_000
    if sim.violations.hard:
        extra = max(1000, int(licence.remaining_g * rng.uniform(*OVERDRAWN)) // 1000 * 1000)
    beyond = (
        available >= licence.remaining_g + extra
        and (last is None or parcel.when > last)
        and rng.random() < 0.5
    )
    parcel.judged = False
    if beyond:
        parcel.grams = licence.remaining_g // 1000 * 1000 + extra
    elif sim.violations.hard:  # a sister company of the licensed end user, same country
        words = parcel.buyer.name.split()
        parcel.end_user = " ".join([words[0], "Components", *words[2:]])
    else:
        others = [
            b
            for b in sim.economy.buyers
            if b.product_kind == kind_of(parcel.product) and b != parcel.buyer
        ]
        parcel.buyer = others[rng.randrange(len(others))]
    done = ship_out(sim, parcel)
    sim.desk.draw(licence, min(done, licence.remaining_g), sim.journal.entries[-1].recorded)
    _case(sim, "export_outside_licence", parcel, [_last_event(sim)])
    return done


_PRODUCTS = (
    "magnet_n", "magnet_sh", "magnet_uh", "la_oxide", "ce_oxide", "y_oxide", "seg_mix",
    "hre_mix", "prnd_oxide", "dy_oxide", "tb_oxide", "prnd_metal", "dyfe_alloy", "tb_metal",
)  # fmt: skip
