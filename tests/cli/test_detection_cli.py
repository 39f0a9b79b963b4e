"""Detection and case work from the command line: detect, runs, alerts, risk, evaluate."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from rareledger.simulation import simulate
from tests.cli.test_cli import run

RATES = {"diverted_shipment": 0.01, "under_invoicing": 0.05, "unreported_exports": 0.3}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year")
    simulate(out, seed=3, scale=0.003, rates=RATES)
    return out


@pytest.fixture
def loaded(tmp_path: Path, year: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    assert run(url, "init").exit_code == 0
    files = sorted(str(p) for p in (year / "records").glob("*.jsonl"))
    assert run(url, "load", *files).exit_code == 0
    return url


def test_detect_prints_json_lines_and_evaluate_scores_them(loaded: str, year: Path) -> None:
    partner = str(year / "partner_imports.csv")
    result = run(loaded, "detect", "--as-of", "2026-02-28", "--partner-imports", partner, "--json")
    assert result.exit_code == 0
    alerts = [json.loads(line) for line in result.output.splitlines()]
    assert alerts and all(
        set(a) >= {"alert_id", "code", "severity", "enterprise_ids", "event_ids", "evidence"}
        for a in alerts
    )
    assert {"shipment_not_received", "mirror_gap", "under_invoicing"} <= {a["code"] for a in alerts}
    scored = run(loaded, "evaluate", str(year / "ground_truth.jsonl"), "--json")
    body = json.loads(scored.output)
    for kind in ("diverted_shipment", "under_invoicing", "unreported_exports"):
        row = body["by_type"][kind]
        assert {"precision", "recall", "tp", "fp", "fn"} <= set(row)
        assert row["tp"] > 0 and row["fn"] == 0 and row["fp"] == 0, (kind, row)
    assert body["overall"]["recall"] == 1.0
    again = run(loaded, "detect", "--as-of", "2026-02-28", "--partner-imports", partner)
    assert "incremental run, 0 entries read" in again.output
    assert "(0 new, 0 reopened; 0 resolved)" in again.output


def test_one_rule_and_changed_parameters(loaded: str) -> None:
    base = run(
        loaded, "detect", "--rule", "shipment_not_received", "--as-of", "2026-02-28", "--json"
    )
    patient = run(
        loaded,
        "detect",
        "--rule",
        "shipment_not_received",
        "--as-of",
        "2026-02-28",
        "--set",
        "receipt_days=400",
        "--json",
    )
    assert base.output.strip() and {json.loads(x)["code"] for x in base.output.splitlines()} == {
        "shipment_not_received"
    }
    assert patient.output == ""
    runs = json.loads(run(loaded, "runs", "list", "--json").output)
    assert [r["parameters"]["receipt_days"] for r in runs] == ["400", "30"]
    assert runs[0]["rules"] == ["shipment_not_received"] and runs[0]["actor"].startswith("cli:")
    assert runs[0]["counts"]["resolved"] == len(base.output.splitlines()) > 0
    table = run(loaded, "runs", "list", "--limit", "1").output
    assert "1 detection runs" in table and "incremental" in table
    wrong = run(loaded, "detect", "--set", "receipt_dayz=4")
    assert wrong.exit_code == 2 and "no detection parameter 'receipt_dayz'" in wrong.output
    negative = run(loaded, "detect", "--set", "price_share=-1")
    assert negative.exit_code == 2 and "price_share must be a number" in negative.output
    zero = run(loaded, "detect", "--set", "mismatch_min_spread=0")
    assert zero.exit_code == 2 and "mismatch_min_spread must be above zero" in zero.output
    bad_day = run(loaded, "detect", "--as-of", "28/02/2026")
    assert bad_day.exit_code == 2 and "--as-of" in bad_day.output


def test_case_work_and_risk(loaded: str) -> None:
    run(loaded, "detect", "--rule", "shipment_not_received", "--as-of", "2026-02-28")
    listed = json.loads(run(loaded, "alerts", "list", "--json").output)
    alert_id = listed[0]["alert_id"]
    assert run(loaded, "alerts", "assign", alert_id, "wang").exit_code == 0
    assert run(loaded, "alerts", "note", alert_id, "buyer denies delivery").exit_code == 0
    closed = run(loaded, "alerts", "close", alert_id, "--as", "confirmed", "--note", "diverted")
    assert closed.exit_code == 0
    twice = run(loaded, "alerts", "close", alert_id, "--as", "dismissed", "--note", "no")
    assert twice.exit_code == 2 and "cannot become dismissed" in twice.output
    shown = json.loads(run(loaded, "alerts", "show", alert_id).output)
    assert shown["status"] == "confirmed" and shown["assignee"] == "wang"
    assert [h["action"] for h in shown["history"]] == ["status", "note", "status"]
    rows = list(csv.DictReader(io.StringIO(run(loaded, "risk", "--csv").output)))
    firm = listed[0]["enterprise_ids"][0]
    mine = next(r for r in rows if r["enterprise_id"] == firm)
    assert int(mine["score"]) >= 20  # a confirmed high alert counts twice
    table = run(loaded, "alerts", "list", "--status", "confirmed").output
    assert alert_id in table and "1 alerts" in table
    assert run(loaded, "alerts", "show", "A-nothing").exit_code == 2
