"""What the ledger rules read and write, besides lots: the rows of the projections.

Rows the rules change in place (:class:`EventIndex`, :class:`ShipmentState`) are mutable;
master data are replaced whole when a new version is recorded. The append-only records of a
batch (:class:`RecordedFinding`, :class:`Link`, :class:`Movement`, :class:`OriginSource`) and
the typed :class:`ProjectionChanges` that the store writes once per batch are here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from rareledger.domain.lots import Lot
from rareledger.domain.origins import Ingredient, RootOrigin
from rareledger.domain.problems import Finding

BalanceKey = tuple[str, str]  # (lot_id, holder)


@dataclass(frozen=True, slots=True)
class EnterpriseState:
    id: str
    roles: tuple[str, ...]
    status: str
    country: str
    digest: str
    position: int
    record: dict[str, Any] = field(compare=False)


@dataclass(frozen=True, slots=True)
class MasterState:
    """A facility, quota, regime or watch-list entry: its owner and current version."""

    id: str
    type: str
    enterprise_id: str
    kind: str
    digest: str
    position: int
    record: dict[str, Any] = field(compare=False)


@dataclass(slots=True)
class ShipmentState:
    event_id: str
    seller: str
    buyer: str
    position: int
    items: dict[str, int]  # lot_id -> shipped grams
    received: dict[str, int] | None = None  # lot_id -> received grams
    receipt_event_id: str | None = None
    retracted: bool = False


@dataclass(slots=True)
class EventIndex:
    """An accepted event: where it is in the ledger, and whether it was retracted."""

    event_id: str
    position: int
    type: str
    reporter: str
    digest: str
    retracted_by: str | None = None
    via_correction: str | None = None  # set when the event is a correction's replacement


class Balance(NamedTuple):
    lot_id: str
    holder: str
    mass_g: int


@dataclass(frozen=True, slots=True)
class RecordedFinding:
    position: int
    seq: int
    event_id: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class Link:
    """A lot on one side of a processing event: an input (``mass_g`` taken) or an output.

    Every output of an event is made from all its inputs; storing each side once keeps an
    event of m inputs and n outputs at m + n rows instead of m x n edges.
    """

    lot_id: str
    event_id: str
    side: str  # "in" | "out"
    position: int
    mass_g: int = 0


@dataclass(frozen=True, slots=True)
class Movement:
    """A lot changing hands: created, shipped, received or exported (the chain of custody)."""

    lot_id: str
    event_id: str
    kind: str  # created | shipped | received | exported
    from_holder: str | None
    to_holder: str | None  # an enterprise, or a country for an export
    mass_g: int
    position: int
    occurred_at: str


@dataclass(frozen=True, slots=True)
class OriginSource:
    """How a lot's origin vector is made (:mod:`rareledger.domain.origins`), recorded when the
    lot is created or its creation retracted; the store computes the vector from it.

    Exactly one of: ``root`` (an extraction or import: the lot is its own origin),
    ``inputs`` (a processing step), ``retracted`` (its material has no known origin any more).
    ``downstream`` asks for every lot made from this one to be computed again (a correction
    changed a lot that may have been processed already).
    """

    lot_id: str
    composition: Mapping[str, Decimal]
    root: RootOrigin | None = None
    inputs: tuple[Ingredient, ...] = ()
    retracted: bool = False
    downstream: bool = False


class RegistryChange(NamedTuple):
    """An export-control object set (``value``) or removed (``value`` None)."""

    kind: str
    key: str
    value: Any


@dataclass
class ProjectionChanges:
    """Everything one batch changed, for the store to write in one go."""

    enterprises: list[EnterpriseState] = field(default_factory=list)
    masters: list[MasterState] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    balances: list[Balance] = field(default_factory=list)
    shipments: list[ShipmentState] = field(default_factory=list)
    events: list[EventIndex] = field(default_factory=list)
    registry: list[RegistryChange] = field(default_factory=list)
    findings: list[RecordedFinding] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    origins: list[OriginSource] = field(default_factory=list)  # in ledger order
    retracted_events: list[str] = field(default_factory=list)  # their findings, links, movements
