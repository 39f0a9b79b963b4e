"""The findings of spec section 4 this issue owns: accepted, stored, listed on the receipt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rareledger.services import holdings
from rareledger.store import queries
from rareledger.store.database import Database
from tests import factories as f


@pytest.fixture
def reporter(database: Database) -> f.Reporter:
    r = f.Reporter(database)
    r.accept(*f.world())
    r.accept(f.extraction("LOT-A", "1000", {"Nd": "0.5"}))
    return r


def _codes(receipt: object) -> list[str]:
    return [finding["code"] for finding in receipt.findings]  # type: ignore[attr-defined]


def _stored(database: Database, code: str) -> list[dict[str, object]]:
    with database.read() as connection:
        return queries.findings(connection, code=code)


def test_negative_balance_is_accepted_and_flagged(reporter: f.Reporter, database: Database) -> None:
    receipt = reporter.one(f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1200")]))
    assert receipt.status == "accepted"
    assert _codes(receipt) == ["negative_balance"]
    stored = _stored(database, "negative_balance")
    assert [(s["event_id"], s["lot_id"], s["enterprise_id"]) for s in stored] == [
        (receipt.id, "LOT-A", f.MINER)
    ]
    balance = holdings.enterprise_balance(database, f.MINER)
    assert balance["lots"] == [{"lot_id": "LOT-A", "mass_kg": "-200.000"}]


def _separate(reporter: f.Reporter, out_mass: str) -> object:
    reporter.accept(
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1000")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "1000")]),
    )
    return reporter.one(
        f.processing(f.SEPARATOR, [("LOT-A", "1000")], [("LOT-ND", "oxide", out_mass, {"Nd": "1"})])
    )


def test_mass_balance_excess_beyond_tolerance(reporter: f.Reporter, database: Database) -> None:
    receipt = _separate(reporter, "510.001")  # 500 kg Nd in, 2 % tolerance -> 510 kg
    assert _codes(receipt) == ["mass_balance_excess"]
    assert "Nd" in receipt.findings[0]["message"]  # type: ignore[attr-defined]
    assert _stored(database, "mass_balance_excess")[0]["details"]["element"] == "Nd"


def test_mass_balance_within_tolerance_is_clean(reporter: f.Reporter) -> None:
    assert _codes(_separate(reporter, "510")) == []


def test_receipt_mismatch_buyer_holds_what_it_received(
    reporter: f.Reporter, database: Database
) -> None:
    reporter.accept(f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "100")], event_id="s1"))
    receipt = reporter.one(f.receipt(f.SEPARATOR, "s1", [("LOT-A", "98")]))
    assert _codes(receipt) == ["receipt_mismatch"]
    assert holdings.enterprise_balance(database, f.SEPARATOR)["lots"] == [
        {"lot_id": "LOT-A", "mass_kg": "98.000"}
    ]
    lot = holdings.lot_report(database, "LOT-A")
    assert lot["accounts_kg"]["discrepancy"] == "2.000"  # held by no one
    assert lot["in_transit"] == []


def test_receipt_within_tolerance_is_clean(reporter: f.Reporter) -> None:
    reporter.accept(f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1000")], event_id="s1"))
    assert _codes(reporter.one(f.receipt(f.SEPARATOR, "s1", [("LOT-A", "995")]))) == []


@pytest.mark.parametrize(
    ("occurred", "recorded", "late"),
    [
        ("2025-05-31T23:00:00+08:00", datetime(2025, 6, 10, 15, 59, 59, tzinfo=UTC), False),
        ("2025-05-31T23:00:00+08:00", datetime(2025, 6, 10, 16, 0, 0, tzinfo=UTC), True),
        ("2025-12-15T10:00:00-05:00", datetime(2026, 1, 11, 4, 59, tzinfo=UTC), False),
        ("2025-12-15T10:00:00-05:00", datetime(2026, 1, 11, 5, 0, tzinfo=UTC), True),
    ],
)
def test_late_report_after_the_tenth_of_next_month(
    database: Database, occurred: str, recorded: datetime, late: bool
) -> None:
    f.Reporter(database).accept(*f.world())
    receipt = f.Reporter(database, clock=recorded).one(f.extraction("LOT-L", occurred_at=occurred))
    assert _codes(receipt) == (["late_report"] if late else [])


def test_duplicate_returns_the_original_findings(reporter: f.Reporter) -> None:
    record = f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1200")], event_id="s-neg")
    first = reporter.one(record)
    again = reporter.one(dict(record))
    assert again.status == "duplicate"
    assert again.findings == first.findings
