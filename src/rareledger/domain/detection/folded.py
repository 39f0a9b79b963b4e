"""The facts kept per event (a shipment, a receipt, an export...), and how each is saved.

Each kind round-trips through a plain list (``*_row`` and ``*_from``), so that the fold can be
saved for the next run as JSON and read back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

Composition = tuple[tuple[str, float], ...]  # (element, mass fraction), sorted
Items = tuple[tuple[str, int], ...]  # (lot, grams)


def total_g(items: Items) -> int:
    """The mass of (lot, grams) items."""
    return sum(grams for _lot, grams in items)


Money = tuple[Decimal, str]  # amount, currency
Name = Callable[[str], str]  # the one object kept for a repeated name (Facts.name)


def _same(value: str) -> str:
    return value


@dataclass(frozen=True, slots=True)
class Shipped:
    event_id: str
    seller: str
    buyer: str
    occurred_at: datetime
    items: Items
    value: Money | None = None

    @property
    def mass_g(self) -> int:
        return total_g(self.items)

    @property
    def lots(self) -> tuple[str, ...]:
        return tuple(lot for lot, _grams in self.items)


@dataclass(frozen=True, slots=True)
class Received:
    event_id: str
    shipment_event_id: str
    buyer: str
    items: Items

    @property
    def mass_g(self) -> int:
        return total_g(self.items)


@dataclass(frozen=True, slots=True)
class Exported:
    event_id: str
    exporter: str
    consignee: str
    destination: str
    occurred_at: datetime
    items: Items
    licence_no: str | None
    value: Money | None = None
    hs_code: str | None = None

    @property
    def mass_g(self) -> int:
        return total_g(self.items)


@dataclass(frozen=True, slots=True)
class Processed:
    event_id: str
    enterprise_id: str
    facility_id: str
    process: str
    occurred_at: datetime
    input_re_g: float
    output_re_g: float


@dataclass(frozen=True, slots=True)
class Mined:
    event_id: str
    enterprise_id: str
    year: int
    reo_t: Decimal


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    enterprise_id: str
    event_id: str
    period: str


def shipped_row(s: Shipped) -> list[Any]:
    return [s.event_id, s.seller, s.buyer, s.occurred_at.isoformat(), s.items, money_row(s.value)]


def shipped_from(row: list[Any], name: Name = _same) -> Shipped:
    occurred = datetime.fromisoformat(row[3])
    value = money_from(row[5], name)
    return Shipped(row[0], name(row[1]), name(row[2]), occurred, pairs(row[4]), value)


def exported_row(e: Exported) -> list[Any]:
    return [
        e.event_id,
        e.exporter,
        e.consignee,
        e.destination,
        e.occurred_at.isoformat(),
        e.items,
        e.licence_no,
        money_row(e.value),
        e.hs_code,
    ]


def exported_from(row: list[Any], name: Name = _same) -> Exported:
    return Exported(
        row[0],
        name(row[1]),
        name(row[2]),
        name(row[3]),
        datetime.fromisoformat(row[4]),
        pairs(row[5]),
        None if row[6] is None else name(row[6]),
        money_from(row[7], name),
        None if row[8] is None else name(row[8]),
    )


def processed_row(p: Processed) -> list[Any]:
    return [
        p.event_id,
        p.enterprise_id,
        p.facility_id,
        p.process,
        p.occurred_at.isoformat(),
        p.input_re_g,
        p.output_re_g,
    ]


def processed_from(row: list[Any], name: Name = _same) -> Processed:
    occurred = datetime.fromisoformat(row[4])
    return Processed(row[0], name(row[1]), name(row[2]), name(row[3]), occurred, *row[5:7])


def money_row(value: Money | None) -> list[str] | None:
    return [str(value[0]), value[1]] if value else None


def money_from(row: list[str] | None, name: Name = _same) -> Money | None:
    return (Decimal(row[0]), name(row[1])) if row else None


def pairs(items: list[list[Any]]) -> Items:
    return tuple((lot, int(grams)) for lot, grams in items)
