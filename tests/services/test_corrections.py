"""Corrections: the retracted event stays in the ledger, derived state is as if it never was."""

from __future__ import annotations

import pytest

from rareledger.domain.actors import Actor
from rareledger.services import holdings
from rareledger.store import queries
from rareledger.store.database import Database
from tests import factories as f


@pytest.fixture
def reporter(database: Database) -> f.Reporter:
    r = f.Reporter(database)
    r.accept(*f.world())
    return r


def test_retracted_extraction_frees_its_lot_for_the_replacement(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(f.extraction("LOT-A", "1000", event_id="x1"))
    replacement = f.extraction("LOT-A", "1100", event_id="x1b")
    receipt = reporter.one(f.correction(f.MINER, "x1", replacement))
    assert receipt.status == "accepted"
    lot = holdings.lot_report(database, "LOT-A")
    assert lot["created_by"]["event_id"] == "x1b"
    assert lot["accounts_kg"]["created"] == "1100.000"
    assert lot["holders"] == [{"enterprise_id": f.MINER, "mass_kg": "1100.000"}]


def test_retraction_without_replacement_removes_the_lot(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(f.extraction("LOT-A", "1000", event_id="x1"), f.correction(f.MINER, "x1"))
    assert holdings.enterprise_balance(database, f.MINER)["lots"] == []
    error = reporter.one(f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1")])).errors[0]
    assert error["code"] == "unknown_lot"


def test_retracting_a_receipt_puts_the_mass_back_in_transit(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(
        f.extraction("LOT-A", "100"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "100")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "90")], event_id="r1"),
    )
    reporter.accept(
        f.correction(
            f.SEPARATOR, "r1", f.receipt(f.SEPARATOR, "s1", [("LOT-A", "100")], event_id="r1b")
        )
    )
    lot = holdings.lot_report(database, "LOT-A")
    assert lot["accounts_kg"]["discrepancy"] == "0.000"
    assert lot["holders"] == [{"enterprise_id": f.SEPARATOR, "mass_kg": "100.000"}]
    with database.read() as connection:
        mismatches = queries.findings(connection, code="receipt_mismatch")
        withdrawn = queries.findings(connection, code="receipt_mismatch", include_retracted=True)
    assert mismatches == [] and len(withdrawn) == 1 and withdrawn[0]["retracted"]


def test_received_shipment_cannot_be_retracted_before_its_receipt(reporter: f.Reporter) -> None:
    reporter.accept(
        f.extraction("LOT-A", "100"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "100")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "100")]),
    )
    error = reporter.one(f.correction(f.MINER, "s1")).errors[0]
    assert (error["code"], error["field"]) == ("shipment_received", "corrects")


def test_retracted_shipment_returns_mass_and_cannot_be_received(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(
        f.extraction("LOT-A", "100"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "60")], event_id="s1"),
        f.correction(f.MINER, "s1"),
    )
    balance = holdings.enterprise_balance(database, f.MINER)
    assert balance["lots"] == [{"lot_id": "LOT-A", "mass_kg": "100.000"}]
    assert balance["in_transit"] == []
    error = reporter.one(f.receipt(f.SEPARATOR, "s1", [("LOT-A", "60")])).errors[0]
    assert error["code"] == "unknown_shipment"


def test_retracted_processing_restores_inputs_and_drops_lineage(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(
        f.extraction("LOT-A", "100"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "100")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "100")]),
        f.processing(
            f.SEPARATOR,
            [("LOT-A", "100")],
            [("LOT-OX", "oxide", "20", {"Nd": "0.8"})],
            event_id="p1",
        ),
    )
    with database.read() as connection:
        assert queries.dump(connection)["lot_links"]
    reporter.accept(f.correction(f.SEPARATOR, "p1"))
    balance = holdings.enterprise_balance(database, f.SEPARATOR)
    assert balance["lots"] == [{"lot_id": "LOT-A", "mass_kg": "100.000"}]
    with database.read() as connection:
        assert queries.dump(connection)["lot_links"] == []


def test_retracted_adjustment_and_export_are_undone(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(
        *[f.enterprise(f.EXPORTER, ["exporter", "miner"])],
        f.facility("F-MINE-2", f.EXPORTER, "mine"),
    )
    reporter.accept(
        f.extraction("LOT-E", "100", reporter=f.EXPORTER, facility_id="F-MINE-2"),
        f.adjustment(f.EXPORTER, "LOT-E", "-5", event_id="a1"),
        f.export(f.EXPORTER, [("LOT-E", "50")], event_id="x1"),
    )
    reporter.accept(f.correction(f.EXPORTER, "a1"), f.correction(f.EXPORTER, "x1"))
    lot = holdings.lot_report(database, "LOT-E")
    assert lot["holders"] == [{"enterprise_id": f.EXPORTER, "mass_kg": "100.000"}]
    assert (lot["accounts_kg"]["adjusted"], lot["accounts_kg"]["exported"]) == ("0.000", "0.000")


def test_replacement_must_come_from_the_same_reporter(reporter: f.Reporter) -> None:
    reporter.accept(f.extraction("LOT-A", "100", event_id="x1"))
    other = f.shipment(f.SEPARATOR, f.MINER, [("LOT-A", "1")])
    error = reporter.one(f.correction(f.MINER, "x1", other)).errors[0]
    assert (error["code"], error["field"]) == ("replacement_reporter", "replacement.reporter")


def test_replacement_can_itself_be_corrected(reporter: f.Reporter, database: Database) -> None:
    reporter.accept(
        f.extraction("LOT-A", "100", event_id="x1"),
        f.correction(f.MINER, "x1", f.extraction("LOT-A", "110", event_id="x2")),
        f.correction(f.MINER, "x2", f.extraction("LOT-A", "120", event_id="x3")),
    )
    assert holdings.lot_report(database, "LOT-A")["accounts_kg"]["created"] == "120.000"


def test_enterprise_corrects_only_its_own_reports(reporter: f.Reporter, database: Database) -> None:
    reporter.accept(f.extraction("LOT-A", "100", event_id="x1"))
    as_separator = f.Reporter(database, actor=Actor("key", enterprise_id=f.SEPARATOR))
    error = as_separator.one(f.correction(f.SEPARATOR, "x1")).errors[0]
    assert error["code"] == "correction_not_reporter"


def test_replacement_is_judged_at_its_own_recorded_at(reporter: f.Reporter) -> None:
    reporter.accept(f.extraction("LOT-A", "100", event_id="x1"))
    late = {**f.extraction("LOT-A", "90", event_id="x2"), "recorded_at": "2025-09-01T00:00:00Z"}
    receipt = reporter.one(f.correction(f.MINER, "x1", late))
    assert [x["code"] for x in receipt.findings] == ["late_report"]
    on_time = f.extraction("LOT-A", "95", event_id="x3")
    receipt = reporter.one(f.correction(f.MINER, "x2", on_time))
    assert receipt.findings == []
