"""Plain functions that build valid records, and a small world to report in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from rareledger.domain.actors import Actor
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.store.database import Database

_ids = itertools.count(1)
OCCURRED = "2025-06-03T09:30:00+08:00"
RECORDED = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)

MINER, SEPARATOR, SMELTER, MAGNETS, TRADER, EXPORTER, IMPORTER = (
    "E-MINER",
    "E-SEP",
    "E-SMELT",
    "E-MAG",
    "E-TRADE",
    "E-EXP",
    "E-IMP",
)
MINE, PLANT = "F-MINE", "F-PLANT"
ROLES = {
    MINER: ["miner"],
    SEPARATOR: ["separator"],
    SMELTER: ["metal_smelter"],
    MAGNETS: ["magnet_maker"],
    TRADER: ["trader"],
    EXPORTER: ["exporter"],
    IMPORTER: ["importer"],
}
ORE = {"Nd": "0.2", "Pr": "0.05", "Dy": "0.01"}


def next_id(prefix: str = "ev") -> str:
    return f"{prefix}-{next(_ids)}"


def enterprise(eid: str, roles: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "enterprise",
        "id": eid,
        "name": f"Enterprise {eid}",
        "country": "CN",
        "roles": roles,
        "status": "active",
        **extra,
    }


def facility(fid: str, owner: str, kind: str = "mine", **extra: Any) -> dict[str, Any]:
    return {
        "type": "facility",
        "id": fid,
        "enterprise_id": owner,
        "kind": kind,
        "name": f"Facility {fid}",
        "region": "360700",
        **extra,
    }


def world() -> list[dict[str, Any]]:
    """Master data of one enterprise per role, a mine and a plant."""
    records = [enterprise(eid, roles) for eid, roles in ROLES.items()]
    records += [facility(MINE, MINER, "mine"), facility(PLANT, SEPARATOR, "plant")]
    return records


def event(kind: str, reporter: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "event_id": fields.pop("event_id", next_id()),
        "reporter": reporter,
        "occurred_at": fields.pop("occurred_at", OCCURRED),
        **fields,
    }


def extraction(
    lot_id: str, mass: str = "1000", composition: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    outputs = [
        {
            "lot_id": lot_id,
            "form": "concentrate",
            "mass_kg": mass,
            "composition": composition or dict(ORE),
        }
    ]
    return event(
        "extraction",
        fields.pop("reporter", MINER),
        facility_id=fields.pop("facility_id", MINE),
        outputs=outputs,
        **fields,
    )


def shipment(
    seller: str, buyer: str, items: list[tuple[str, str]], **fields: Any
) -> dict[str, Any]:
    return event(
        "shipment",
        seller,
        buyer=buyer,
        items=[{"lot_id": lot, "mass_kg": mass} for lot, mass in items],
        value={"amount": "1000.00", "currency": "CNY"},
        invoice_no=fields.pop("invoice_no", next_id("INV")),
        **fields,
    )


def receipt(
    buyer: str, shipment_event_id: str, items: list[tuple[str, str]], **fields: Any
) -> dict[str, Any]:
    return event(
        "receipt",
        buyer,
        shipment_event_id=shipment_event_id,
        items=[{"lot_id": lot, "mass_kg": mass} for lot, mass in items],
        **fields,
    )


def processing(
    reporter: str,
    inputs: list[tuple[str, str]],
    outputs: list[tuple[str, str, str, dict[str, str]]],
    process: str = "separation",
    **fields: Any,
) -> dict[str, Any]:
    return event(
        "processing",
        reporter,
        process=process,
        inputs=[{"lot_id": lot, "mass_kg": mass} for lot, mass in inputs],
        outputs=[
            {"lot_id": lot, "form": form, "mass_kg": mass, "composition": comp}
            for lot, form, mass, comp in outputs
        ],
        **fields,
    )


def export(reporter: str, items: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "destination_country": "DE",
        "consignee": {"name": "Buyer GmbH", "country": "DE", "address": "Hamburg"},
        "end_user": {"name": "Motor AG", "country": "DE"},
        "end_use": "traction motors",
        "hs_code": "850511",
        "customs_declaration_no": "CD-1",
        "value": {"amount": "5000.00", "currency": "USD"},
    }
    return event(
        "export",
        reporter,
        items=[{"lot_id": lot, "mass_kg": mass} for lot, mass in items],
        **{**defaults, **fields},
    )


def import_(lot_id: str, mass: str = "500", **fields: Any) -> dict[str, Any]:
    return event(
        "import",
        fields.pop("reporter", IMPORTER),
        origin_country="MM",
        supplier={"name": "Kachin Trading", "country": "MM"},
        outputs=[
            {
                "lot_id": lot_id,
                "form": "mixed_compound",
                "mass_kg": mass,
                "composition": {"Dy": "0.05", "Tb": "0.01", "Y": "0.3"},
            }
        ],
        customs_declaration_no="CD-IMP-1",
        value={"amount": "90000", "currency": "USD"},
        **fields,
    )


def adjustment(
    reporter: str, lot_id: str, delta: str, reason: str = "loss", **fields: Any
) -> dict[str, Any]:
    return event("adjustment", reporter, lot_id=lot_id, delta_kg=delta, reason=reason, **fields)


def correction(
    reporter: str, corrects: str, replacement: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    record = event("correction", reporter, corrects=corrects, reason="typo", **fields)
    if replacement is not None:
        record["replacement"] = replacement
    return record


class Reporter:
    """Submit records as the operator with a fixed clock, and keep the receipts."""

    def __init__(
        self, database: Database, *, actor: Actor | None = None, clock: datetime = RECORDED
    ) -> None:
        self.recorder = Recorder(
            database, actor or Actor("test:operator"), allow_recorded_at=True, clock=lambda: clock
        )

    def submit(self, *records: Any) -> list[Acknowledgement]:
        return self.recorder.submit(list(records))

    def one(self, record: Any) -> Acknowledgement:
        return self.submit(record)[0]

    def accept(self, *records: Any) -> list[Acknowledgement]:
        receipts = self.submit(*records)
        bad = [r.as_dict() for r in receipts if r.status == "rejected"]
        assert not bad, bad
        return receipts
