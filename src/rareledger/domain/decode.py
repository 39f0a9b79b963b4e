"""Decoding records already known to be valid: stored ledger entries and validated lines.

The validator (:func:`rareledger.domain.records.parse_record`) is the one authority on what
the contract accepts. Once a record has passed it, its canonical text (decimals as plain
strings, keys sorted) is all there is to know, and turning that text back into domain values
needs no checks: msgspec reads the shape in compiled code, and the builders below only convert
(times, grams, fractions). `rareledger rebuild` replays the ledger this way, and a bulk load
validates in a second process and decodes here.

Only the high-volume event types have a builder; the others (master data, corrections,
customs checks) go through the validator again, which accepts them as before.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import Struct

from rareledger.domain.canonical import canonical_json
from rareledger.domain.events import (
    Adjustment,
    Event,
    Export,
    Extraction,
    Import,
    LotQuantity,
    Money,
    NewLot,
    Party,
    Processing,
    Receipt,
    Shipment,
)
from rareledger.domain.lots import Composition
from rareledger.domain.quantities import stored_kg_to_g
from rareledger.domain.records import ParsedRecord, parse_stored


class _Event(Struct, tag_field="type"):
    event_id: str
    reporter: str
    occurred_at: str
    facility_id: str | None = None
    note: str | None = None
    recorded_at: str | None = None


class _Item(Struct):
    lot_id: str
    mass_kg: str


class _NewLot(Struct):
    lot_id: str
    form: str
    mass_kg: str
    composition: dict[str, str]


class _Money(Struct):
    amount: str
    currency: str


class _Party(Struct):
    name: str
    country: str
    address: str | None = None


class _Extraction(_Event, tag="extraction"):
    outputs: list[_NewLot] = []


class _Processing(_Event, tag="processing"):
    process: str = ""
    inputs: list[_Item] = []
    outputs: list[_NewLot] = []


class _Shipment(_Event, tag="shipment"):
    buyer: str = ""
    items: list[_Item] = []
    value: _Money | None = None
    invoice_no: str = ""
    contract_no: str | None = None


class _Receipt(_Event, tag="receipt"):
    shipment_event_id: str = ""
    items: list[_Item] = []


class _Export(_Event, tag="export"):
    items: list[_Item] = []
    destination_country: str = ""
    consignee: _Party | None = None
    end_user: _Party | None = None
    end_use: str = ""
    hs_code: str = ""
    customs_declaration_no: str = ""
    value: _Money | None = None
    licence_no: str | None = None


class _Import(_Event, tag="import"):
    origin_country: str = ""
    supplier: _Party | None = None
    outputs: list[_NewLot] = []
    customs_declaration_no: str = ""
    value: _Money | None = None


class _Adjustment(_Event, tag="adjustment"):
    lot_id: str = ""
    delta_kg: str = "0"
    reason: str = ""


_SHAPES = _Extraction | _Processing | _Shipment | _Receipt | _Export | _Import | _Adjustment
_TYPED = msgspec.json.Decoder(_SHAPES)
_PLAIN = msgspec.json.Decoder()
_FAST_TYPES = frozenset(
    ("extraction", "processing", "shipment", "receipt", "export", "import", "adjustment")
)


def decode_valid(text: str, digest: str, record_type: str) -> ParsedRecord:
    """The parsed record of a canonical text that passed validation (its content digest given)."""
    if record_type not in _FAST_TYPES:
        return parse_stored(text)
    shape = _TYPED.decode(text)
    record = _PLAIN.decode(text)
    value = _BUILDERS[type(shape)](shape)
    recorded_at = _time(shape.recorded_at) if shape.recorded_at is not None else None
    return ParsedRecord(
        "event", record_type, value.event_id, record, value, digest, recorded_at, text
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.upper())


def _items(items: list[_Item]) -> tuple[LotQuantity, ...]:
    return tuple(LotQuantity(i.lot_id, stored_kg_to_g(i.mass_kg)) for i in items)


def _new_lots(lots: list[_NewLot]) -> tuple[NewLot, ...]:
    return tuple(
        NewLot(
            lot.lot_id,
            lot.form,
            stored_kg_to_g(lot.mass_kg),
            Composition(
                ((s, Decimal(f)) for s, f in lot.composition.items()),
                canonical_json(lot.composition),
            ),
        )
        for lot in lots
    )


def _money(money: _Money | None) -> Money:
    assert money is not None
    return Money(Decimal(money.amount), money.currency)


def _party(party: _Party | None) -> Party:
    assert party is not None
    return Party(party.name, party.country, party.address)


def _header(shape: Any) -> dict[str, Any]:
    return {
        "event_id": shape.event_id,
        "reporter": shape.reporter,
        "occurred_at": _time(shape.occurred_at),
        "facility_id": shape.facility_id,
        "note": shape.note,
    }


def _extraction(s: Any) -> Event:
    return Extraction(**_header(s), outputs=_new_lots(s.outputs))


def _processing(s: Any) -> Event:
    return Processing(
        **_header(s), process=s.process, inputs=_items(s.inputs), outputs=_new_lots(s.outputs)
    )


def _shipment(s: Any) -> Event:
    return Shipment(
        **_header(s),
        buyer=s.buyer,
        items=_items(s.items),
        value=_money(s.value),
        invoice_no=s.invoice_no,
        contract_no=s.contract_no,
    )


def _receipt(s: Any) -> Event:
    return Receipt(**_header(s), shipment_event_id=s.shipment_event_id, items=_items(s.items))


def _export(s: Any) -> Event:
    return Export(
        **_header(s),
        items=_items(s.items),
        destination_country=s.destination_country,
        consignee=_party(s.consignee),
        end_user=_party(s.end_user),
        end_use=s.end_use,
        hs_code=s.hs_code,
        customs_declaration_no=s.customs_declaration_no,
        value=_money(s.value),
        licence_no=s.licence_no,
    )


def _import(s: Any) -> Event:
    return Import(
        **_header(s),
        origin_country=s.origin_country,
        supplier=_party(s.supplier),
        outputs=_new_lots(s.outputs),
        customs_declaration_no=s.customs_declaration_no,
        value=_money(s.value),
    )


def _adjustment(s: Any) -> Event:
    return Adjustment(
        **_header(s), lot_id=s.lot_id, delta_g=stored_kg_to_g(s.delta_kg), reason=s.reason
    )


_BUILDERS = {
    _Extraction: _extraction,
    _Processing: _processing,
    _Shipment: _shipment,
    _Receipt: _receipt,
    _Export: _export,
    _Import: _import,
    _Adjustment: _adjustment,
}
