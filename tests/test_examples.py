"""The example chain loads cleanly, verifies, and its accounts add up."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from rareledger.formats.jsonlines import iter_records
from rareledger.services import holdings, integrity
from rareledger.store import queries
from rareledger.store.database import Database
from tests import factories as f

CHAIN = Path(__file__).resolve().parents[1] / "examples" / "chain.jsonl"


def test_example_chain_loads_with_no_rejection_and_no_finding(database: Database) -> None:
    with CHAIN.open("rb") as stream:
        records = list(iter_records(stream))
    receipts = f.Reporter(database).submit(*records)
    assert [r.as_dict() for r in receipts if r.status != "accepted" or r.findings] == []
    assert integrity.verify(database).intact
    with database.read() as connection:
        lots = queries.all_lots(connection)
        held = queries.balance_totals(connection)
        assert queries.transit_totals(connection) == {}
    exported = {lot.lot_id: lot.exported_g for lot in lots if lot.exported_g}
    assert sum(exported.values()) == 5_000_000  # 5,000 kg of magnets to Germany
    for lot in lots:
        assert lot.created_g + lot.adjusted_g == (
            held.get(lot.lot_id, 0) + lot.consumed_g + lot.exported_g + lot.discrepancy_g
        )
    exporter = json.loads(json.dumps(holdings.enterprise_balance(database, "91310115MA1JU8E27J")))
    assert exporter["lots"] == [] and exporter["in_transit"] == []
    magnets = holdings.enterprise_balance(database, "91330212MA2H7Q5C52")
    assert Decimal(magnets["elements"]["Nd"]["kg"]) > 0


def test_flawed_reports_are_flagged_and_one_rejected(database: Database) -> None:
    reporter = f.Reporter(database)
    for name in ("chain.jsonl", "flawed.jsonl"):
        with (CHAIN.parent / name).open("rb") as stream:
            receipts = reporter.submit(*iter_records(stream))
    outcome = {
        r.id: (r.status, [x["code"] for x in r.findings] or [e["code"] for e in r.errors])
        for r in receipts
    }
    assert outcome == {
        "ev-2025-10-0101": ("accepted", []),
        "ev-2025-10-0102": ("accepted", ["receipt_mismatch"]),
        "ev-2025-10-0103": ("accepted", ["negative_balance"]),
        "ev-2025-10-0104": ("accepted", ["mass_balance_excess"]),
        "ev-2025-09-0101": ("accepted", ["late_report"]),
        "ev-2025-10-0105": ("rejected", ["unknown_lot"]),
        "ev-2025-10-0106": ("accepted", []),
    }
    with database.read() as connection:
        standing = {x["code"] for x in queries.findings(connection)}
    assert standing == {"receipt_mismatch", "mass_balance_excess", "late_report"}
