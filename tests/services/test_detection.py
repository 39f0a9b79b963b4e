"""Detection over a simulated year: alerts, case work, as-of dates, evaluation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rareledger.domain.actors import Actor
from rareledger.readers import iter_records
from rareledger.services import detection, evaluation, export_control
from rareledger.services.reporting import Recorder
from rareledger.simulation import simulate
from rareledger.store.database import Database


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year")
    simulate(out, seed=7, scale=0.01, rates={"circular_trading": 0.05, "diverted_shipment": 0.005})
    return out


def _load(database: Database, year: Path) -> None:
    export_control.seed_regimes(database)
    recorder = Recorder(database, Actor("test"), allow_recorded_at=True)
    for path in sorted((year / "records").glob("*.jsonl")):
        with path.open("rb") as stream:
            receipts = recorder.submit(list(iter_records(stream)))
        assert not [r for r in receipts if r.status == "rejected"]


def test_detection_finds_what_was_hidden(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    result = evaluation.evaluate(
        evaluation.read_ground_truth(year / "ground_truth.jsonl"),
        detection.list_alerts(sqlite_database),
    )
    for kind in (
        "circular_trading",
        "quantity_mismatch",
        "illegal_ore_laundering",
        "diverted_shipment",
    ):
        row = result["by_type"][kind]
        assert row["cases"] and row["recall"] == 1.0 and row["precision"] == 1.0, (kind, row)


def test_as_of_judges_the_ledger_as_it_stood(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    early = detection.detect(sqlite_database, detection.end_of(date(2025, 1, 31)))
    late = detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    assert len(early) < len(late)
    assert all(a.period <= "2025-01" for a in early if a.period[4:5] == "-")


def test_case_work_and_reruns(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    first = detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    alert_id = first[0].alert_id
    detection.change(
        sqlite_database,
        alert_id,
        "inspector",
        status="under_review",
        assignee="wang",
        note="checking",
    )
    with pytest.raises(detection.CaseError, match="cannot become open"):
        detection.change(sqlite_database, alert_id, "inspector", status="open")
    detection.change(sqlite_database, alert_id, "inspector", status="dismissed", note="ok")
    again = detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    assert {a.alert_id for a in again} == {a.alert_id for a in first}  # deduplicated
    shown = detection.show_alert(sqlite_database, alert_id)
    assert shown["status"] == "dismissed" and shown["assignee"] == "wang"
    assert [h["actor"] for h in shown["history"]] == ["inspector", "inspector"]
