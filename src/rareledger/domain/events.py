"""Typed records of the reporting contract: master data and events.

Masses are held as integer grams (``*_g``): the contract allows at most three decimals of a
kilogram, so a gram count is exact and adds up without rounding. Compositions are exact
``Decimal`` mass fractions. Times are timezone-aware ``datetime`` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in an ISO 4217 currency."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Party:
    """A foreign counterparty named on an export or import (consignee, end user, supplier)."""

    name: str
    country: str
    address: str | None = None


@dataclass(frozen=True, slots=True)
class LotQuantity:
    """A mass taken from or moved of an existing lot."""

    lot_id: str
    mass_g: int


@dataclass(frozen=True, slots=True)
class NewLot:
    """A lot created by an extraction, processing or import output."""

    lot_id: str
    form: str
    mass_g: int
    composition: Mapping[str, Decimal]


# ---------------------------------------------------------------- master data


@dataclass(frozen=True, slots=True, kw_only=True)
class Enterprise:
    """A registered enterprise and the roles it may report in."""

    id: str
    name: str
    country: str
    roles: tuple[str, ...]
    status: str
    name_local: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Facility:
    """A mine, plant or warehouse of one enterprise."""

    id: str
    enterprise_id: str
    kind: str
    name: str
    region: str
    lat: Decimal | None = None
    lon: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Quota:
    """A yearly mining or separation quota in tonnes of rare earth oxide."""

    id: str
    enterprise_id: str
    year: int
    kind: str
    reo_t: Decimal


MasterRecord = Enterprise | Facility | Quota


# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Fields every event carries (spec section 3)."""

    event_id: str
    reporter: str
    occurred_at: datetime
    facility_id: str | None = None
    note: str | None = None

    @property
    def type(self) -> str:
        return EVENT_CLASS_TYPES[type(self)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction(Event):
    """A miner takes ore or concentrate out of the ground at one of its mines."""

    outputs: tuple[NewLot, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Processing(Event):
    """A plant consumes input lots and creates output lots (separation, smelting, magnets...)."""

    process: str
    inputs: tuple[LotQuantity, ...]
    outputs: tuple[NewLot, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Shipment(Event):
    """A holder sells and dispatches lot mass to a registered buyer; the mass is in transit."""

    buyer: str
    items: tuple[LotQuantity, ...]
    value: Money
    invoice_no: str
    contract_no: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt(Event):
    """The buyer of a shipment takes delivery of what arrived."""

    shipment_event_id: str
    items: tuple[LotQuantity, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Export(Event):
    """An exporter sends lot mass out of the country."""

    items: tuple[LotQuantity, ...]
    destination_country: str
    consignee: Party
    end_user: Party
    end_use: str
    hs_code: str
    customs_declaration_no: str
    value: Money
    licence_no: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomsCheck(Export):
    """Customs checks a proposed export before release (extension): the exporter is the
    reporter; ``event_id`` names the check."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Import(Event):
    """An importer brings material into the country, creating new lots."""

    origin_country: str
    supplier: Party
    outputs: tuple[NewLot, ...]
    customs_declaration_no: str
    value: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class Adjustment(Event):
    """A holder corrects its own balance of a lot (stocktake, loss, sample, scrap out)."""

    lot_id: str
    delta_g: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction(Event):
    """The reporter of an earlier event retracts it, optionally with a replacement."""

    corrects: str
    reason: str
    replacement: Event | None = None
    replacement_recorded_at: datetime | None = field(default=None, compare=False)


EVENT_CLASS_TYPES: dict[type[Event], str] = {
    Extraction: "extraction",
    Processing: "processing",
    Shipment: "shipment",
    Receipt: "receipt",
    Export: "export",
    Import: "import",
    Adjustment: "adjustment",
    Correction: "correction",
    CustomsCheck: "customs_check",
}


def lots_taken(event: Event) -> tuple[LotQuantity, ...]:
    """The lot masses an event takes from its reporter's balance."""
    if isinstance(event, Processing):
        return event.inputs
    if isinstance(event, Shipment | Export):
        return event.items
    return ()


def lots_created(event: Event) -> tuple[NewLot, ...]:
    """The lots an event creates."""
    if isinstance(event, Extraction | Processing | Import):
        return event.outputs
    return ()
