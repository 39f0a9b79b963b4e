"""The two provenance gap causes besides a negative balance: a receipt of more than was
shipped, and a processing whose outputs hold more of an element than its inputs. Each follows
the material downstream, clears when a correction retracts it, and survives a rebuild."""

from __future__ import annotations

from typing import Any

import pytest

from rareledger.services import integrity
from rareledger.store import lineage
from rareledger.store.database import Database
from tests import factories as f


def _provenance(database: Database, lot_id: str) -> dict[str, Any]:
    with database.read() as connection:
        return lineage.provenance(connection, lot_id)


@pytest.fixture
def ledger(database: Database) -> f.Reporter:
    reporter = f.Reporter(database)
    reporter.accept(*f.world(), f.extraction("LOT-A", "100"))
    return reporter


def _shipped(ledger: f.Reporter, mass: str) -> str:
    shipped = f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", mass)])
    ledger.accept(shipped)
    return str(shipped["event_id"])


def test_a_receipt_of_more_than_was_shipped_opens_a_gap_that_its_correction_closes(
    ledger: f.Reporter, database: Database
) -> None:
    shipped = _shipped(ledger, "50")
    received = ledger.one(f.receipt(f.SEPARATOR, shipped, [("LOT-A", "80")]))
    assert received.status == "accepted"
    assert _provenance(database, "LOT-A") == {
        "status": "gap",
        "causes": [f"receipt_excess:{received.id}"],
        "causes_total": 1,
    }
    ledger.accept(f.correction(f.SEPARATOR, str(received.id)))
    assert _provenance(database, "LOT-A") == {"status": "clean", "causes": [], "causes_total": 0}


def test_a_receipt_within_the_shipment_leaves_the_lot_clean(
    ledger: f.Reporter, database: Database
) -> None:
    shipped = _shipped(ledger, "50")
    ledger.accept(f.receipt(f.SEPARATOR, shipped, [("LOT-A", "50")]))
    assert _provenance(database, "LOT-A") == {"status": "clean", "causes": [], "causes_total": 0}


def test_outputs_richer_than_their_inputs_carry_a_gap_downstream_and_through_a_rebuild(
    ledger: f.Reporter, database: Database
) -> None:
    shipped = _shipped(ledger, "100")
    ledger.accept(f.receipt(f.SEPARATOR, shipped, [("LOT-A", "100")]))
    richer = f.processing(  # 100 kg of ore at 20 % Nd cannot make 50 kg of Nd
        f.SEPARATOR, [("LOT-A", "100")], [("LOT-OX", "oxide", "100", {"Nd": "0.5"})]
    )
    made = ledger.one(richer)
    assert [x["code"] for x in made.findings] == ["mass_balance_excess"]
    cause = f"mass_balance_excess:{made.id}"
    assert _provenance(database, "LOT-OX") == {
        "status": "gap",
        "causes": [cause],
        "causes_total": 1,
    }
    assert _provenance(database, "LOT-A") == {
        "status": "clean",
        "causes": [],
        "causes_total": 0,
    }  # upstream stays
    sold = f.shipment(f.SEPARATOR, f.TRADER, [("LOT-OX", "10")])
    ledger.accept(sold, f.receipt(f.TRADER, sold["event_id"], [("LOT-OX", "10")]))
    integrity.rebuild(database)
    assert _provenance(database, "LOT-OX") == {
        "status": "gap",
        "causes": [cause],
        "causes_total": 1,
    }
