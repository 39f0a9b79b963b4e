"""Detection over a simulated year: alerts, incremental runs, case work, risk, evaluation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rareledger.domain.actors import Actor
from rareledger.formats.jsonlines import iter_records
from rareledger.services import casework, detection, evaluation, export_control, integrity
from rareledger.services.reporting import Recorder
from rareledger.simulation import simulate
from rareledger.store.database import Database

RATES = {
    "circular_trading": 0.05,
    "diverted_shipment": 0.005,
    "split_consignments": 0.2,
    "unreported_exports": 0.3,
}
CHECKED = (
    "circular_trading",
    "quantity_mismatch",
    "illegal_ore_laundering",
    "diverted_shipment",
    "under_invoicing",
    "unreported_exports",
)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year")
    simulate(out, seed=7, scale=0.01, rates=RATES)
    return out


def _load(database: Database, year: Path, months: slice = slice(None)) -> None:
    export_control.seed_regimes(database)
    recorder = Recorder(database, Actor("test"), allow_recorded_at=True)
    for path in sorted((year / "records").glob("*.jsonl"))[months]:
        with path.open("rb") as stream:
            receipts = recorder.submit(list(iter_records(stream)))
        assert not [r for r in receipts if r.status == "rejected"]


def _rulebook(year: Path) -> detection.Rulebook:
    return detection.Rulebook(reference=detection.load_reference(year / "partner_imports.csv"))


def test_detection_finds_what_was_hidden(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)), rulebook=_rulebook(year))
    result = evaluation.evaluate(
        evaluation.read_ground_truth(year / "ground_truth.jsonl"),
        casework.list_alerts(sqlite_database),
    )
    for kind in CHECKED:
        row = result["by_type"][kind]
        assert row["cases"] and row["recall"] == 1.0 and row["precision"] == 1.0, (kind, row)
    assert result["overall"]["fp"] == 0


def test_as_of_judges_the_ledger_as_it_stood(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    early = detection.detect(sqlite_database, detection.end_of(date(2025, 1, 31)))
    late = detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    assert not early.incremental and late.incremental
    assert len(early.alerts) < len(late.alerts)
    assert all(a.period <= "2025-01" for a in early.alerts if a.period[4:5] == "-")


def test_incremental_runs_read_only_what_is_new_and_agree_with_a_full_run(
    sqlite_database: Database, year: Path
) -> None:
    moment = detection.end_of(date(2026, 3, 1))
    _load(sqlite_database, year, slice(0, 7))
    first = detection.detect(sqlite_database, moment)
    _load(sqlite_database, year, slice(7, None))
    second = detection.detect(sqlite_database, moment)
    third = detection.detect(sqlite_database, moment)
    full = detection.detect(sqlite_database, moment, full=True)
    assert not first.incremental and second.incremental and third.incremental
    assert 0 < second.entries_read < full.entries_read and third.entries_read == 0
    assert second.alerts == full.alerts == third.alerts
    earlier = detection.detect(sqlite_database, detection.end_of(date(2025, 3, 1)))
    assert not earlier.incremental  # an earlier moment than the saved fold: from the start
    integrity.rebuild(sqlite_database)  # the saved fold came from the old projections
    after = detection.detect(sqlite_database, moment)
    assert not after.incremental and after.alerts == full.alerts


def test_a_run_in_several_processes_finds_what_one_process_finds(
    sqlite_database: Database, year: Path
) -> None:
    _load(sqlite_database, year)
    moment, rulebook = detection.end_of(date(2026, 3, 1)), _rulebook(year)
    alone = detection.detect(sqlite_database, moment, rulebook=rulebook, full=True, workers=1)
    beside = detection.detect(sqlite_database, moment, rulebook=rulebook, full=True, workers=3)
    again = detection.detect(sqlite_database, moment, rulebook=rulebook, workers=2)
    assert len({a.code for a in alone.alerts}) >= 5
    assert beside.alerts == alone.alerts == again.alerts
    assert again.incremental and again.entries_read == 0  # the fold was saved meanwhile


def test_case_work_and_reruns(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    first = detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    alert_id = first.alerts[0].alert_id
    casework.change(
        sqlite_database,
        alert_id,
        "inspector",
        status="under_review",
        assignee="wang",
        note="checking",
    )
    with pytest.raises(casework.CaseError, match="cannot become open"):
        casework.change(sqlite_database, alert_id, "inspector", status="open")
    with pytest.raises(casework.NoSuchAlert):
        casework.change(sqlite_database, "A-nope", "inspector", note="x")
    casework.change(sqlite_database, alert_id, "inspector", status="dismissed", note="ok")
    again = detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)), full=True)
    assert {a.alert_id for a in again.alerts} == {a.alert_id for a in first.alerts}
    assert again.new_alerts == 0
    shown = casework.show_alert(sqlite_database, alert_id)
    assert shown["status"] == "dismissed" and shown["assignee"] == "wang"
    assert [(h["actor"], h["action"]) for h in shown["history"]] == [
        ("inspector", "status"),
        ("inspector", "status"),
    ]
    assert shown["history"][0]["detail"]["note"] == "checking"


def test_risk_scores_follow_severity_and_case_status(sqlite_database: Database, year: Path) -> None:
    _load(sqlite_database, year)
    detection.detect(sqlite_database, detection.end_of(date(2026, 3, 1)))
    scores = casework.risk(sqlite_database)
    assert scores == sorted(scores, key=lambda r: (-r["score"], r["enterprise_id"]))
    top = scores[0]
    mine = casework.list_alerts(sqlite_database, enterprise_id=top["enterprise_id"])
    weights = {"high": 10, "medium": 4, "low": 1}
    assert top["score"] == sum(weights[a["severity"]] for a in mine)
    for alert in mine:
        casework.change(sqlite_database, alert["alert_id"], "inspector", status="dismissed")
    [after] = casework.risk(sqlite_database, top["enterprise_id"])
    assert after["score"] == 0 and after["level"] == "none"


def test_partner_statistics_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "partner.csv"
    bad.write_text("country,period,mass_kg\nGermany,2025,10\n")
    with pytest.raises(detection.ReferenceDataError, match=r"partner\.csv:2: country must be"):
        detection.load_reference(bad)
    bad.write_text("country,period,mass_kg\nDE,2025,ten\n")
    with pytest.raises(detection.ReferenceDataError, match="decimal mass_kg"):
        detection.load_reference(bad)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE alert_history SET actor = 'mallory'", "DELETE FROM alert_history"],
)
def test_case_history_cannot_be_rewritten(database: Database, year: Path, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    _load(database, year, slice(0, 4))
    run = detection.detect(database, detection.end_of(date(2026, 3, 1)))
    casework.change(database, run.alerts[0].alert_id, "inspector", note="first look")
    with pytest.raises(DBAPIError, match="append-only"), database.write() as connection:
        connection.execute(text(statement))
    assert casework.show_alert(database, run.alerts[0].alert_id)["history"][0]["actor"] == (
        "inspector"
    )


def test_evaluation_leaves_out_alerts_a_later_run_resolved() -> None:
    case = {"type": "quantity_mismatch", "event_ids": ["EV-1"], "difficulty": "hard"}
    alert = {"code": "quantity_mismatch", "event_ids": ["EV-1"], "status": "open"}
    counted = evaluation.evaluate([case], [alert])["by_type"]["quantity_mismatch"]
    resolved = {**alert, "status": "resolved"}
    left_out = evaluation.evaluate([case], [resolved])["by_type"]["quantity_mismatch"]
    assert (counted["tp"], counted["alerts"], counted["recall"]) == (1, 1, 1.0)
    assert (left_out["tp"], left_out["alerts"], left_out["recall"]) == (0, 0, 0.0)
