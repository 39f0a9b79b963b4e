"""Tenant isolation: an enterprise reads its own, and of a counterparty only what it shares."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.web.conftest import Api


@pytest.fixture
def traded(api: Api) -> Api:
    """The miner sells part of LOT-A to the separator, which receives it; the trader is idle."""
    api.events(
        "miner",
        f.extraction("LOT-A", "100", event_id="x1"),
        f.extraction("LOT-B", "100", event_id="x2"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "40")], event_id="s1"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-B", "200")], event_id="s2"),
    )
    api.events("separator", f.receipt(f.SEPARATOR, "s1", [("LOT-A", "40")], event_id="r1"))
    return api


def test_an_enterprise_cannot_report_as_another(traded: Api) -> None:
    receipt = traded.events("trader", f.shipment(f.MINER, f.TRADER, [("LOT-A", "1")]))[0]
    assert receipt["errors"][0]["code"] == "reporter_mismatch"
    response = traded.post("/api/v1/master-data", "miner", json={"records": []})
    assert response.status_code == 403


def test_events_own_and_what_the_counterparty_shares(traded: Api) -> None:
    assert traded.get("/api/v1/events/x1", "miner").status_code == 200
    assert traded.get("/api/v1/events/s1", "separator").status_code == 200  # sold to it
    assert traded.get("/api/v1/events/r1", "miner").status_code == 200  # receipt of its sale
    assert traded.get("/api/v1/events/x1", "separator").status_code == 404
    assert traded.get("/api/v1/events/s1", "trader").status_code == 404
    listed = traded.get("/api/v1/events", "separator").json()["items"]
    assert {e["event_id"] for e in listed} == {"r1"}


def test_balances_only_ones_own(traded: Api) -> None:
    assert traded.get(f"/api/v1/enterprises/{f.SEPARATOR}/balance", "separator").json()["lots"] == [
        {"lot_id": "LOT-A", "mass_kg": "40.000"}
    ]
    response = traded.get(f"/api/v1/enterprises/{f.MINER}/balance", "separator")
    assert response.status_code == 404
    assert traded.get(f"/api/v1/enterprises/{f.MINER}/balance", "auditor").status_code == 200


def test_a_lot_shows_only_the_callers_part(traded: Api) -> None:
    full = traded.get("/api/v1/lots/LOT-A", "regulator").json()
    assert {h["enterprise_id"] for h in full["holders"]} == {f.MINER, f.SEPARATOR}
    mine = traded.get("/api/v1/lots/LOT-A", "separator").json()
    assert mine["holders"] == [{"enterprise_id": f.SEPARATOR, "mass_kg": "40.000"}]
    assert mine["created_by"] is None and "accounts_kg" not in mine
    assert traded.get("/api/v1/lots/LOT-A", "trader").status_code == 404


def test_findings_only_about_oneself(traded: Api) -> None:
    codes = {
        x["enterprise_id"] for x in traded.get("/api/v1/findings", "regulator").json()["items"]
    }
    assert f.MINER in codes
    for who, me in (("miner", f.MINER), ("separator", f.SEPARATOR), ("trader", f.TRADER)):
        seen = traded.get("/api/v1/findings", who, params={"enterprise": f.MINER}).json()
        assert {x["enterprise_id"] for x in seen["items"]} <= {me}
    assert traded.get("/api/v1/findings", "trader").json()["items"] == []


def test_master_data_only_ones_own(traded: Api) -> None:
    mine = traded.get("/api/v1/enterprises", "separator").json()["items"]
    assert [e["id"] for e in mine] == [f.SEPARATOR]
    assert len(traded.get("/api/v1/enterprises", "auditor").json()["items"]) == 7
    facilities = traded.get("/api/v1/facilities", "miner").json()["items"]
    assert [x["id"] for x in facilities] == [f.MINE]


def test_lot_listing_only_what_one_holds(traded: Api) -> None:
    everything = traded.get("/api/v1/lots", "auditor").json()["items"]
    assert {x["lot_id"] for x in everything} == {"LOT-A", "LOT-B"}
    mine = traded.get("/api/v1/lots", "separator").json()["items"]
    assert [x["lot_id"] for x in mine] == ["LOT-A"]
    assert traded.get("/api/v1/lots", "trader").json()["items"] == []
    page = traded.get("/api/v1/lots", "regulator", params={"limit": 1}).json()
    following = traded.get(
        "/api/v1/lots", "regulator", params={"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    assert [x["lot_id"] for x in page["items"] + following["items"]] == ["LOT-A", "LOT-B"]
