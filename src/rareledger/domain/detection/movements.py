"""Rules on domestic movements: shipments never received, disagreeing quantities, circles."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

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


@rule(
    "quantity_mismatch",
    "medium",
    "Seller and buyer disagree on what was delivered, over a month between the two",
)
def quantity_mismatch(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    sent: dict[tuple[str, str, str], int] = defaultdict(int)
    got: dict[tuple[str, str, str], int] = defaultdict(int)
    differing: dict[tuple[str, str, str], list[tuple[Shipped, Received]]] = defaultdict(list)
    for s in facts.shipments.values():
        receipt = facts.receipts.get(s.event_id)
        if receipt is None:
            continue
        key = (s.seller, s.buyer, period_of(s.occurred_at))
        shipped_g, received_g = s.mass_g, receipt.mass_g
        sent[key] += shipped_g
        got[key] += received_g
        if shipped_g != received_g:
            differing[key].append((s, receipt))
    share, least_g = float(settings.mismatch_share), float(settings.mismatch_min_kg) * 1000
    alerts = []
    for key, moves in sorted(differing.items()):
        seller, buyer, period = key
        gap_g = got[key] - sent[key]
        if abs(gap_g) <= sent[key] * share or abs(gap_g) < least_g:
            continue
        alerts.append(
            Alert(
                "quantity_mismatch",
                "medium",
                (seller, buyer),
                tuple(e for s, r in moves for e in (s.event_id, r.event_id)),
                period,
                f"{buyer} reports receiving {kg(got[key])} kg of what {seller} reports shipping "
                f"as {kg(sent[key])} kg in {period}",
                {
                    "shipped_kg": kg(sent[key]),
                    "received_kg": kg(got[key]),
                    "difference_kg": kg(gap_g),
                    "shipments": [
                        {
                            "shipment": s.event_id,
                            "receipt": r.event_id,
                            "shipped_kg": kg(s.mass_g),
                            "received_kg": kg(r.mass_g),
                        }
                        for s, r in moves
                    ],
                    "tolerance_share": str(settings.mismatch_share),
                    "min_kg": str(settings.mismatch_min_kg),
                },
            )
        )
    return alerts


@rule("circular_trading", "high", "Material sold round related firms back to its seller")
def circular_trading(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    by_lot: dict[str, list[Shipped]] = defaultdict(list)
    for shipment in facts.shipments.values():
        for lot in shipment.lots:
            by_lot[lot].append(shipment)
    window = timedelta(days=settings.circle_window_days)
    alerts = []
    for lot, moves in sorted(by_lot.items()):
        if len(moves) < 2:
            continue
        moves.sort(key=lambda m: m.occurred_at)
        for start, first in enumerate(moves):
            circle = _circle_from(first, moves[start + 1 :], window)
            firms = tuple(dict.fromkeys(m.seller for m in circle))
            if len(firms) >= settings.circle_min_firms:
                days = (circle[-1].occurred_at - first.occurred_at).days
                alerts.append(
                    Alert(
                        "circular_trading",
                        "high",
                        firms,
                        tuple(m.event_id for m in circle),
                        period_of(first.occurred_at),
                        f"lot {lot} went {' -> '.join(firms)} -> {first.seller} within {days} days",
                        {
                            "lot_id": lot,
                            "days": str(days),
                            "window_days": str(settings.circle_window_days),
                        },
                    )
                )
    return alerts


def _circle_from(first: Shipped, later: list[Shipped], window: timedelta) -> list[Shipped]:
    """The chain of sales that brings the lot back to ``first``'s seller, if there is one."""
    chain = [first]
    for move in later:
        if move.occurred_at - first.occurred_at > window:
            break
        if move.seller == chain[-1].buyer:
            chain.append(move)
            if move.buyer == first.seller:
                return chain
    return []
