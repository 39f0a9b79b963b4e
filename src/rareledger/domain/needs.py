"""Which cached rows a record will read, so a batch can load them in a few bulk queries."""

from __future__ import annotations

from rareledger.domain.events import (
    Adjustment,
    Correction,
    Event,
    Receipt,
    Shipment,
    lots_created,
    lots_taken,
)
from rareledger.domain.records import ParsedRecord
from rareledger.domain.state import Needs


def needs_of(parsed: ParsedRecord, needs: Needs) -> Needs:
    """Add the keys ``parsed`` will read to ``needs`` (a hint: misses are loaded lazily)."""
    value = parsed.value
    if not isinstance(value, Event):
        record = parsed.record
        if parsed.type == "enterprise":
            needs.enterprises.add(parsed.record_id)
        elif parsed.type in ("facility", "quota"):
            needs.enterprises.add(record["enterprise_id"])
            (needs.facilities if parsed.type == "facility" else needs.quotas).add(parsed.record_id)
        elif parsed.type == "licence_application":
            needs.enterprises.add(record["applicant"])
        return needs
    _event_needs(value, needs)
    return needs


def _event_needs(event: Event, needs: Needs) -> None:
    needs.events.add(event.event_id)
    needs.enterprises.add(event.reporter)
    if event.facility_id:
        needs.facilities.add(event.facility_id)
    for lot in lots_created(event):
        needs.lots.add(lot.lot_id)
        needs.balances.add((lot.lot_id, event.reporter))
    touched = list(lots_taken(event))
    if isinstance(event, Receipt):
        touched += event.items
        needs.shipments.add(event.shipment_event_id)
    if isinstance(event, Shipment):
        needs.enterprises.add(event.buyer)
    for item in touched:
        needs.lots.add(item.lot_id)
        needs.balances.add((item.lot_id, event.reporter))
    if isinstance(event, Adjustment):
        needs.lots.add(event.lot_id)
        needs.balances.add((event.lot_id, event.reporter))
    if isinstance(event, Correction):
        needs.events.add(event.corrects)
        if event.replacement is not None:
            _event_needs(event.replacement, needs)
