"""National figures as additive cells: what each ledger record adds to the national totals.

A cell is (day, measure, key1, key2) -> micrograms. A record's cells are added when it is
folded and subtracted when a correction retracts it, so the totals over any range of days are
sums of cells, kept up to date one record at a time. Days are calendar days of ``occurred_at``
in the regulator's time zone. Micrograms keep element masses (fraction x grams) exact to far
below the gram that any figure is shown with.

Measures (key1, key2):

- ``mined_reo`` (reporter, element group): REO of extraction outputs;
- ``separated_reo`` (reporter, element group): REO of the outputs of separation;
- ``imported`` (origin country, ""): goods mass of imports;
- ``exported`` (destination country, ""): goods mass of exports;
- ``exported_element`` (element, destination country): element mass of exports;
- ``stock_reo`` (holder, ""): change of REO held; the holder ``~transit`` is material shipped
  and not yet received;
- ``stock_reo_month`` (holder, ""): the same changes summed by month, on the month's first
  day, so that a stock as of a day sums the months before it and the days of its own month
  (a few thousand cells) rather than every day since the ledger began;
- ``flow_reo`` (from stage, to stage): REO moved between stages of the chain (a processing
  event's inputs, an import's outputs, an export's items to ``export:<country>``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from rareledger.domain.elements import ELEMENTS

MICROGRAMS_PER_GRAM = Decimal(1_000_000)
TRANSIT = "~transit"
EXPORT_PREFIX = "export:"
GROUPS: dict[str, str] = {
    **dict.fromkeys(("La", "Ce", "Pr", "Nd", "Pm"), "light"),
    **dict.fromkeys(("Sm", "Eu", "Gd"), "medium"),
    **dict.fromkeys(("Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y", "Sc"), "heavy"),
}
GROUP_NAMES = ("light", "medium", "heavy")
STAGES = ("mine", "import", "separation", "metal", "magnet", "recycling")
FORM_STAGE = {
    "ore": "mine",
    "concentrate": "mine",
    "mixed_compound": "separation",
    "oxide": "separation",
    "compound": "separation",
    "metal": "metal",
    "alloy": "metal",
    "target": "metal",
    "magnet": "magnet",
    "scrap": "recycling",
}
PROCESS_STAGE = {
    "beneficiation": "mine",
    "separation": "separation",
    "metal_smelting": "metal",
    "alloying": "metal",
    "magnet_making": "magnet",
    "recycling": "recycling",
}
CREATING = ("extraction", "processing", "import")

Key = tuple[str, str, str, str]  # day, measure, key1, key2


REO_FACTORS = {symbol: element.reo_factor for symbol, element in ELEMENTS.items()}


@dataclass(frozen=True, slots=True)
class LotFacts:
    """What the figures need of a lot: its composition and its stage in the chain, with the
    REO fractions worked out once."""

    composition: Mapping[str, Decimal]
    stage: str
    reo_fraction: Decimal = Decimal(0)
    group_fractions: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def of(cls, composition: Mapping[str, Decimal], stage: str) -> LotFacts:
        groups: dict[str, Decimal] = {}
        for symbol, fraction in composition.items():
            share = fraction * REO_FACTORS[symbol]
            groups[GROUPS[symbol]] = groups.get(GROUPS[symbol], Decimal(0)) + share
        return cls(composition, stage, sum(groups.values(), Decimal(0)), tuple(groups.items()))

    def element_ug(self, mass_g: Decimal) -> dict[str, Decimal]:
        micrograms = mass_g * MICROGRAMS_PER_GRAM
        return {s: f * micrograms for s, f in self.composition.items()}

    def reo_ug(self, mass_g: Decimal) -> Decimal:
        return self.reo_fraction * mass_g * MICROGRAMS_PER_GRAM

    def reo_by_group_ug(self, mass_g: Decimal) -> dict[str, Decimal]:
        micrograms = mass_g * MICROGRAMS_PER_GRAM
        return {group: fraction * micrograms for group, fraction in self.group_fractions}


def lot_stage(event_type: str, form: str) -> str:
    """A lot's stage: where it was made (a mine, an import) or what its form is."""
    if event_type == "extraction":
        return "mine"
    if event_type == "import":
        return "import"
    return FORM_STAGE.get(form, "separation")


def composition_of(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    return {str(k): Decimal(str(v)) for k, v in raw.items()}


def created_lots(record: Mapping[str, Any]) -> dict[str, LotFacts]:
    """The lots a record creates, with their facts."""
    if record.get("type") not in CREATING:
        return {}
    return {
        str(o["lot_id"]): LotFacts.of(
            composition_of(o.get("composition", {})), lot_stage(record["type"], o["form"])
        )
        for o in record.get("outputs", [])
    }


def regulator_day(occurred_at: str, zone: timezone) -> str:
    """The regulator's calendar day of an RFC 3339 time, as ``YYYY-MM-DD``."""
    return datetime.fromisoformat(occurred_at.upper()).astimezone(zone).date().isoformat()


def grams(mass_kg: Any) -> Decimal:
    return Decimal(str(mass_kg)) * 1000


class Cells:
    """Sums of cells, to be added to the stored figures."""

    def __init__(self) -> None:
        self.amounts: dict[Key, Decimal] = {}

    def add(self, key: Key, amount_ug: Decimal) -> None:
        if amount_ug:
            self.amounts[key] = self.amounts.get(key, Decimal(0)) + amount_ug

    def rounded(self) -> Iterator[tuple[Key, int]]:
        """Each cell as whole micrograms (cells that sum to zero are left out)."""
        for key, amount in self.amounts.items():
            whole = int(amount.to_integral_value())
            if whole:
                yield key, whole


LotLookup = Callable[[str], LotFacts | None]
ShipmentLookup = Callable[[str], list[tuple[str, Decimal]]]


@dataclass
class Folder:
    """Adds (or, with ``sign=-1``, takes back) the cells of one event record."""

    cells: Cells
    lot: LotLookup
    shipped: ShipmentLookup  # a shipment's (lot id, grams) items
    zone: timezone

    def fold(self, record: Mapping[str, Any], sign: int = 1) -> None:
        handler = _HANDLERS.get(str(record.get("type")))
        if handler is not None:
            day = regulator_day(str(record["occurred_at"]), self.zone)
            handler(self, record, day, Decimal(sign))

    def _put(self, day: str, measure: str, key1: str, key2: str, amount: Decimal) -> None:
        self.cells.add((day, measure, key1, key2), amount)

    def _stock(self, day: str, holder: str, facts: LotFacts | None, mass_g: Decimal) -> None:
        if facts is not None:
            change = facts.reo_ug(mass_g)
            self._put(day, "stock_reo", holder, "", change)
            self._put(f"{day[:7]}-01", "stock_reo_month", holder, "", change)

    def _creation(self, record: Mapping[str, Any], day: str, sign: Decimal) -> None:
        made = created_lots(record)
        measure = {"extraction": "mined_reo", "import": None}.get(record["type"])
        if record["type"] == "processing" and record.get("process") == "separation":
            measure = "separated_reo"
        for output in record.get("outputs", []):
            facts, mass_g = made[str(output["lot_id"])], grams(output["mass_kg"]) * sign
            self._stock(day, record["reporter"], facts, mass_g)
            if measure is not None:
                for group, amount in facts.reo_by_group_ug(mass_g).items():
                    self._put(day, measure, record["reporter"], group, amount)
        if record["type"] == "import":
            self._import(record, day, sign, made)
        if record["type"] == "processing":
            self._processing_inputs(record, day, sign)

    def _import(
        self, record: Mapping[str, Any], day: str, sign: Decimal, made: dict[str, LotFacts]
    ) -> None:
        origin = str(record.get("origin_country", ""))
        for output in record.get("outputs", []):
            facts, mass_g = made[str(output["lot_id"])], grams(output["mass_kg"]) * sign
            self._put(day, "imported", origin, "", mass_g * MICROGRAMS_PER_GRAM)
            self._put(day, "flow_reo", "import", _form_stage(output), facts.reo_ug(mass_g))

    def _processing_inputs(self, record: Mapping[str, Any], day: str, sign: Decimal) -> None:
        target = PROCESS_STAGE.get(str(record.get("process")))
        for item in record.get("inputs", []):
            facts, mass_g = self.lot(str(item["lot_id"])), grams(item["mass_kg"]) * sign
            self._stock(day, record["reporter"], facts, -mass_g)
            if facts is not None and target is not None and facts.stage != target:
                self._put(day, "flow_reo", facts.stage, target, facts.reo_ug(mass_g))

    def _shipment(self, record: Mapping[str, Any], day: str, sign: Decimal) -> None:
        for item in record.get("items", []):
            facts, mass_g = self.lot(str(item["lot_id"])), grams(item["mass_kg"]) * sign
            self._stock(day, record["reporter"], facts, -mass_g)
            self._stock(day, TRANSIT, facts, mass_g)

    def _receipt(self, record: Mapping[str, Any], day: str, sign: Decimal) -> None:
        for item in record.get("items", []):
            facts, mass_g = self.lot(str(item["lot_id"])), grams(item["mass_kg"]) * sign
            self._stock(day, record["reporter"], facts, mass_g)
        for lot_id, shipped_g in self.shipped(str(record.get("shipment_event_id", ""))):
            self._stock(day, TRANSIT, self.lot(lot_id), -shipped_g * sign)

    def _export(self, record: Mapping[str, Any], day: str, sign: Decimal) -> None:
        destination = str(record.get("destination_country", ""))
        for item in record.get("items", []):
            facts, mass_g = self.lot(str(item["lot_id"])), grams(item["mass_kg"]) * sign
            self._put(day, "exported", destination, "", mass_g * MICROGRAMS_PER_GRAM)
            self._stock(day, record["reporter"], facts, -mass_g)
            if facts is None:
                continue
            for symbol, amount in facts.element_ug(mass_g).items():
                self._put(day, "exported_element", symbol, destination, amount)
            to = EXPORT_PREFIX + destination
            self._put(day, "flow_reo", facts.stage, to, facts.reo_ug(mass_g))

    def _adjustment(self, record: Mapping[str, Any], day: str, sign: Decimal) -> None:
        facts = self.lot(str(record.get("lot_id", "")))
        self._stock(day, record["reporter"], facts, grams(record["delta_kg"]) * sign)


def _form_stage(output: Mapping[str, Any]) -> str:
    return FORM_STAGE.get(str(output.get("form")), "separation")


_HANDLERS: dict[str, Callable[[Folder, Mapping[str, Any], str, Decimal], None]] = {
    "extraction": Folder._creation,
    "processing": Folder._creation,
    "import": Folder._creation,
    "shipment": Folder._shipment,
    "receipt": Folder._receipt,
    "export": Folder._export,
    "adjustment": Folder._adjustment,
}


def year_days(year: int, until: date | None = None) -> tuple[str, str]:
    """The first and last day of a year (or of the year up to ``until``), as text."""
    last = date(year, 12, 31) if until is None else min(until, date(year, 12, 31))
    return date(year, 1, 1).isoformat(), last.isoformat()
