"""Alerts follow their cause: resolved when a later run no longer finds them, reopened when the
condition holds again; human decisions stay. Every run is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rareledger.services import casework, detection, detection_runs
from rareledger.store.database import Database
from tests import factories as f

SHIPPED = "2025-06-03T09:30:00+08:00"
LATE = datetime(2025, 8, 5, 10, 0, tzinfo=UTC)  # the receipt is recorded two months on
RETRACTED = datetime(2025, 9, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def shipped(database: Database) -> Database:
    """A shipment of 3 June 2025 that its buyer has not reported receiving."""
    f.Reporter(database).accept(
        *f.world(),
        f.extraction("LOT-A", "1000", event_id="x1"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1000")], event_id="s1", occurred_at=SHIPPED),
    )
    return database


def _run(database: Database, day: date) -> detection.Run:
    return detection.detect(database, detection.end_of(day), actor="inspector")


def _not_received(database: Database) -> dict[str, object]:
    [alert] = casework.list_alerts(database, code="shipment_not_received")
    return alert


def test_a_late_receipt_resolves_the_alert_and_a_correction_reopens_it(
    shipped: Database,
) -> None:
    first = _run(shipped, date(2025, 7, 31))
    assert _not_received(shipped)["status"] == "open"
    f.Reporter(shipped, clock=LATE).accept(
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "1000")], event_id="r1", occurred_at=SHIPPED)
    )
    second = _run(shipped, date(2025, 8, 31))
    resolved = _not_received(shipped)
    assert resolved["status"] == "resolved" and second.resolved == 1
    assert resolved["resolved_run"] == second.run_id != first.run_id
    assert "no longer holds" in str(resolved["resolved_reason"])
    earlier = _run(shipped, date(2025, 7, 15))  # judging an earlier moment resolves nothing
    assert earlier.resolved == 0 and earlier.reopened == 0
    f.Reporter(shipped, clock=RETRACTED).accept(f.correction(f.SEPARATOR, "r1"))
    third = _run(shipped, date(2025, 9, 30))
    reopened = _not_received(shipped)
    assert reopened["status"] == "open" and third.reopened == 1
    assert reopened["resolved_run"] is None and reopened["resolved_reason"] is None
    history = casework.show_alert(shipped, str(reopened["alert_id"]))["history"]
    assert [(h["action"], h["detail"]["run_id"]) for h in history] == [
        ("resolved", second.run_id),
        ("reopened", third.run_id),
    ]
    assert history[0]["detail"]["reason"] == resolved["resolved_reason"]
    assert history[1]["actor"] == f"detection run {third.run_id}"


def test_confirmed_and_dismissed_alerts_keep_the_human_decision(shipped: Database) -> None:
    _run(shipped, date(2025, 7, 31))
    alert_id = str(_not_received(shipped)["alert_id"])
    casework.change(shipped, alert_id, "inspector", status="confirmed", note="diverted")
    f.Reporter(shipped, clock=LATE).accept(
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "1000")], event_id="r1", occurred_at=SHIPPED)
    )
    later = _run(shipped, date(2025, 8, 31))
    assert later.resolved == 0 and _not_received(shipped)["status"] == "confirmed"


def test_a_run_of_one_rule_judges_only_that_rules_alerts(shipped: Database) -> None:
    _run(shipped, date(2025, 7, 31))
    other = detection.detect(shipped, detection.end_of(date(2025, 8, 31)), only="quantity_mismatch")
    assert other.resolved == 0 and _not_received(shipped)["status"] == "open"


def test_every_run_is_recorded_and_listed_latest_first(shipped: Database) -> None:
    first = _run(shipped, date(2025, 7, 31))
    second = detection.detect(
        shipped, detection.end_of(date(2025, 8, 31)), only="shipment_not_received"
    )
    runs = detection_runs.list_runs(shipped)
    assert [r["run_id"] for r in runs] == [second.run_id, first.run_id]
    latest, earliest = runs
    assert latest["as_of"] == detection.end_of(date(2025, 8, 31)).isoformat()
    assert latest["rules"] == ["shipment_not_received"] and latest["actor"] == "system"
    assert earliest["actor"] == "inspector" and len(earliest["rules"]) > 10
    assert earliest["parameters"]["receipt_days"] == "30"
    assert earliest["parameters"]["recovery_norms"]["separation"] == "0.92"
    assert earliest["incremental"] is False and latest["incremental"] is True
    assert earliest["entries_read"] >= 2 and earliest["duration_ms"] >= 0
    assert latest["counts"]["by_code"] == {"shipment_not_received": 1}
    assert latest["counts"]["new"] == 0 and earliest["counts"]["new"] >= 1
    assert detection_runs.list_runs(shipped, limit=1, before=second.run_id) == [earliest]
    with pytest.raises(detection_runs.Invalid, match="limit"):
        detection_runs.list_runs(shipped, limit=0)
    with pytest.raises(detection_runs.Invalid, match="before"):
        detection_runs.list_runs(shipped, before=2**31)
