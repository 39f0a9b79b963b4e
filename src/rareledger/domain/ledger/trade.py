"""Shipments and receipts between registered enterprises; each beside its reversal.

A shipment moves mass from the seller's balance into transit; the receipt moves what arrived
to the buyer, and the difference, either way, to the lot's discrepancy account.
"""

from __future__ import annotations

import hashlib

from rareledger.domain.events import Receipt, Shipment
from rareledger.domain.findings import negative_balance, receipt_mismatch
from rareledger.domain.ledger.creation import check_known_lots
from rareledger.domain.ledger.model import ShipmentState
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.lots import cause
from rareledger.domain.problems import Finding, reject

# ---------------------------------------------------------------- shipment


def invoice_key(seller: str, invoice_no: str) -> str:
    """The registry key under which a seller's invoice number is remembered."""
    return hashlib.sha256(f"{seller}\n{invoice_no}".encode()).hexdigest()[:40]


def judge_shipment(p: Posting, event: Shipment, path: str) -> None:
    if p.state.enterprise(event.buyer) is None:
        raise reject("unknown_enterprise", f"{path}buyer", "no such enterprise", event.buyer)
    if event.buyer == event.reporter:
        raise reject(
            "buyer_is_reporter",
            f"{path}buyer",
            "a sale is to another enterprise; stock moved within one is not a shipment",
            event.buyer,
        )
    check_known_lots(p, event.items, f"{path}items")


def post_shipment(p: Posting, event: Shipment) -> None:
    p.take(event.items, event.reporter, event.event_id, None)
    _remember_invoice(p, event)
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


def _remember_invoice(p: Posting, event: Shipment) -> None:
    """Flag a second shipment of the seller under an invoice number already used."""
    key = invoice_key(event.reporter, event.invoice_no)
    earlier = (p.state.entry("invoice", key) or {"event_ids": []})["event_ids"]
    p.state.put_registry("invoice", key, {"event_ids": [*earlier, event.event_id]})
    if earlier:
        p.flag(
            event.event_id,
            Finding(
                "duplicate_invoice",
                f"invoice {event.invoice_no!r} was already used by shipment {earlier[0]}",
                event.reporter,
                None,
                {"invoice_no": event.invoice_no, "earlier_event_id": earlier[0]},
            ),
        )


def reverse_shipment(p: Posting, original: Shipment, _correction_id: str) -> None:
    shipment = p.state.shipment(original.event_id)
    assert shipment is not None
    key = invoice_key(original.reporter, original.invoice_no)
    remembered = (p.state.entry("invoice", key) or {"event_ids": []})["event_ids"]
    others = [e for e in remembered if e != original.event_id]
    p.state.put_registry("invoice", key, {"event_ids": others} if others else None)
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
    mismatches = receipt_mismatch(
        shipment.items, received, p.settings.receipt_tolerance, event.reporter
    )
    p.flag_all(event.event_id, mismatches)
    for lot_id, got_g in received.items():
        if got_g > shipment.items[lot_id] and any(m.lot_id == lot_id for m in mismatches):
            p.mark_gap(lot_id, cause("receipt_excess", event.event_id))


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
