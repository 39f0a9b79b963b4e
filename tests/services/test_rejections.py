"""Every rejection rule of spec section 4: the receipt names the field, the rule and the value."""

from __future__ import annotations

from typing import Any

import pytest

from rareledger.domain.actors import Actor
from rareledger.domain.records import Unreadable
from rareledger.store.database import Database
from tests import factories as f


@pytest.fixture
def reporter(database: Database) -> f.Reporter:
    r = f.Reporter(database)
    r.accept(*f.world())
    r.accept(f.extraction("LOT-A", "1000"))
    return r


def _error(reporter: f.Reporter, record: Any) -> dict[str, Any]:
    receipt = reporter.one(record)
    assert receipt.status == "rejected", receipt
    assert receipt.position is None and receipt.hash is None
    return receipt.errors[0]


def _with(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**record, **changes}


def _without(record: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != name}


SHIP = f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "10")], event_id="ship-x")
EXTRACT = f.extraction("LOT-NEW", "10", event_id="ext-x")

CASES: list[tuple[str, dict[str, Any], str, str, Any]] = [
    ("missing field", _without(SHIP, "buyer"), "required", "buyer", None),
    ("mistyped field", _with(SHIP, items="LOT-A"), "type", "items", "LOT-A"),
    ("unknown field", _with(SHIP, colour="red"), "unknown_field", "colour", "red"),
    ("unknown type", _with(SHIP, type="gift"), "unknown_type", "type", "gift"),
    (
        "unknown element",
        _with(
            EXTRACT,
            outputs=[{"lot_id": "L", "form": "ore", "mass_kg": "1", "composition": {"Xx": "0.1"}}],
        ),
        "unknown_element",
        "outputs[0].composition.Xx",
        "0.1",
    ),
    (
        "unknown form",
        f.processing(f.SEPARATOR, [("LOT-A", "1")], [("L2", "powder", "1", {})]),
        "unknown_form",
        "outputs[0].form",
        "powder",
    ),
    (
        "unknown process",
        _with(
            f.processing(f.SEPARATOR, [("LOT-A", "1")], [("L2", "oxide", "1", {})]),
            process="melting",
        ),
        "unknown_process",
        "process",
        "melting",
    ),
    (
        "unknown country",
        _with(f.export(f.EXPORTER, [("LOT-A", "1")]), destination_country="XX"),
        "unknown_country",
        "destination_country",
        "XX",
    ),
    (
        "unknown currency",
        _with(SHIP, value={"amount": "1", "currency": "ABC"}),
        "unknown_currency",
        "value.currency",
        "ABC",
    ),
    (
        "unknown reporter",
        _with(SHIP, reporter="E-NOBODY"),
        "unknown_enterprise",
        "reporter",
        "E-NOBODY",
    ),
    ("unknown buyer", _with(SHIP, buyer="E-NOBODY"), "unknown_enterprise", "buyer", "E-NOBODY"),
    (
        "zero mass",
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "0")]),
        "mass_not_positive",
        "items[0].mass_kg",
        "0",
    ),
    (
        "negative mass",
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "-1")]),
        "mass_not_positive",
        "items[0].mass_kg",
        "-1",
    ),
    (
        "mass below a gram",
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1.0005")]),
        "mass_precision",
        "items[0].mass_kg",
        "1.0005",
    ),
    ("zero adjustment", f.adjustment(f.MINER, "LOT-A", "0"), "mass_zero", "delta_kg", "0"),
    (
        "mass beyond belief",
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1000000000.001")]),
        "mass_too_large",
        "items[0].mass_kg",
        "1000000000.001",
    ),
    (
        "fraction over 1",
        f.extraction("L9", "1", {"Nd": "1.2"}),
        "composition_range",
        "outputs[0].composition.Nd",
        "1.2",
    ),
    (
        "negative fraction",
        f.extraction("L9", "1", {"Nd": "-0.1"}),
        "composition_range",
        "outputs[0].composition.Nd",
        "-0.1",
    ),
    (
        "fractions sum over 1",
        f.extraction("L9", "1", {"Nd": "0.6", "Pr": "0.5"}),
        "composition_sum",
        "outputs[0].composition",
        "1.1",
    ),
    (
        "role may not report",
        f.extraction("L9", reporter=f.TRADER),
        "role_not_permitted",
        "type",
        "extraction",
    ),
    (
        "export by a non-exporter",
        f.export(f.MINER, [("LOT-A", "1")]),
        "role_not_permitted",
        "type",
        "export",
    ),
    (
        "facility of another enterprise",
        _with(SHIP, facility_id=f.PLANT),
        "facility_not_reporters",
        "facility_id",
        f.PLANT,
    ),
    (
        "unknown facility",
        _with(SHIP, facility_id="F-NONE"),
        "unknown_facility",
        "facility_id",
        "F-NONE",
    ),
    (
        "extraction without a mine",
        _without(EXTRACT, "facility_id"),
        "extraction_not_at_mine",
        "facility_id",
        None,
    ),
    (
        "extraction form",
        _with(
            EXTRACT, outputs=[{"lot_id": "L", "form": "oxide", "mass_kg": "1", "composition": {}}]
        ),
        "form_not_allowed",
        "outputs[0].form",
        "oxide",
    ),
    ("output lot exists", f.extraction("LOT-A", "5"), "lot_exists", "outputs[0].lot_id", "LOT-A"),
    (
        "unknown input lot",
        f.processing(f.SEPARATOR, [("LOT-NONE", "1")], [("L2", "oxide", "1", {})]),
        "unknown_lot",
        "inputs[0].lot_id",
        "LOT-NONE",
    ),
    (
        "unknown item lot",
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-NONE", "1")]),
        "unknown_lot",
        "items[0].lot_id",
        "LOT-NONE",
    ),
    (
        "unknown adjustment lot",
        f.adjustment(f.MINER, "LOT-NONE", "-1"),
        "unknown_lot",
        "lot_id",
        "LOT-NONE",
    ),
    (
        "receipt of unknown shipment",
        f.receipt(f.SEPARATOR, "ship-none", [("LOT-A", "1")]),
        "unknown_shipment",
        "shipment_event_id",
        "ship-none",
    ),
    (
        "correction of unknown event",
        f.correction(f.MINER, "ev-none"),
        "unknown_event",
        "corrects",
        "ev-none",
    ),
    (
        "occurred in the future",
        _with(SHIP, occurred_at="2025-06-05T11:00:00+00:00"),
        "occurred_in_future",
        "occurred_at",
        "2025-06-05T11:00:00+00:00",
    ),
    (
        "time without offset",
        _with(SHIP, occurred_at="2025-06-03T09:30:00"),
        "invalid_time",
        "occurred_at",
        "2025-06-03T09:30:00",
    ),
    (
        "bad identifier",
        _with(SHIP, event_id="has space"),
        "invalid_identifier",
        "event_id",
        "has space",
    ),
    (
        "same lot twice",
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1"), ("LOT-A", "2")]),
        "duplicate_lot",
        "items[1].lot_id",
        "LOT-A",
    ),
]


@pytest.mark.parametrize(
    ("record", "code", "field", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rejection_names_field_rule_and_value(
    reporter: f.Reporter, record: dict[str, Any], code: str, field: str, value: Any
) -> None:
    error = _error(reporter, dict(record))
    assert (error["code"], error["field"]) == (code, field)
    assert error["value"] == value
    assert error["message"]


def test_malformed_json_is_rejected_alone(reporter: f.Reporter) -> None:
    receipts = reporter.submit(Unreadable("{oops", "line 1: not valid JSON"), dict(SHIP))
    assert receipts[0].status == "rejected"
    assert receipts[0].errors[0]["code"] == "malformed_json"
    assert receipts[1].status == "accepted"


def test_reporter_must_be_the_authenticated_enterprise(database: Database) -> None:
    operator = f.Reporter(database)
    operator.accept(*f.world(), f.extraction("LOT-A"))
    as_trader = f.Reporter(database, actor=Actor("key:trader", enterprise_id=f.TRADER))
    error = _error(as_trader, f.shipment(f.MINER, f.TRADER, [("LOT-A", "1")]))
    assert (error["code"], error["field"], error["value"]) == (
        "reporter_mismatch",
        "reporter",
        f.MINER,
    )


def test_enterprises_may_not_write_master_data(database: Database) -> None:
    as_trader = f.Reporter(database, actor=Actor("key:trader", enterprise_id=f.TRADER))
    assert _error(as_trader, f.enterprise("E-X", ["trader"]))["code"] == "not_permitted"


def test_recorded_at_only_from_operator_loads(database: Database) -> None:
    from rareledger.services.reporting import Recorder

    recorder = Recorder(database, Actor("api"), allow_recorded_at=False)
    record = {**f.enterprise("E-X", ["trader"]), "recorded_at": "2025-01-01T00:00:00Z"}
    error = recorder.submit([record])[0].errors[0]
    assert (error["code"], error["field"]) == ("recorded_at_not_allowed", "recorded_at")


def test_receipt_by_someone_other_than_the_buyer(reporter: f.Reporter) -> None:
    reporter.accept(dict(SHIP))
    error = _error(reporter, f.receipt(f.TRADER, "ship-x", [("LOT-A", "10")]))
    assert (error["code"], error["field"]) == ("receipt_not_buyer", "reporter")


def test_correction_by_someone_else_and_twice(reporter: f.Reporter) -> None:
    reporter.accept(dict(SHIP))
    error = _error(reporter, f.correction(f.SEPARATOR, "ship-x"))
    assert (error["code"], error["field"]) == ("correction_not_reporter", "reporter")
    reporter.accept(f.correction(f.MINER, "ship-x"))
    error = _error(reporter, f.correction(f.MINER, "ship-x"))
    assert (error["code"], error["field"]) == ("already_retracted", "corrects")


def test_event_id_reused_for_a_different_event(reporter: f.Reporter) -> None:
    first = reporter.one(dict(SHIP))
    again = reporter.one(dict(SHIP))
    assert (again.status, again.position, again.hash) == ("duplicate", first.position, first.hash)
    error = _error(reporter, _with(SHIP, invoice_no="INV-OTHER"))
    assert (error["code"], error["field"], error["value"]) == (
        "event_id_conflict",
        "event_id",
        "ship-x",
    )


def test_resend_with_other_spelling_of_numbers_is_a_duplicate(reporter: f.Reporter) -> None:
    same = {"event_id": "s1", "invoice_no": "INV-1"}
    first = reporter.one(f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "10.50")], **same))
    again = reporter.one(f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "10.5")], **same))
    assert again.status == "duplicate" and again.position == first.position


def test_one_rejected_event_rejects_nothing_else(reporter: f.Reporter) -> None:
    receipts = reporter.submit(
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1")], event_id="ok-1"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-NONE", "1")], event_id="bad-1"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1")], event_id="ok-2"),
    )
    assert [r.status for r in receipts] == ["accepted", "rejected", "accepted"]
    assert receipts[2].position == receipts[0].position + 1  # type: ignore[operator]


def test_rejected_correction_with_bad_replacement_changes_nothing(reporter: f.Reporter) -> None:
    reporter.accept(dict(SHIP))
    bad = f.shipment(f.MINER, f.SEPARATOR, [("LOT-NONE", "10")], event_id="ship-y")
    error = _error(reporter, f.correction(f.MINER, "ship-x", bad))
    assert (error["code"], error["field"]) == ("unknown_lot", "replacement.items[0].lot_id")
    # the shipment was not retracted: its buyer can still receive it
    receipt = reporter.one(f.receipt(f.SEPARATOR, "ship-x", [("LOT-A", "10")]))
    assert receipt.status == "accepted"


def test_replacement_may_not_carry_recorded_at_on_the_api_channel(database: Database) -> None:
    from rareledger.services.reporting import Recorder

    recorder = Recorder(database, Actor("api"), allow_recorded_at=False)
    replacement = {**f.extraction("LOT-B"), "recorded_at": "2025-01-01T00:00:00Z"}
    receipt = recorder.submit([f.correction(f.MINER, "x1", replacement)])[0]
    assert [(e["code"], e["field"]) for e in receipt.errors] == [
        ("recorded_at_not_allowed", "replacement.recorded_at")
    ]


MASTER_CASES: list[tuple[str, Any, str, str]] = [
    ("record not an object", ["enterprise"], "type", ""),
    ("empty name", f.enterprise("E-X", ["trader"], name=" "), "empty", "name"),
    ("empty roles", f.enterprise("E-X", []), "empty", "roles"),
    ("unknown role", f.enterprise("E-X", ["smuggler"]), "unknown_role", "roles[0]"),
    (
        "unknown status",
        f.enterprise("E-X", ["trader"], status="closed"),
        "unknown_status",
        "status",
    ),
    ("unknown facility kind", f.facility("F-X", f.MINER, "office"), "unknown_kind", "kind"),
    ("latitude out of range", f.facility("F-X", f.MINER, lat=91), "out_of_range", "lat"),
    (
        "facility of unknown owner",
        f.facility("F-X", "E-NOBODY"),
        "unknown_enterprise",
        "enterprise_id",
    ),
    (
        "quota year out of range",
        {
            "type": "quota",
            "id": "Q1",
            "enterprise_id": f.MINER,
            "year": 1800,
            "kind": "mining",
            "reo_t": "10",
        },
        "out_of_range",
        "year",
    ),
    (
        "quota of zero tonnes",
        {
            "type": "quota",
            "id": "Q1",
            "enterprise_id": f.MINER,
            "year": 2025,
            "kind": "mining",
            "reo_t": 0,
        },
        "mass_not_positive",
        "reo_t",
    ),
    (
        "unknown adjustment reason",
        f.adjustment(f.MINER, "LOT-A", "-1", reason="theft"),
        "unknown_reason",
        "reason",
    ),
    (
        "negative amount",
        _with(SHIP, value={"amount": "-1", "currency": "CNY"}),
        "amount_negative",
        "value.amount",
    ),
    (
        "replacement is a correction",
        f.correction(f.MINER, "ext-x", f.correction(f.MINER, "ext-x")),
        "replacement_type",
        "replacement.type",
    ),
]


@pytest.mark.parametrize(
    ("record", "code", "field"), [c[1:] for c in MASTER_CASES], ids=[c[0] for c in MASTER_CASES]
)
def test_more_rejections(reporter: f.Reporter, record: Any, code: str, field: str) -> None:
    error = _error(reporter, record)
    assert (error["code"], error["field"]) == (code, field)


def test_receipt_rules_of_the_extension(reporter: f.Reporter) -> None:
    reporter.accept(dict(SHIP), f.extraction("LOT-B", "5"))
    error = _error(reporter, f.receipt(f.SEPARATOR, "ship-x", [("LOT-B", "1")]))
    assert (error["code"], error["field"]) == ("item_not_in_shipment", "items[0].lot_id")
    reporter.accept(f.receipt(f.SEPARATOR, "ship-x", [("LOT-A", "10")]))
    error = _error(reporter, f.receipt(f.SEPARATOR, "ship-x", [("LOT-A", "10")]))
    assert (error["code"], error["field"]) == ("shipment_already_received", "shipment_event_id")


def test_a_correction_cannot_be_corrected(reporter: f.Reporter) -> None:
    reporter.accept(dict(SHIP), f.correction(f.MINER, "ship-x", event_id="cor-1"))
    error = _error(reporter, f.correction(f.MINER, "cor-1"))
    assert (error["code"], error["field"]) == ("correction_of_correction", "corrects")


def test_every_documented_rejection_code_is_exercised() -> None:
    from pathlib import Path

    from rareledger.domain.catalogue import REJECTION_CODES

    tests = "\n".join(p.read_text() for p in Path(__file__).parents[1].rglob("test_*.py"))
    untested = {c for c in REJECTION_CODES if f'"{c}"' not in tests}
    assert untested <= {"invalid"}  # a fallback that no input reaches today


@pytest.mark.parametrize("kind", [["shipment"], "customs_check", None])
def test_a_replacement_must_be_a_plain_event(reporter: f.Reporter, kind: Any) -> None:
    replacement = {**f.extraction("LOT-R"), "type": kind}
    error = _error(reporter, f.correction(f.MINER, "ext-x", replacement))
    assert (error["code"], error["field"]) == ("replacement_type", "replacement.type")
