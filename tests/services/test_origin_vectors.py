"""The origin vectors projection under corrections: what is downstream of a retracted or
re-created lot is computed again, the same whichever way the records were cut into batches,
and ``rebuild`` gives the same vectors."""

from __future__ import annotations

from typing import Any

import pytest

from rareledger.services import integrity
from rareledger.store import origins, queries
from rareledger.store.database import Database
from tests import factories as f
from tests.services.origin_checks import check_origin_vectors

ND = {"Nd": "0.5"}


def _chain() -> list[dict[str, Any]]:
    """Two mine lots merged, the result processed again; then the first extraction is
    corrected (with or without a replacement) and the product processed once more."""
    return [
        f.extraction("A", "1000", ND, event_id="xa"),
        f.extraction("B", "1000", ND, event_id="xb"),
        f.processing(
            f.SEPARATOR,
            [("A", "100"), ("B", "100")],
            [("C", "oxide", "90", ND)],
            event_id="p1",
            facility_id=f.PLANT,
        ),
        f.processing(
            f.SEPARATOR,
            [("C", "50")],
            [("D", "oxide", "45", ND)],
            event_id="p2",
            facility_id=f.PLANT,
        ),
    ]


def _shares(database: Database, lot_id: str) -> dict[str, Any]:
    with database.read() as connection:
        return origins.vectors(connection, [lot_id])[lot_id]["Nd"]


@pytest.mark.parametrize("cut", [1, 2, 7])
@pytest.mark.parametrize("replace", [False, True])
def test_a_corrected_origin_changes_everything_made_from_it(
    database: Database, cut: int, replace: bool
) -> None:
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    replacement = f.extraction("A", "1000", {"Nd": "0.2"}, event_id="xa2") if replace else None
    records = [
        *_chain(),
        f.correction(f.MINER, "xa", replacement, event_id="cx"),
        f.processing(
            f.SEPARATOR,
            [("D", "10")],
            [("E", "oxide", "9", ND)],
            event_id="p3",
            facility_id=f.PLANT,
        ),
    ]
    for start in range(0, len(records), cut):
        receipts = reporter.submit(*records[start : start + cut])
        assert {r.status for r in receipts} == {"accepted"}, receipts
    with database.read() as connection:
        incremental = queries.dump(connection)
    check_origin_vectors(incremental)
    for lot in ("C", "D", "E"):
        entry = _shares(database, lot)
        if replace:  # A now holds 0.2 Nd: 20 kg of Nd from A against 50 kg from B
            assert dict(entry.top) == pytest.approx({"B": 50 / 70, "A": 20 / 70})
            assert entry.unattributed == 0.0
        else:  # what came from A has no known origin any more
            assert dict(entry.top) == pytest.approx({"B": 0.5})
            assert entry.unattributed == pytest.approx(0.5)
    integrity.rebuild(database)
    with database.read() as connection:
        assert queries.dump(connection) == incremental


def test_retracting_a_processing_step_leaves_its_products_descendants_unattributed(
    database: Database,
) -> None:
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    reporter.accept(*_chain(), f.correction(f.SEPARATOR, "p1", event_id="cp1"))
    assert _shares(database, "C").unattributed == 1.0
    entry = _shares(database, "D")
    assert (entry.top, entry.unattributed) == ((), 1.0)
    assert dict(_shares(database, "A").top) == {"A": 1.0}  # its inputs are untouched
    with database.read() as connection:
        check_origin_vectors(queries.dump(connection))
