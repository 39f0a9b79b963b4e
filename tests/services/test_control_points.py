"""Control points that hold: customs decides on stock, provenance and screening; provenance
gaps follow the material downstream; reporting hygiene; rejections disclose nothing of others.

Each test reproduces one finding of issue 12 as it was reported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rareledger.domain.actors import Actor
from rareledger.services import export_control as ec
from rareledger.store import lineage
from rareledger.store.database import Database
from tests import factories as f
from tests.services.test_export_control import CUSTOMS, application, decision

OTHER = "E-EXP2"


@pytest.fixture
def ledger(database: Database) -> f.Reporter:
    ec.seed_regimes(database)
    reporter = f.Reporter(database)
    reporter.accept(
        *f.world(),
        f.enterprise(f.EXPORTER, ["exporter", "importer", "trader"]),
        f.enterprise(OTHER, ["exporter", "trader"]),
    )
    reporter.accept(f.import_("LOT-MX", "577.65", reporter=f.EXPORTER))  # Dy, Tb, Y
    general = application("G", licence_type="general", quantity="100000")
    approval = decision("G")
    approval["items"][0]["quantity_kg"] = "100000"
    reporter.accept(general, approval)
    return reporter


def _check(database: Database, mass: str, *, exporter: str = f.EXPORTER, **extra: Any) -> Any:
    clock = extra.pop("clock", f.RECORDED)
    proposed = f.export(
        exporter,
        [(extra.pop("lot", "LOT-MX"), mass)],
        licence_no="LIC-G",
        hs_code="2846901993",
        customs_declaration_no=extra.pop("declaration", f"CD-{f.next_id()}"),
        **extra,
    )
    receipt, outcome = ec.customs_check(database, CUSTOMS, proposed, clock=lambda: clock)
    assert outcome is not None, receipt.errors
    return outcome


def _codes(outcome: dict[str, Any]) -> set[str]:
    return {r["code"] for r in outcome["reasons"]}


def test_customs_holds_more_than_the_exporter_holds(ledger: f.Reporter, database: Database) -> None:
    ledger.accept(f.shipment(f.EXPORTER, f.TRADER, [("LOT-MX", "577.118")]))  # 0.532 kg left
    outcome = _check(database, "200")
    assert outcome["decision"] == "hold"
    (reason,) = [r for r in outcome["reasons"] if r["code"] == "insufficient_holding"]
    assert reason["evidence"] == {
        "lot_id": "LOT-MX",
        "declared_kg": "200.000",
        "held_kg": "0.532",
        "reserved_kg": "0.000",
    }
    licence = next(x for x in ec.licences(database) if x["licence_no"] == "LIC-G")
    assert licence["used_kg"] == "0.000"  # nothing drawn on a hold


def test_customs_holds_a_lot_exported_in_full_by_another_firm(
    ledger: f.Reporter, database: Database
) -> None:
    ledger.accept(f.shipment(f.EXPORTER, OTHER, [("LOT-MX", "577.65")]))
    ledger.accept(f.export(f.EXPORTER, [("LOT-MX", "577.65")], licence_no="LIC-G"))
    outcome = _check(database, "100", exporter=OTHER)
    assert "insufficient_holding" in _codes(outcome) and outcome["decision"] == "hold"


def test_customs_refers_a_watch_listed_consignee(ledger: f.Reporter, database: Database) -> None:
    ledger.accept(
        {
            "type": "watchlist_entry",
            "id": "W-7",
            "name": "Buyer GmbH",
            "country": "DE",
            "status": "active",
        }
    )
    outcome = _check(database, "10")
    assert outcome["decision"] == "refer"
    assert "watchlist_match" in _codes(outcome)
    assert outcome["remaining_kg"] is None


def test_a_release_reserves_stock_until_the_export_or_the_lapse(
    ledger: f.Reporter, database: Database
) -> None:
    first = _check(database, "400", declaration="CD-A")
    assert first["decision"] == "release"
    assert _check(database, "200")["decision"] == "hold"  # 577.65 held, 400 reserved
    ledger.accept(f.export(f.EXPORTER, [("LOT-MX", "400")], customs_declaration_no="CD-A"))
    assert _check(database, "150")["decision"] == "release"  # the export took it up
    later = datetime(2025, 8, 1, tzinfo=UTC)  # after 30 days a reservation lapses
    assert (
        _check(database, "27", occurred_at="2025-07-30T09:00:00+08:00", clock=later)["decision"]
        == "release"
    )


def test_the_same_document_on_both_channels(ledger: f.Reporter, database: Database) -> None:
    outcome = _check(database, "10")
    assert set(outcome) == {
        "check_id",
        "position",
        "decision",
        "licence_no",
        "remaining_kg",
        "reasons",
        "classification",
    }
    assert all(set(r) == {"code", "message", "evidence"} for r in outcome["reasons"])


# ---------------------------------------------------------------- provenance


def _provenance(database: Database, lot_id: str) -> dict[str, Any]:
    with database.read() as connection:
        return lineage.provenance(connection, lot_id)


def test_an_overdrawn_shipment_taints_the_lot_its_products_and_their_exports(
    ledger: f.Reporter, database: Database
) -> None:
    shipped = f.shipment(f.EXPORTER, f.SEPARATOR, [("LOT-MX", "5000")])
    receipt = ledger.one(shipped)
    assert [x["code"] for x in receipt.findings] == ["negative_balance"]
    ledger.accept(f.receipt(f.SEPARATOR, shipped["event_id"], [("LOT-MX", "5000")]))
    made = f.processing(
        f.SEPARATOR, [("LOT-MX", "4000")], [("LOT-OX", "oxide", "1000", {"Dy": "0.1"})]
    )
    ledger.accept(made)
    assert _provenance(database, "LOT-OX")["status"] == "gap"
    assert _provenance(database, "LOT-OX")["causes"] == [f"negative_balance:{shipped['event_id']}"]
    sold = f.shipment(f.SEPARATOR, f.EXPORTER, [("LOT-OX", "10")])
    ledger.accept(sold, f.receipt(f.EXPORTER, sold["event_id"], [("LOT-OX", "10")]))
    checked = _check(database, "1", lot="LOT-OX")
    assert checked["decision"] == "refer" and "provenance_gap" in _codes(checked)
    export = ledger.one(f.export(f.EXPORTER, [("LOT-OX", "1")], licence_no="LIC-G"))
    assert {x["code"] for x in export.findings} == {"tainted_export"}


def test_a_tainted_export_is_flagged_and_a_correction_clears_the_gap(
    ledger: f.Reporter, database: Database
) -> None:
    shipped = f.shipment(f.EXPORTER, f.TRADER, [("LOT-MX", "600")])
    ledger.accept(shipped)
    assert _provenance(database, "LOT-MX")["status"] == "gap"
    tainted = ledger.one(f.export(f.EXPORTER, [("LOT-MX", "1")], licence_no="LIC-G"))
    assert "tainted_export" in {x["code"] for x in tainted.findings}
    ledger.accept(f.correction(f.EXPORTER, shipped["event_id"]))
    still = [f"negative_balance:{tainted.id}"]  # the export itself took what was not there
    assert _provenance(database, "LOT-MX") == {"status": "gap", "causes": still, "causes_total": 1}
    ledger.accept(f.correction(f.EXPORTER, str(tainted.id)))
    assert _provenance(database, "LOT-MX") == {"status": "clean", "causes": [], "causes_total": 0}


# ---------------------------------------------------------------- reporting hygiene


def test_a_sale_to_oneself_is_rejected(ledger: f.Reporter) -> None:
    receipt = ledger.one(f.shipment(f.EXPORTER, f.EXPORTER, [("LOT-MX", "1")]))
    assert receipt.errors[0]["code"] == "buyer_is_reporter"
    assert receipt.errors[0]["field"] == "buyer"


def test_an_invoice_number_used_twice_is_flagged(ledger: f.Reporter) -> None:
    first = f.shipment(f.EXPORTER, f.TRADER, [("LOT-MX", "1")], invoice_no="INV-9")
    assert ledger.one(first).findings == []
    again = ledger.one(f.shipment(f.EXPORTER, f.TRADER, [("LOT-MX", "1")], invoice_no="INV-9"))
    assert [x["code"] for x in again.findings] == ["duplicate_invoice"]
    ledger.accept(f.correction(f.EXPORTER, first["event_id"]))  # the first one is retracted
    third = ledger.one(f.shipment(f.EXPORTER, f.TRADER, [("LOT-MX", "1")], invoice_no="INV-9"))
    assert [x["code"] for x in third.findings] == ["duplicate_invoice"]  # the second remains


def test_an_adjustment_of_a_lot_never_held_is_rejected(ledger: f.Reporter) -> None:
    receipt = ledger.one(f.adjustment(f.TRADER, "LOT-MX", "0.001", reason="stocktake"))
    assert receipt.errors[0]["code"] == "lot_not_held"


def test_a_rejection_discloses_nothing_of_another_enterprise(
    ledger: f.Reporter, database: Database
) -> None:
    original = f.shipment(f.EXPORTER, f.TRADER, [("LOT-MX", "600")])  # flagged
    ledger.accept(original)
    other = f.Reporter(database, actor=Actor("key:other", OTHER, "enterprise"))
    guess = other.one({**original, "reporter": f.EXPORTER})
    assert guess.status == "rejected" and guess.errors[0]["code"] == "reporter_mismatch"
    reuse = other.one({**original, "reporter": OTHER})
    assert reuse.status == "rejected"
    assert reuse.position is None and reuse.hash is None and reuse.findings == []
