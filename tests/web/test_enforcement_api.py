"""Detection runs, alerts, case work and risk through the API."""

from __future__ import annotations

from tests import factories as f
from tests.web.conftest import Api


def _undelivered(api: Api) -> str:
    """A shipment in June 2025 that its buyer never received (reported late, too)."""
    api.events("regulator", f.extraction("LOT-D", "100", {"Nd": "0.2"}))
    shipped = f.shipment(f.MINER, f.SEPARATOR, [("LOT-D", "40")])
    api.events("regulator", shipped)
    return str(shipped["event_id"])


def test_a_detection_run_finds_an_undelivered_shipment(api: Api) -> None:
    shipped = _undelivered(api)
    run = api.post("/api/v1/detection/runs", json={"rule": "shipment_not_received"})
    assert run.status_code == 201, run.text
    assert run.json()["by_code"] == {"shipment_not_received": 1}
    # The events were recorded today: as the ledger stood at the end of 2025, it held nothing.
    early = api.post("/api/v1/detection/runs", json={"as_of": "2025-12-31"}).json()
    assert early["by_code"] == {} and early["incremental"] is False
    [alert] = api.get("/api/v1/alerts", "auditor").json()["items"]
    assert alert["event_ids"] == [shipped] and alert["status"] == "open"
    assert alert["enterprise_ids"] == [f.MINER, f.SEPARATOR]
    assert alert["evidence"]["threshold_days"] == "30"
    csv_text = api.get("/api/v1/alerts.csv", "auditor").text
    assert csv_text.splitlines()[0].startswith("alert_id,code,severity")
    assert shipped in csv_text


def test_detection_runs_are_listed_latest_first(api: Api) -> None:
    _undelivered(api)
    first = api.post("/api/v1/detection/runs", json={"rule": "shipment_not_received"}).json()
    second = api.post("/api/v1/detection/runs", json={"as_of": "2025-12-31"}).json()
    listed = api.get("/api/v1/detection/runs", "auditor").json()
    assert [r["run_id"] for r in listed["items"]] == [second["run_id"], first["run_id"]]
    assert listed["next_before"] is None
    latest, earliest = listed["items"]
    assert earliest["rules"] == ["shipment_not_received"] and earliest["actor"].startswith("key:")
    assert earliest["counts"]["by_code"] == {"shipment_not_received": 1}
    assert latest["as_of"].startswith("2026-01-01T00:00:00") and len(latest["rules"]) > 10
    assert latest["parameters"]["receipt_days"] == "30" and latest["duration_ms"] >= 0
    page = api.get("/api/v1/detection/runs", params={"limit": 1}).json()
    assert page["items"] == [latest] and page["next_before"] == second["run_id"]
    rest = api.get("/api/v1/detection/runs", params={"before": page["next_before"]}).json()
    assert rest["items"] == [earliest]
    too_many = api.get("/api/v1/detection/runs", params={"limit": 5000})
    assert too_many.status_code == 422 and "limit" in too_many.text
    too_far = api.get("/api/v1/detection/runs", params={"before": 2**31})
    assert too_far.status_code == 422 and "before" in too_far.text


def test_case_work_through_the_api(api: Api) -> None:
    _undelivered(api)
    api.post("/api/v1/detection/runs", json={"rule": "shipment_not_received"})
    [alert] = api.get("/api/v1/alerts", params={"status": "open"}).json()["items"]
    url = f"/api/v1/alerts/{alert['alert_id']}"
    assigned = api.post(f"{url}/assignment", json={"assignee": "wang", "note": "call the buyer"})
    assert assigned.json()["status"] == "under_review" and assigned.json()["assignee"] == "wang"
    api.post(f"{url}/notes", json={"note": "the buyer denies delivery"})
    closed = api.post(f"{url}/closing", json={"outcome": "confirmed", "note": "diverted"})
    assert closed.json()["status"] == "confirmed"
    again = api.post(f"{url}/closing", json={"outcome": "dismissed", "note": "changed my mind"})
    assert again.status_code == 409 and "cannot become dismissed" in again.text
    history = api.get(url, "auditor").json()["history"]
    assert [h["action"] for h in history] == ["status", "note", "status"]
    assert all(h["actor"].startswith("key:") for h in history)
    risk = api.get("/api/v1/risk", "auditor").json()["items"]
    assert {r["enterprise_id"]: r["score"] for r in risk} == {f.MINER: 20, f.SEPARATOR: 20}
    assert api.get("/api/v1/risk.csv").text.startswith("enterprise_id,score,level")


def test_bad_requests_name_the_field(api: Api) -> None:
    bad_rule = api.post("/api/v1/detection/runs", json={"rule": "no_such_rule"})
    assert bad_rule.status_code == 422 and "rule" in bad_rule.text
    bad_day = api.post("/api/v1/detection/runs", json={"as_of": "31/12/2025"})
    assert bad_day.status_code == 422 and "as_of" in bad_day.text
    missing = api.get("/api/v1/alerts/A-missing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    no_note = api.post("/api/v1/alerts/A-missing/closing", json={"outcome": "confirmed"})
    assert no_note.status_code == 422 and "note" in no_note.text
    wrong = api.post("/api/v1/alerts/A-missing/closing", json={"outcome": "maybe", "note": "x"})
    assert wrong.status_code == 422 and "outcome" in wrong.text


def test_enterprises_and_customs_see_no_alerts(api: Api) -> None:
    for who in ("miner", "customs", None):
        assert api.get("/api/v1/alerts", who).status_code in (401, 403)
        assert api.get("/api/v1/risk", who).status_code in (401, 403)
    assert api.post("/api/v1/detection/runs", "auditor", json={}).status_code == 403


def test_alerts_come_whole_or_a_page_at_a_time_in_the_same_order(api: Api) -> None:
    for n in range(3):
        api.events("regulator", f.extraction(f"LOT-P{n}", "100", {"Nd": "0.2"}))
        api.events("regulator", f.shipment(f.MINER, f.SEPARATOR, [(f"LOT-P{n}", "40")]))
    assert api.post("/api/v1/detection/runs", json={}).status_code == 201
    whole = api.get("/api/v1/alerts", "auditor").json()
    assert set(whole) == {"items"} and len(whole["items"]) >= 3  # unchanged without limit

    pages, offset = [], 0
    while offset is not None:
        page = api.get("/api/v1/alerts", "auditor", params={"limit": 2, "offset": offset}).json()
        assert page["total"] == len(whole["items"]) and len(page["items"]) <= 2
        pages += page["items"]
        offset = page["next_offset"]
    assert pages == whole["items"]

    code = whole["items"][-1]["code"]
    one = api.get("/api/v1/alerts", params={"code": code, "limit": 1}).json()
    assert one["total"] == sum(a["code"] == code for a in whole["items"])
    assert one["items"][0]["code"] == code
    rows = api.get("/api/v1/alerts.csv", params={"limit": 1, "offset": 1}).text.splitlines()
    assert len(rows) == 2 and whole["items"][1]["alert_id"] in rows[1]
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"offset": 5}):
        refused = api.get("/api/v1/alerts", params=bad)
        assert refused.status_code == 422, bad
        assert next(iter(bad)) in refused.text
