"""A domestic sale: priced on the pair's terms, weighed at the buyer's, sometimes returned;
or turned into a violation (under-invoiced, diverted, misreported).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rareledger.simulation.context import Sim, Spell
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import Take
from rareledger.simulation.noise import weighed

RETURN_SHARE = 0.004  # of honest sales: the buyer sends the goods back (assumption)
RETURN_DAYS = (2, 12)
UNDER_FACTOR = {"standard": (0.25, 0.5), "hard": (0.70, 0.85)}
SHORT_FACTOR = (0.88, 0.97)  # standard: one receipt far short
SKIM_SHARE = (0.002, 0.0035)  # hard: every receipt of a pair a little short, for months
SKIM_DAYS = (90, 180)
SKIM_MIN_TRADES = 3  # a pair skims only when it trades often (in the last 60 days)


def same_group(seller: Enterprise, buyer: Enterprise) -> bool:
    return bool(seller.group) and seller.group == buyer.group


def sell(
    sim: Sim, seller: Enterprise, buyer: Enterprise, items: list[Take], when: datetime
) -> None:
    """A sale between two enterprises, honest unless a violation is drawn for it."""
    terms = sim.pricing.pair(seller.id, buyer.id, same_group(seller, buyer), buyer.size)
    value = sim.pricing.domestic_cny(terms, items, when)
    _remember(sim, seller, buyer, items, when)
    violations = sim.violations
    if violations.hit("under_invoicing"):
        value *= violations.rng.uniform(*UNDER_FACTOR[violations.difficulty])
        shipped = sim.actions.ship(seller, buyer, items, when, value_cny=value)
        violations.add("under_invoicing", [seller.id], [shipped.shipment_id], when)
        return
    if violations.hit("diverted_shipment"):
        _divert(sim, seller, buyer, items, when, value)
        return
    skim = sim.spell(("skim", seller.id, buyer.id), when)
    if skim is None and violations.hit("quantity_mismatch"):
        if not violations.hard:
            _short(sim, seller, buyer, items, when, value)
            return
        skim = _start_skim(sim, seller, buyer, when)
    if skim is not None:
        read = weighed(sim.rng, items)
        received = [(lot, max(1, round(g * (1 - skim.share)))) for lot, g in read]
        shipped = sim.actions.ship(seller, buyer, items, when, value_cny=value, received=received)
        skim.events.extend([shipped.shipment_id, str(shipped.receipt_id)])
        return
    shipped = sim.actions.ship(seller, buyer, items, when, value_cny=value)
    if sim.rng.random() < RETURN_SHARE:
        _send_back(sim, buyer, seller, items, shipped.recorded, value)


def _remember(
    sim: Sim, seller: Enterprise, buyer: Enterprise, items: list[Take], when: datetime
) -> None:
    dates = sim.trades.setdefault((seller.id, buyer.id), [])
    dates.append(when)
    del dates[:-10]
    sim.last_sale[seller.id] = when
    if any(lot.product == "prnd_metal" for lot, _ in items):
        sim.making.add(buyer.id)


def _divert(
    sim: Sim, seller: Enterprise, buyer: Enterprise, items: list[Take], when: datetime, value: float
) -> None:
    """Standard: never received. Hard: received by a shell firm that never sells on."""
    violations = sim.violations
    if violations.hard and sim.economy.shells:
        shell = violations.rng.choice(sim.economy.shells)
        shipped = sim.actions.ship(seller, shell, items, when, value_cny=value)
        events = [shipped.shipment_id, str(shipped.receipt_id)]
        violations.add("diverted_shipment", [seller.id, shell.id], events, when)
        return
    shipped = sim.actions.ship(seller, buyer, items, when, value_cny=value, deliver=False)
    violations.add("diverted_shipment", [seller.id, buyer.id], [shipped.shipment_id], when)


def _short(
    sim: Sim, seller: Enterprise, buyer: Enterprise, items: list[Take], when: datetime, value: float
) -> None:
    factor = sim.violations.rng.uniform(*SHORT_FACTOR)
    received = [(lot, max(1, int(g * factor))) for lot, g in items]
    shipped = sim.actions.ship(seller, buyer, items, when, value_cny=value, received=received)
    events = [shipped.shipment_id, str(shipped.receipt_id)]
    sim.violations.add("quantity_mismatch", [seller.id, buyer.id], events, when)


def _start_skim(sim: Sim, seller: Enterprise, buyer: Enterprise, when: datetime) -> Spell | None:
    """A buyer that reports every receipt from this seller a little short, for months."""
    recent = [d for d in sim.trades.get((seller.id, buyer.id), []) if d > when - timedelta(60)]
    if len(recent) < SKIM_MIN_TRADES:
        return None
    rng = sim.violations.rng
    days = rng.randint(*SKIM_DAYS)
    skim = Spell(
        "quantity_mismatch",
        (seller.id, buyer.id),
        rng.uniform(*SKIM_SHARE),
        when + timedelta(days=days),
        when,
    )
    sim.spells[("skim", seller.id, buyer.id)] = skim
    sim.violations.begin("quantity_mismatch")
    return skim


def _send_back(
    sim: Sim,
    buyer: Enterprise,
    seller: Enterprise,
    items: list[Take],
    arrived: datetime,
    value: float,
) -> None:
    """A return: the buyer sends the lots back (what it holds of them) a few days later."""
    lots = {lot.lot_id for lot, _ in items}
    held = [
        h
        for h in sim.stock.ready(buyer.id, arrived, {lot.product for lot, _ in items})
        if h.lot.lot_id in lots and h.ready == arrived
    ]
    back = sim.stock.take_all(buyer.id, held)
    if not back:
        return
    when = arrived + timedelta(days=sim.rng.randint(*RETURN_DAYS), hours=sim.rng.randint(0, 8))
    sim.actions.ship(buyer, seller, back, when, value_cny=value)
