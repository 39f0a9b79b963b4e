"""Which cached rows a record will read, so that a batch can load them in a few bulk queries."""

from __future__ import annotations

from rareledger.domain.events import (
    Adjustment,
    Correction,
    Event,
    Export,
    Receipt,
    Shipment,
    lots_created,
    lots_taken,
)
from rareledger.domain.ledger.customs import reservation_key
from rareledger.domain.ledger.state import Needs
from rareledger.domain.ledger.trade import invoice_key
from rareledger.domain.records import ParsedRecord


def needs_of(parsed: ParsedRecord, needs: Needs) -> Needs:
    """Add the keys ``parsed`` will read to ``needs`` (a hint: misses are loaded lazily)."""
    value = parsed.value
    if isinstance(value, Event):
        _event_needs(value, needs)
        return needs
    record = parsed.record
    if parsed.type == "enterprise":
        needs.enterprises.add(parsed.record_id)
    elif parsed.type in ("facility", "quota"):
        needs.enterprises.add(record["enterprise_id"])
        (needs.facilities if parsed.type == "facility" else needs.quotas).add(parsed.record_id)
    elif parsed.type == "licence_application":
        needs.enterprises.add(record["applicant"])
        needs.registry.add(("application", parsed.record_id))
    elif parsed.type == "licence_decision":
        needs.registry.add(("application", parsed.record_id))
        needs.registry.add(("licence", str(record.get("licence_no") or "")))
    return needs


def _event_needs(event: Event, needs: Needs) -> None:
    needs.events.add(event.event_id)
    needs.enterprises.add(event.reporter)
    if event.facility_id:
        needs.facilities.add(event.facility_id)
    lots = needs.lots
    for lot in lots_created(event):
        lots.add(lot.lot_id)
    for item in lots_taken(event):
        lots.add(item.lot_id)
    if isinstance(event, Receipt):
        lots.update(item.lot_id for item in event.items)
        needs.shipments.add(event.shipment_event_id)
    elif isinstance(event, Shipment):
        needs.enterprises.add(event.buyer)
        needs.registry.add(("invoice", invoice_key(event.reporter, event.invoice_no)))
    elif isinstance(event, Export):  # and CustomsCheck: the release, licence, reservations
        _export_needs(event, needs)
    elif isinstance(event, Adjustment):
        lots.add(event.lot_id)
    elif isinstance(event, Correction):
        needs.events.add(event.corrects)
        needs.shipments.add(event.corrects)  # a shipment's correction reads the shipment
        if event.replacement is not None:
            _event_needs(event.replacement, needs)


def _export_needs(event: Export, needs: Needs) -> None:
    registry = needs.registry
    registry.add(("check", event.customs_declaration_no))
    if event.licence_no:
        registry.add(("licence", event.licence_no))
    for item in event.items:
        registry.add(("reserved", reservation_key(item.lot_id, event.reporter)))
