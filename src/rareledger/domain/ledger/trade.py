"""Shipments and receipts between registered enterprises; each beside its reversal.

A shipment moves mass from the seller's balance into transit; the receipt moves what arrived
to the buyer, and the difference, either way, to the lot's discrepancy account.
"""

from __future__ import annotations

from rareledger.domain.events import Receipt, Shipment
from rareledger.domain.findings import negative_balance, receipt_mismatch
from rareledger.domain.ledger.creation import check_known_lots
from rareledger.domain.ledger.model import ShipmentState
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.problems import reject

# ---------------------------------------------------------------- shipment


def judge_shipment(p: Posting, event: Shipment, path: str) -> None:
    if p.state.enterprise(event.buyer) is None:
        raise reject("unknown_enterprise", f"{path}buyer", "no such enterprise", event.buyer)
    check_known_lots(p, event.items, f"{path}items")


def post_shipment(p: Posting, event: Shipment) -> None:
    p.take(event.items, event.reporter, event.event_id, None)
    p.state.put_shipment(
        ShipmentState(
            event.event_id,
            event.reporter,
            event.buyer,
            p.position,
            {i.lot_id: i.mass_g for i in event.items},
        )
    )
    for item in event.items:
        p.moved(item.lot_id, event.event_id, "shipped", event.reporter, event.buyer, item.mass_g)


def reverse_shipment(p: Posting, original: Shipment, _correction_id: str) -> None:
    shipment = p.state.shipment(original.event_id)
    assert shipment is not None
    for lot_id, mass_g in shipment.items.items():
        p.state.add_balance(lot_id, original.reporter, mass_g)
    p.state.change(shipment, "retracted", True)


# ---------------------------------------------------------------- receipt


def judge_receipt(p: Posting, event: Receipt, path: str) -> None:
    shipment = p.state.shipment(event.shipment_event_id)
    if shipment is None or shipment.retracted:
        raise reject(
            "unknown_shipment",
            f"{path}shipment_event_id",
            "no such shipment",
            event.shipment_event_id,
        )
    if shipment.buyer != event.reporter:
        raise reject(
            "receipt_not_buyer",
            f"{path}reporter",
            "only the shipment's buyer may report its receipt",
            event.reporter,
        )
    if shipment.received is not None:
        raise reject(
            "shipment_already_received",
            f"{path}shipment_event_id",
            f"already received by {shipment.receipt_event_id}",
            event.shipment_event_id,
        )
    for index, item in enumerate(event.items):
        if item.lot_id not in shipment.items:
            raise reject(
                "item_not_in_shipment",
                f"{path}items[{index}].lot_id",
                "the shipment did not carry this lot",
                item.lot_id,
            )


def post_receipt(p: Posting, event: Receipt) -> None:
    shipment = p.state.shipment(event.shipment_event_id)
    assert shipment is not None
    received = {i.lot_id: i.mass_g for i in event.items}
    _settle(p, shipment, received, +1)
    for item in event.items:
        p.moved(
            item.lot_id, event.event_id, "received", shipment.seller, event.reporter, item.mass_g
        )
    p.state.change(shipment, "received", received)
    p.state.change(shipment, "receipt_event_id", event.event_id)
    p.flag_all(
        event.event_id,
        receipt_mismatch(shipment.items, received, p.settings.receipt_tolerance, event.reporter),
    )


def reverse_receipt(p: Posting, original: Receipt, correction_id: str) -> None:
    shipment = p.state.shipment(original.shipment_event_id)
    assert shipment is not None and shipment.received is not None
    for lot_id, got_g in shipment.received.items():
        held = p.state.balance(lot_id, shipment.buyer)
        if held < got_g:
            p.flag(correction_id, negative_balance(lot_id, shipment.buyer, got_g, held))
    _settle(p, shipment, shipment.received, -1)
    p.state.change(shipment, "received", None)
    p.state.change(shipment, "receipt_event_id", None)


def _settle(p: Posting, shipment: ShipmentState, received: dict[str, int], sign: int) -> None:
    """The buyer holds what arrived; the rest of what was shipped is a discrepancy."""
    for lot_id, shipped_g in shipment.items.items():
        got_g = received.get(lot_id, 0)
        p.state.add_balance(lot_id, shipment.buyer, sign * got_g)
        p.bump(lot_id, "discrepancy_g", sign * (shipped_g - got_g))
