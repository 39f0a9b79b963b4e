"""What detection may know: the ledger folded, record by record, into per-event facts.

Facts are kept per event so that a correction can take an event back out, and so that a run can
resume from where the previous one stopped (incremental detection): the state is plain data and
round-trips through :meth:`Facts.to_state` / :meth:`Facts.from_state`. Masses are integer grams;
rare earth content is the mass of the elements themselves (oxide equivalents are computed where a
rule needs them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from rareledger.domain.detection.folded import (
    Composition,
    Exported,
    Finding,
    Mined,
    Money,
    Processed,
    Received,
    Shipped,
    exported_from,
    exported_row,
    pairs,
    processed_from,
    processed_row,
    shipped_from,
    shipped_row,
    total_g,
)
from rareledger.domain.elements import ELEMENTS

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
    lots: dict[str, int] = field(default_factory=dict)  # lots and relabelled
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
    acquired: dict[str, tuple[str, int]] = field(default_factory=dict)  # event: (firm, grams)
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # by event id
    unlicensed: set[str] = field(default_factory=set)  # export events flagged unlicensed
    retracted: set[str] = field(default_factory=set)  # event ids taken back by corrections
    lots: dict[str, tuple[str, int]] = field(default_factory=dict)  # lot: (form, composition)
    compositions: list[Composition] = field(default_factory=list)
    # A lot repacked or reworked into another of the same form: new lot: (old lot, event).
    relabelled: dict[str, tuple[str, str]] = field(default_factory=dict)
    _raw_ids: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False)
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
        firm = record["reporter"]
        occurred = datetime.fromisoformat(record["occurred_at"])
        outputs = record.get("outputs") or []
        for lot in outputs:
            self.lots[lot["lot_id"]] = (lot["form"], self._composition(lot["composition"]))
            self.touched.lots[lot["lot_id"]] = self.touched.position
        if kind in ("extraction", "processing", "import"):
            self.acquired[event_id] = (firm, sum(_grams(o["mass_kg"]) for o in outputs))
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
                record.get("facility_id") or firm,
                record["process"],
                occurred,
                sum(self.re_share(i["lot_id"]) * _grams(i["mass_kg"]) for i in record["inputs"]),
                sum(self.re_share(o["lot_id"]) * _grams(o["mass_kg"]) for o in outputs),
            )
        else:
            self._add_movement(kind, event_id, firm, occurred, record)

    def _add_movement(
        self, kind: str, event_id: str, firm: str, occurred: datetime, record: dict[str, Any]
    ) -> None:
        """A shipment, receipt or export."""
        if kind == "shipment":
            items, value = _items(record["items"]), _money(record.get("value"))
            self.shipments[event_id] = Shipped(
                event_id, firm, record["buyer"], occurred, items, value
            )
        elif kind == "receipt":
            shipment = record["shipment_event_id"]
            items = _items(record["items"])
            self.receipts[shipment] = Received(event_id, shipment, firm, items)
            self.touched.receipts[shipment] = self.touched.position
            self._receipt_of[event_id] = shipment
            self.acquired[event_id] = (firm, total_g(items))
        elif kind == "export":
            self.exports[event_id] = Exported(
                event_id,
                firm,
                record["consignee"]["name"],
                record["destination_country"],
                occurred,
                _items(record["items"]),
                record.get("licence_no"),
                _money(record.get("value")),
                record.get("hs_code"),
            )

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
        shipment = self._receipt_of.pop(event_id, None)
        if shipment is not None:
            self.receipts.pop(shipment, None)
            self.touched.receipts[shipment] = self.touched.position
            self.touched.removed.add(shipment)

    def settle(self) -> None:
        """Forget what was touched: the saved rows now agree with the facts."""
        self.touched = Touched(compositions_from=len(self.compositions))

    # -- lots --------------------------------------------------------------------------------

    def _composition(self, composition: dict[str, Any]) -> int:
        raw = tuple(composition.items())
        found = self._raw_ids.get(raw)
        if found is None:
            found = self._raw_ids[raw] = self._intern(tuple((e, float(f)) for e, f in raw))
        return found

    def _intern(self, key: Composition) -> int:
        self.compositions.append(key)
        self._re_shares.append(sum(fraction for _e, fraction in key))
        self._reo_shares.append(None)
        return len(self.compositions) - 1

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

    # -- state for incremental runs ------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "quotas_t": [[*k, str(v)] for k, v in self.quotas_t.items()],
            "mined": [
                [m.event_id, m.enterprise_id, m.year, str(m.reo_t)] for m in self.mined.values()
            ],
            "processed": [processed_row(p) for p in self.processed.values()],
            "shipments": [shipped_row(s) for s in self.shipments.values()],
            "receipts": [
                [r.event_id, r.shipment_event_id, r.buyer, r.items] for r in self.receipts.values()
            ],
            "exports": [exported_row(e) for e in self.exports.values()],
            "acquired": self.acquired,
            "findings": [
                [f.code, f.enterprise_id, f.event_id, f.period]
                for found in self.findings.values()
                for f in found
            ],
            "unlicensed": sorted(self.unlicensed),
            "retracted": sorted(self.retracted),
            "lots": self.lots,
            "compositions": self.compositions,
            "relabelled": self.relabelled,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Facts:
        facts = cls(as_of=datetime.fromisoformat(state["as_of"]))
        facts.quotas_t = {(f, int(y), k): Decimal(v) for f, y, k, v in state["quotas_t"]}
        facts.mined = {e: Mined(e, f, int(y), Decimal(r)) for e, f, y, r in state["mined"]}
        facts.processed = {p[0]: processed_from(p) for p in state["processed"]}
        facts.shipments = {s[0]: shipped_from(s) for s in state["shipments"]}
        facts.receipts = {r[1]: Received(r[0], r[1], r[2], pairs(r[3])) for r in state["receipts"]}
        facts._receipt_of = {r.event_id: r.shipment_event_id for r in facts.receipts.values()}
        facts.exports = {e[0]: exported_from(e) for e in state["exports"]}
        facts.acquired = {k: (v[0], int(v[1])) for k, v in state["acquired"].items()}
        for code, firm, event_id, period in state["findings"]:
            facts.findings.setdefault(event_id, []).append(Finding(code, firm, event_id, period))
        facts.unlicensed = set(state["unlicensed"])
        facts.retracted = set(state["retracted"])
        for composition in state["compositions"]:
            facts._intern(tuple((e, float(f)) for e, f in composition))
        facts.lots = {k: (v[0], int(v[1])) for k, v in state["lots"].items()}
        facts.relabelled = {k: (v[0], v[1]) for k, v in state.get("relabelled", {}).items()}
        return facts


def _money(value: dict[str, Any] | None) -> Money | None:
    return (Decimal(str(value["amount"])), value["currency"]) if value else None


def _grams(mass_kg: Any) -> int:
    return int(Decimal(str(mass_kg)) * 1000)


def _items(items: list[dict[str, Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((i["lot_id"], _grams(i["mass_kg"])) for i in items)
