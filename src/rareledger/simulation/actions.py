"""Record builders: each writes one report (or a shipment and its receipt) and moves stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import (
    Journal,
    Lot,
    Record,
    Stock,
    Take,
    element_totals,
    items_json,
    kg,
    money,
)
from rareledger.simulation.noise import arrival, weighed
from rareledger.simulation.partners import Buyer
from rareledger.simulation.products import PRICE_CNY


@dataclass(frozen=True, slots=True)
class Shipped:
    shipment_id: str
    receipt_id: str | None
    recorded: datetime


@dataclass(frozen=True, slots=True)
class ExportTerms:
    """What an export declares beyond its items."""

    buyer: Buyer
    hs_code: str
    value_usd: float
    licence_no: str | None = None
    late_days: tuple[int, int] | None = None  # filed this many days after the deadline
    end_user: str | None = None  # another end user than the buyer
    spelling: str | None = None  # the buyer's name as this declaration spells it


class Actions:
    def __init__(self, journal: Journal, stock: Stock) -> None:
        self.journal = journal
        self.stock = stock
        self.rng = journal.rng
        self._lots = 0

    def lot(self, ent: Enterprise, form: str, product: str, composition: dict[str, int]) -> Lot:
        self._lots += 1
        return Lot(f"LOT-{ent.id[-6:]}-{self._lots:07d}", form, product, composition)

    def _base(self, kind: str, ent: Enterprise) -> Record:
        return {
            "type": kind,
            "event_id": self.journal.next_id("EV"),
            "reporter": ent.id,
            "occurred_at": "",
            "facility_id": ent.facility_id,
        }

    def extract(self, miner: Enterprise, outputs: list[Take], when: datetime) -> str:
        record = self._base("extraction", miner)
        record["outputs"] = _outputs(outputs)
        recorded = self.journal.event(record, when)
        for lot, grams in outputs:
            self.stock.add(miner.id, lot, grams, recorded)
        return str(record["event_id"])

    def import_(
        self, importer: Enterprise, origin: str, supplier: str, outputs: list[Take], when: datetime
    ) -> str:
        record = self._base("import", importer)
        value = sum(PRICE_CNY[lot.product] * grams / 1000 for lot, grams in outputs) / 7.2
        record.update(
            origin_country=origin,
            supplier={"name": supplier, "country": origin},
            outputs=_outputs(outputs),
            customs_declaration_no=self._declaration(),
            value=money(value * self.rng.uniform(0.95, 1.05), "USD"),
        )
        recorded = self.journal.event(record, when)
        for lot, grams in outputs:
            self.stock.add(importer.id, lot, grams, recorded)
        return str(record["event_id"])

    def process(
        self,
        ent: Enterprise,
        process: str,
        inputs: list[Take],
        outputs: list[Take],
        when: datetime,
    ) -> str:
        record = self._base("processing", ent)
        record.update(process=process, inputs=items_json(inputs), outputs=_outputs(outputs))
        recorded = self.journal.event(record, when)
        for lot, grams in outputs:
            self.stock.add(ent.id, lot, grams, recorded)
        return str(record["event_id"])

    def ship(  # noqa: PLR0913
        self,
        seller: Enterprise,
        buyer: Enterprise,
        items: list[Take],
        when: datetime,
        *,
        value_cny: float,
        received: list[Take] | None = None,
        deliver: bool = True,
    ) -> Shipped:
        """A shipment and (unless ``deliver`` is false) its receipt after the transit.

        The buyer's scale reads what arrived (weighing differences and drying) unless
        ``received`` says what the buyer reports.
        """
        record = self._base("shipment", seller)
        record.update(
            buyer=buyer.id,
            items=items_json(items),
            value=money(value_cny, "CNY"),
            invoice_no=f"{self.rng.randrange(10**19, 10**20)}",
            contract_no=f"{seller.id[-4:]}-{buyer.id[-4:]}-{self.rng.randrange(10000):04d}",
        )
        shipped = self.journal.event(record, when)
        if not deliver:
            return Shipped(str(record["event_id"]), None, shipped)
        receipt = self._base("receipt", buyer)
        got = received if received is not None else weighed(self.rng, items)
        receipt.update(shipment_event_id=record["event_id"], items=items_json(got))
        recorded = self.journal.event(receipt, arrival(self.rng, shipped))
        for lot, grams in got:
            self.stock.add(buyer.id, lot, grams, recorded)
        return Shipped(str(record["event_id"]), str(receipt["event_id"]), recorded)

    def export(
        self, exporter: Enterprise, items: list[Take], when: datetime, terms: ExportTerms
    ) -> str:
        record = self._base("export", exporter)
        buyer = terms.buyer
        name = terms.spelling or buyer.name
        record.update(
            items=items_json(items),
            destination_country=buyer.country,
            consignee={"name": name, "country": buyer.country, "address": buyer.address},
            end_user={"name": terms.end_user or name, "country": buyer.country},
            end_use=END_USE[buyer.product_kind],
            hs_code=terms.hs_code,
            customs_declaration_no=self._declaration(),
            value=money(terms.value_usd, "USD"),
        )
        if terms.licence_no:
            record["licence_no"] = terms.licence_no
        self.journal.event(record, when, terms.late_days)
        return str(record["event_id"])

    def _declaration(self) -> str:
        return f"{self.rng.randrange(10**17, 10**18)}"


END_USE = {
    "magnet": "Rotor magnets for electric motors (civil use)",
    "oxide": "Feedstock for phosphors, catalysts and polishing powders (civil use)",
}


def _outputs(outputs: list[Take]) -> list[Record]:
    return [
        {
            "lot_id": lot.lot_id,
            "form": lot.form,
            "mass_kg": kg(grams),
            "composition": lot.composition_json(),
        }
        for lot, grams in outputs
    ]


def check_balance(inputs: list[Take], outputs: list[Take]) -> bool:
    """True when no element comes out in greater mass than it went in."""
    before = element_totals(inputs)
    after = element_totals(outputs)
    return all(g <= before.get(el, 0) for el, g in after.items())
