"""Rules on domestic movements: shipments never received, circles, buyers that never sell on."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import timedelta
from itertools import accumulate, chain, compress, islice
from operator import attrgetter, itemgetter, not_

from rareledger.domain.detection.baselines import returns
from rareledger.domain.detection.facts import Facts, Received, Shipped
from rareledger.domain.detection.model import (
    Alert,
    DetectionSettings,
    Reference,
    kg,
    period_of,
    rule,
)


@rule("shipment_not_received", "high", "A shipment its buyer never received")
def shipment_not_received(
    facts: Facts, settings: DetectionSettings, _ref: Reference
) -> list[Alert]:
    limit = facts.as_of - timedelta(days=settings.receipt_days)
    alerts = []
    for s in facts.shipments.values():
        if s.event_id in facts.receipts or s.occurred_at > limit:
            continue
        days = (facts.as_of - s.occurred_at).days
        alerts.append(
            Alert(
                "shipment_not_received",
                "high",
                (s.seller, s.buyer),
                (s.event_id,),
                period_of(s.occurred_at),
                f"shipment {s.event_id} of {kg(s.mass_g)} kg from {s.seller} to {s.buyer} is "
                f"not received {days} days later",
                {
                    "shipped_kg": kg(s.mass_g),
                    "days": str(days),
                    "threshold_days": str(settings.receipt_days),
                },
            )
        )
    return alerts


@rule("circular_trading", "high", "Material sold round related firms back to its seller")
def circular_trading(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    """Lots are followed through rework and repacking (a new lot id for the same material)."""
    # A circle is two sales or more, and its firms are the sellers of its sales: a lot moved
    # fewer times can make none.
    least = max(2, settings.circle_min_firms)
    by_lot = _moves_by_lot(facts, least)
    window = timedelta(days=settings.circle_window_days)
    returned = returns(facts, settings.return_days)
    alerts = []
    for lot in sorted(by_lot):
        moves = by_lot[lot]
        if len(moves) < least:
            continue
        moves.sort(key=_occurred_at)
        for start, first in enumerate(moves):
            if first.event_id in returned:  # goods sent back start no circle: the firm that
                continue  # sent them gave them up, and its seller may sell them again
            circle = _circle_from(moves, start, window)
            firms = tuple(dict.fromkeys(m.seller for m in circle))
            if len(firms) >= settings.circle_min_firms:
                alerts.append(_circle_alert(facts, lot, firms, circle, settings))
    return alerts


_occurred_at = attrgetter("occurred_at")


def _moves_by_lot(facts: Facts, least: int) -> dict[str, list[Shipped]]:
    """The shipments that moved each lot (as its root: the lot it was first made as), in the
    facts' order, for the lots that ``least`` shipments or more may have moved.

    Most lots of a year move once or twice: the lots are counted first, in bulk, and only
    those listed ``least`` times or more are gathered (a lot listed twice in one shipment is
    one move; the count of listings only rules lots out)."""
    shipments = list(facts.shipments.values())
    items = [shipment.items for shipment in shipments]
    lots = _roots(facts, list(map(_lot_of, chain.from_iterable(items))))
    often = {lot for lot, times in Counter(lots).items() if times >= least}
    ends = list(accumulate(map(len, items)))  # where each shipment's items end in ``lots``
    by_lot: dict[str, list[Shipped]] = defaultdict(list)
    for at in compress(range(len(lots)), map(often.__contains__, lots)):
        shipment = shipments[bisect_right(ends, at)]
        moves = by_lot[lots[at]]
        if not moves or moves[-1] is not shipment:
            moves.append(shipment)
    return by_lot


def _roots(facts: Facts, lots: list[str]) -> list[str]:
    """The root of each lot (only relabelled lots have another)."""
    root = {lot: facts.root_of(lot) for lot in facts.relabelled}
    return list(map(root.get, lots, lots))


_lot_of = itemgetter(0)


def _circle_alert(
    facts: Facts,
    lot: str,
    firms: tuple[str, ...],
    circle: list[Shipped],
    settings: DetectionSettings,
) -> Alert:
    first = circle[0]
    days = (circle[-1].occurred_at - first.occurred_at).days
    renamed = sorted({x for m in circle for x in m.lots if x != lot and facts.root_of(x) == lot})
    relabels = sorted({facts.relabelled[x][1] for x in renamed if x in facts.relabelled})
    via = f", relabelled as {', '.join(renamed)}" if renamed else ""
    return Alert(
        "circular_trading",
        "high",
        firms,
        (*(m.event_id for m in circle), *relabels),
        period_of(first.occurred_at),
        f"lot {lot} went {' -> '.join(firms)} -> {first.seller} within {days} days{via}",
        {
            "lot_id": lot,
            "relabelled_as": renamed,
            "firms": str(len(firms)),
            "days": str(days),
            "window_days": str(settings.circle_window_days),
            "min_firms": str(settings.circle_min_firms),
        },
    )


@rule(
    "dormant_buyer",
    "high",
    "A firm that takes delivery and never moves anything on: no sale, processing or export",
)
def dormant_buyer(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    taken = _taken_by_idle(facts)
    least_g = float(settings.dormant_min_kg) * 1000
    alerts = []
    for buyer, moves in sorted(taken.items()):
        moves.sort(key=lambda m: (m[0].occurred_at, m[0].event_id))
        days = (facts.as_of - moves[0][0].occurred_at).days
        received_g = sum(r.mass_g for _s, r in moves)
        if days < settings.dormant_days or received_g < least_g:
            continue
        alerts.append(
            Alert(
                "dormant_buyer",
                "high",
                (buyer, *dict.fromkeys(s.seller for s, _r in moves)),
                tuple(e for s, r in moves for e in (s.event_id, r.event_id)),
                period_of(moves[0][0].occurred_at),
                f"{buyer} has taken delivery of {kg(received_g)} kg in {len(moves)} receipts "
                f"since {moves[0][0].occurred_at.date()} ({days} days) and never sold, "
                "processed or exported anything",
                {
                    "receipts": str(len(moves)),
                    "received_kg": kg(received_g),
                    "first_delivery": moves[0][0].occurred_at.date().isoformat(),
                    "days": str(days),
                    "alert_after_days": str(settings.dormant_days),
                    "min_kg": str(settings.dormant_min_kg),
                },
            )
        )
    return alerts


def _taken_by_idle(facts: Facts) -> dict[str, list[tuple[Shipped, Received]]]:
    """Per firm that never sold, exported, processed or mined anything: the shipments it
    received and their receipts, in the facts' order."""
    active = set(map(attrgetter("seller"), facts.shipments.values()))
    active |= {e.exporter for e in facts.exports.values()}
    active |= {p.enterprise_id for p in facts.processed.values()}
    active |= {m.enterprise_id for m in facts.mined.values()}
    receipts = facts.receipts.values()
    idle = map(not_, map(active.__contains__, map(attrgetter("buyer"), receipts)))
    taken: dict[str, list[tuple[Shipped, Received]]] = defaultdict(list)
    for receipt in compress(receipts, idle):
        shipment = facts.shipments.get(receipt.shipment_event_id)
        if shipment is not None:
            taken[receipt.buyer].append((shipment, receipt))
    return taken


def _circle_from(moves: list[Shipped], start: int, window: timedelta) -> list[Shipped]:
    """The chain of sales, from ``moves[start]`` on, that brings the lot back to that sale's
    seller, if there is one."""
    first = moves[start]
    chain = [first]
    for move in islice(moves, start + 1, None):
        if move.occurred_at - first.occurred_at > window:
            break
        if move.seller == chain[-1].buyer:
            chain.append(move)
            if move.buyer == first.seller:
                return chain
    return []
