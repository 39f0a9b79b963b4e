"""The simulation's bookkeeping: lots, holdings and the journal of records, in integer grams."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from rareledger.domain.checks import MAX_ITEMS
from rareledger.domain.elements import ELEMENTS

Record = dict[str, Any]
CST = timezone(timedelta(hours=8))
PPM = 1_000_000
# Public holidays, (month, day) of the first and last day: the Spring Festival and National Day
# with Mid-Autumn as set for 2025 (other years reuse the dates; see noise.py).
HOLIDAYS = (((1, 28), (2, 4)), ((10, 1), (10, 8)))
REO_FACTOR = {symbol: float(element.reo_factor) for symbol, element in ELEMENTS.items()}


def kg(grams: int) -> str:
    """Grams as a kilogram decimal string with three decimals."""
    return f"{grams // 1000}.{grams % 1000:03d}"


def stamp(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="seconds")


def money(amount: float, currency: str) -> dict[str, str]:
    return {"amount": f"{max(amount, 0.01):.2f}", "currency": currency}


@dataclass(frozen=True, slots=True)
class Lot:
    """One batch: its form, the product it is, and its composition in parts per million."""

    lot_id: str
    form: str
    product: str
    composition: Mapping[str, int]

    def element_g(self, grams: int) -> dict[str, int]:
        return {el: grams * ppm // PPM for el, ppm in self.composition.items()}

    def reo_g(self, grams: int) -> float:
        return sum(grams * ppm / PPM * REO_FACTOR[el] for el, ppm in self.composition.items())

    def composition_json(self) -> dict[str, float]:
        return {el: ppm / PPM for el, ppm in sorted(self.composition.items())}


@dataclass(slots=True)
class Holding:
    lot: Lot
    grams: int
    ready: datetime


Take = tuple[Lot, int]


class Stock:
    """Who holds how much of which lot, and from when they may use it (by holder and product)."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], list[Holding]] = {}

    def add(self, holder: str, lot: Lot, grams: int, ready: datetime) -> None:
        if grams > 0:
            self._held.setdefault((holder, lot.product), []).append(Holding(lot, grams, ready))

    def ready(self, holder: str, before: datetime, products: Iterable[str]) -> list[Holding]:
        found: list[Holding] = []
        for product in dict.fromkeys(products):
            held = self._held.get((holder, product))
            if not held:
                continue
            if any(h.grams <= 0 for h in held):
                held = self._held[(holder, product)] = [h for h in held if h.grams > 0]
            found.extend(h for h in held if h.ready <= before)
        return found

    def take(self, holder: str, holdings: list[Holding], grams: int) -> list[Take]:
        """Take up to ``grams`` from ``holdings`` (first in, first out)."""
        taken: list[Take] = []
        for holding in holdings:
            if grams <= 0:
                break
            part = min(grams, holding.grams)
            holding.grams -= part
            grams -= part
            taken.append((holding.lot, part))
        return merge(taken)

    def take_all(self, holder: str, holdings: list[Holding]) -> list[Take]:
        return self.take(holder, holdings, sum(h.grams for h in holdings))


def merge(items: Iterable[Take]) -> list[Take]:
    """One entry per lot (a lot named twice in one list is rejected)."""
    totals: dict[str, list[Any]] = {}
    for lot, grams in items:
        entry = totals.setdefault(lot.lot_id, [lot, 0])
        entry[1] += grams
    return [(lot, grams) for lot, grams in totals.values() if grams > 0]


def items_json(items: Iterable[Take]) -> list[dict[str, str]]:
    return [{"lot_id": lot.lot_id, "mass_kg": kg(grams)} for lot, grams in items]


def element_totals(items: Iterable[Take]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for lot, grams in items:
        for el, g in lot.element_g(grams).items():
            totals[el] = totals.get(el, 0) + g
    return totals


@dataclass(order=True, slots=True)
class Entry:
    recorded: datetime
    seq: int
    record: Record = field(compare=False)


class Journal:
    """Every record written, with the time it is recorded; ids come from one counter."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.entries: list[Entry] = []
        self._count = 0

    def next_id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}-{self._count:08d}"

    def lag(self, occurred: datetime) -> timedelta:
        """20 minutes to 30 hours; an event in a holiday is filed in the day after it."""
        lag = timedelta(minutes=self.rng.randint(20, 30 * 60))
        after = holiday_end(occurred)
        if after is not None:
            lag = max(lag, after - occurred + timedelta(minutes=self.rng.randint(60, 24 * 60)))
        return lag

    def add(self, record: Record, recorded: datetime) -> datetime:
        record["recorded_at"] = stamp(recorded)
        self.entries.append(Entry(recorded, len(self.entries), record))
        return recorded

    def event(
        self, record: Record, occurred: datetime, late_days: tuple[int, int] | None = None
    ) -> datetime:
        """Add an event occurring at ``occurred`` (filed ``late_days`` after the deadline when
        given); return when it is recorded."""
        record["occurred_at"] = stamp(occurred)
        if late_days:
            deadline = _deadline(occurred)
            recorded = deadline + timedelta(days=self.rng.randint(*late_days), hours=3)
        else:
            recorded = occurred + self.lag(occurred)
        return self.add(record, recorded)


def holiday_end(moment: datetime, before_days: int = 0) -> datetime | None:
    """The last minute of the holiday ``moment`` falls in (or is ``before_days`` ahead of)."""
    day = moment.astimezone(CST).date()
    for (first_month, first_day), (last_month, last_day) in HOLIDAYS:
        first = date(day.year, first_month, first_day) - timedelta(days=before_days)
        last = date(day.year, last_month, last_day)
        if first <= day <= last:
            return datetime(last.year, last.month, last.day, 23, 59, tzinfo=CST)
    return None


def _deadline(occurred: datetime) -> datetime:
    local = occurred.astimezone(CST)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 10, 23, 59, tzinfo=CST)


def derive_ppm(elements_g: Mapping[str, int], mass_g: int) -> dict[str, int]:
    """A composition whose element masses in ``mass_g`` never exceed ``elements_g``."""
    return {el: g * PPM // mass_g for el, g in sorted(elements_g.items()) if g * PPM // mass_g > 0}


# A processing run's inputs: a third of the ledger's limit on a list's entries, so that its
# outputs (about one and a half to two lots for each lot that goes in) stay within it too.
RUN_INPUTS = MAX_ITEMS // 3


def runs(inputs: list[Take]) -> list[list[Take]]:
    """A campaign's inputs as the processing runs a plant would report: one run when it is small
    enough; otherwise the lots dealt out in turn to as few runs as keep each within
    :data:`RUN_INPUTS`, so that every run gets a like mix (base lots and additions)."""
    count = -(-len(inputs) // RUN_INPUTS)
    return [inputs] if count <= 1 else [inputs[i::count] for i in range(count)]


def split_mass(total_g: int, lot_g: int, most: int = MAX_ITEMS - 1) -> list[int]:
    """``total_g`` in pieces of about ``lot_g`` grams (larger pieces when that would make more
    than ``most``: a record lists at most ``MAX_ITEMS`` lots, and a run may add one more)."""
    count = min(most, max(1, round(total_g / lot_g)))
    base = total_g // count
    pieces = [base] * count
    pieces[-1] += total_g - base * count
    return [p for p in pieces if p > 0]
