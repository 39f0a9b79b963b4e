"""What detection may know: the ledger folded, record by record, into per-event facts.

Facts are kept per event so that a correction can take an event back out, and so that a run can
resume from where the previous one stopped (incremental detection): they are saved as rows
(``fold_rows.py``) and put back with :meth:`Facts.restore`. Masses are integer grams;
rare earth content is the mass of the elements themselves (oxide equivalents are computed where a
rule needs them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from rareledger.domain.detection.folded import (
    Composition,
    Exported,
    Finding,
    Items,
    Mined,
    Money,
    Processed,
    Received,
    Shipped,
    exported_from,
    pairs,
    processed_from,
    shipped_from,
    total_g,
)
from rareledger.domain.elements import ELEMENTS
from rareledger.domain.quantities import stored_kg_to_g

__all__ = [
    "Composition",
    "Exported",
    "Facts",
    "Finding",
    "Mined",
    "Money",
    "Processed",
    "Received",
    "Shipped",
    "total_g",
]

_REO_FACTOR = {symbol: element.reo_factor for symbol, element in ELEMENTS.items()}


@dataclass
class Touched:
    """The keys folding changed (added, replaced or taken out), by the table they key."""

    events: dict[str, int] = field(default_factory=dict)  # every per-event table
    made: dict[int, list[str]] = field(default_factory=dict)  # lots made, by ledger position
    lots: dict[str, int] = field(default_factory=dict)  # relabelled
    receipts: dict[str, int] = field(default_factory=dict)  # by shipment event id
    quotas: dict[tuple[str, int, str], int] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)  # keys of the above taken out (retracted)
    compositions_from: int = 0  # compositions from this index on are new
    position: int = 0  # the ledger position of the entry being folded (orders the rows)


@dataclass
class Facts:
    """The ledger as it stood at ``as_of``: what the rules may know, and nothing else."""

    as_of: datetime
    quotas_t: dict[tuple[str, int, str], Decimal] = field(default_factory=dict)
    mined: dict[str, Mined] = field(default_factory=dict)
    processed: dict[str, Processed] = field(default_factory=dict)
    shipments: dict[str, Shipped] = field(default_factory=dict)
    receipts: dict[str, Received] = field(default_factory=dict)  # by shipment event id
    exports: dict[str, Exported] = field(default_factory=dict)
    # What extraction, processing and imports brought in, by event: (firm, grams); receipts
    # bring in what they weigh (see :meth:`acquisitions`).
    acquired: dict[str, tuple[str, int]] = field(default_factory=dict)
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # by event id
    unlicensed: set[str] = field(default_factory=set)  # export events flagged unlicensed
    retracted: set[str] = field(default_factory=set)  # event ids taken back by corrections
    lots: dict[str, tuple[str, int]] = field(default_factory=dict)  # lot: (form, composition)
    compositions: list[Composition] = field(default_factory=list)
    # A lot repacked or reworked into another of the same form: new lot: (old lot, event).
    relabelled: dict[str, tuple[str, str]] = field(default_factory=dict)
    # One object per repeated value, so that a national year's facts fit in memory: names
    # (enterprises, forms, currencies...), (element, fraction) pairs and compositions.
    _names: dict[str, str] = field(default_factory=dict, repr=False)
    _pairs: dict[tuple[str, Any], tuple[str, float]] = field(default_factory=dict, repr=False)
    _composition_ids: dict[Composition, int] = field(default_factory=dict, repr=False)
    _re_shares: list[float] = field(default_factory=list, repr=False)
    _reo_shares: list[Decimal | None] = field(default_factory=list, repr=False)
    _receipt_of: dict[str, str] = field(default_factory=dict, repr=False)  # receipt: shipment
    # What folding touched since :meth:`settle`: the keys whose saved rows must be rewritten.
    touched: Touched = field(default_factory=lambda: Touched(), repr=False, compare=False)
    # What rules work out from the facts and share (returns, say); emptied by folding.
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- folding records in ---------------------------------------------------------------

    def apply(
        self,
        record: dict[str, Any],
        findings: Sequence[tuple[str, str, str]] = (),
        position: int = 0,
    ) -> None:
        """Fold one stored record (at a ledger position) and the findings raised on it
        ((code, enterprise, event))."""
        self.touched.position = position
        self.derived.clear()
        kind = record["type"]
        if kind == "quota":
            key = (record["enterprise_id"], int(record["year"]), record["kind"])
            self.quotas_t[key] = Decimal(str(record["reo_t"]))
            self.touched.quotas[key] = self.touched.position
            return
        if kind == "correction":
            self.retract(record["corrects"])
            if record.get("replacement"):
                self._add(record["replacement"], findings)
            return
        if record.get("event_id") not in self.retracted:
            self._add(record, findings)

    def _add(self, record: dict[str, Any], findings: Sequence[tuple[str, str, str]]) -> None:
        event_id = record.get("event_id")
        if event_id is None:
            return
        self.touched.events[event_id] = self.touched.position
        self._add_event(record["type"], event_id, record)
        if findings:
            period = record["occurred_at"][:7]
            self.findings[event_id] = [Finding(c, f, e, period) for c, f, e in findings]
            if any(code == "unlicensed_export" for code, _f, _e in findings):
                self.unlicensed.add(event_id)

    def _add_event(self, kind: str, event_id: str, record: dict[str, Any]) -> None:
        firm = self.name(record["reporter"])
        occurred = datetime.fromisoformat(record["occurred_at"])
        outputs = record.get("outputs") or []
        if outputs:
            made = self.touched.made.setdefault(self.touched.position, [])
            for lot in outputs:
                form = self.name(lot["form"])
                self.lots[lot["lot_id"]] = (form, self._composition(lot["composition"]))
                made.append(lot["lot_id"])
        if kind in ("extraction", "processing", "import"):
            self.acquired[event_id] = (firm, sum(stored_kg_to_g(o["mass_kg"]) for o in outputs))
        if kind == "extraction":
            reo = sum(
                (self.reo_share(o["lot_id"]) * Decimal(str(o["mass_kg"])) / 1000 for o in outputs),
                Decimal(0),
            )
            self.mined[event_id] = Mined(event_id, firm, occurred.year, reo)
        elif kind == "processing":
            self._relabels(event_id, record)
            self.processed[event_id] = Processed(
                event_id,
                firm,
                self.name(record.get("facility_id") or firm),
                self.name(record["process"]),
                occurred,
                sum(
                    self.re_share(i["lot_id"]) * stored_kg_to_g(i["mass_kg"])
                    for i in record["inputs"]
                ),
                sum(self.re_share(o["lot_id"]) * stored_kg_to_g(o["mass_kg"]) for o in outputs),
            )
        else:
            self._add_movement(kind, event_id, firm, occurred, record)

    def _add_movement(
        self, kind: str, event_id: str, firm: str, occurred: datetime, record: dict[str, Any]
    ) -> None:
        """A shipment, receipt or export."""
        name = self.name
        if kind == "shipment":
            items, value = _items(record["items"]), self._money(record.get("value"))
            self.shipments[event_id] = Shipped(
                event_id, firm, name(record["buyer"]), occurred, items, value
            )
        elif kind == "receipt":
            shipment, items = record["shipment_event_id"], _items(record["items"])
            received = self._received(event_id, shipment, firm, items)
            self.touched.receipts[received.shipment_event_id] = self.touched.position
        elif kind == "export":
            licence_no, hs_code = record.get("licence_no"), record.get("hs_code")
            self.exports[event_id] = Exported(
                event_id,
                firm,
                name(record["consignee"]["name"]),
                name(record["destination_country"]),
                occurred,
                _items(record["items"]),
                None if licence_no is None else name(licence_no),
                self._money(record.get("value")),
                None if hs_code is None else name(hs_code),
            )

    def _received(self, event_id: str, shipment: str, buyer: str, items: Items) -> Received:
        """Keep a receipt; it shares the shipment's id and, when it weighs what was shipped,
        the shipment's items (most receipts do: a national year holds half a million)."""
        shipped = self.shipments.get(shipment)
        if shipped is not None:
            shipment = shipped.event_id
            items = shipped.items if items == shipped.items else items
        received = self.receipts[shipment] = Received(event_id, shipment, buyer, items)
        self._receipt_of[event_id] = shipment
        return received

    def _relabels(self, event_id: str, record: dict[str, Any]) -> None:
        """A processing event with one input lot and outputs of its form keeps the material:
        each output is the input under a new lot id (rework, repacking)."""
        inputs = record["inputs"]
        if len(inputs) != 1:
            return
        source = inputs[0]["lot_id"]
        form = self.form_of(source)
        for output in record.get("outputs") or []:
            if output["form"] == form:
                self.relabelled[output["lot_id"]] = (source, event_id)
                self.touched.lots[output["lot_id"]] = self.touched.position

    def retract(self, event_id: str) -> None:
        """Take an event (and what it contributed) back out, as a correction does."""
        self.retracted.add(event_id)
        self.derived.clear()
        self.touched.events[event_id] = self.touched.position
        self.touched.removed.add(event_id)
        for table in (
            self.mined,
            self.processed,
            self.shipments,
            self.exports,
            self.acquired,
            self.findings,
        ):
            table.pop(event_id, None)
        self.unlicensed.discard(event_id)
        for lot in [lot for lot, (_, by) in self.relabelled.items() if by == event_id]:
            del self.relabelled[lot]
            self.touched.lots[lot] = self.touched.position
            self.touched.removed.add(lot)
        if event_id in self.receipts:  # a shipment: its receipt is saved with its own items
            self.touched.receipts[event_id] = self.touched.position
        shipment = self._receipt_of.pop(event_id, None)
        if shipment is not None:
            self.receipts.pop(shipment, None)
            self.touched.receipts[shipment] = self.touched.position
            self.touched.removed.add(shipment)

    def settle(self) -> None:
        """Forget what was touched: the saved rows now agree with the facts."""
        self.touched = Touched(compositions_from=len(self.compositions))

    def acquisitions(self) -> Iterator[tuple[str, int]]:
        """(enterprise, grams) of everything an enterprise came to hold: what it mined, made
        or imported, and every receipt."""
        yield from self.acquired.values()
        for receipt in self.receipts.values():
            yield receipt.buyer, receipt.mass_g

    # -- repeated values kept once -------------------------------------------------------------

    def name(self, value: str) -> str:
        """The one object kept for a repeated name (an enterprise, a form, a currency...)."""
        return self._names.setdefault(value, value)

    def _money(self, value: dict[str, Any] | None) -> Money | None:
        return (Decimal(str(value["amount"])), self.name(value["currency"])) if value else None

    # -- lots --------------------------------------------------------------------------------

    def _composition(self, composition: dict[str, Any]) -> int:
        """The index of a lot's composition (fractions as reported), equal ones shared."""
        known = self._pairs.get  # (element, fraction as reported): the pair kept
        key = tuple([known(item) or self._new_pair(item) for item in composition.items()])
        found = self._composition_ids.get(key)
        if found is None:
            found = self._composition_ids[key] = self._add_composition(key)
        return found

    def _new_pair(self, reported: tuple[str, Any]) -> tuple[str, float]:
        pair = self._pairs[reported] = (reported[0], float(reported[1]))
        return pair

    def _add_composition(self, key: Composition) -> int:
        self.compositions.append(key)
        self._re_shares.append(sum(fraction for _e, fraction in key))
        self._reo_shares.append(None)
        return len(self.compositions) - 1

    def _saved_composition(self, fractions: list[tuple[str, float]]) -> None:
        """A composition read back from the saved fold, at the next index (equal ones are
        kept apart there, as they were saved, and the first is the one reused)."""
        known = self._pairs.get
        key = tuple([known(pair := (e, f)) or self._new_pair(pair) for e, f in fractions])
        self._composition_ids.setdefault(key, len(self.compositions))
        self._add_composition(key)

    def composition_of(self, lot_id: str) -> Composition:
        known = self.lots.get(lot_id)
        return self.compositions[known[1]] if known else ()

    def form_of(self, lot_id: str) -> str | None:
        known = self.lots.get(lot_id)
        return known[0] if known else None

    def root_of(self, lot_id: str) -> str:
        """The lot this one was first made as, following rework and repacking back."""
        seen = {lot_id}
        while lot_id in self.relabelled:
            lot_id = self.relabelled[lot_id][0]
            if lot_id in seen:
                break
            seen.add(lot_id)
        return lot_id

    def re_share(self, lot_id: str) -> float:
        """The mass fraction of a lot that is rare earth elements (0 for an unknown lot)."""
        known = self.lots.get(lot_id)
        return self._re_shares[known[1]] if known else 0.0

    def reo_share(self, lot_id: str) -> Decimal:
        """Tonnes of rare earth oxide in a tonne of the lot (0 for an unknown lot)."""
        known = self.lots.get(lot_id)
        if known is None:
            return Decimal(0)
        share = self._reo_shares[known[1]]
        if share is None:  # worked out when first needed: few lots are weighed as oxide
            share = sum(
                (Decimal(repr(f)) * _REO_FACTOR[e] for e, f in self.compositions[known[1]]),
                Decimal(0),
            )
            self._reo_shares[known[1]] = share
        return share

    # -- the saved fold read back (fold_rows.py writes it) -----------------------------------

    def restore(self, kind: str, keys: list[str], values: list[Any]) -> None:
        """Put back one kind of saved fact: the keys and values of its rows, in the order
        the ledger wrote them (see ``fold_rows.ENCODERS`` for how each was written)."""
        name, rows = self.name, zip(keys, values, strict=True)
        if kind == "compositions":
            for fractions in values:
                self._saved_composition(fractions)
        elif kind == "lots":  # the lots each entry made: [lot, form, composition]...
            for made in values:
                self.lots.update((lot, (name(form), int(number))) for lot, form, number in made)
        elif kind == "relabelled":
            self.relabelled.update((k, (v[0], v[1])) for k, v in rows)
        elif kind == "acquired":
            self.acquired.update((k, (name(v[0]), int(v[1]))) for k, v in rows)
        elif kind in ("unlicensed", "retracted"):
            getattr(self, kind).update(keys)
        else:
            self._restore_event_facts(kind, values)

    def _restore_event_facts(self, kind: str, values: list[Any]) -> None:
        name = self.name
        for v in values:
            if kind == "quotas_t":
                self.quotas_t[(v[0], int(v[1]), v[2])] = Decimal(v[3])
            elif kind == "mined":
                self.mined[v[0]] = Mined(v[0], name(v[1]), int(v[2]), Decimal(v[3]))
            elif kind == "processed":
                self.processed[v[0]] = processed_from(v, name)
            elif kind == "shipments":
                self.shipments[v[0]] = shipped_from(v, name)
            elif kind == "receipts":  # no items: those of the shipment (fold_rows)
                items = self.shipments[v[1]].items if v[3] is None else pairs(v[3])
                self._received(v[0], v[1], name(v[2]), items)
            elif kind == "exports":
                self.exports[v[0]] = exported_from(v, name)
            elif kind == "findings":
                self.findings[v[0][2]] = [Finding(*found) for found in v]


def _items(items: list[dict[str, Any]]) -> Items:
    return tuple([(i["lot_id"], stored_kg_to_g(i["mass_kg"])) for i in items])
