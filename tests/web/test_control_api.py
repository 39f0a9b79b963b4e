"""Export control through the API."""

from __future__ import annotations

from rareledger.services import accounts
from tests import factories as f
from tests.services.test_export_control import application, decision
from tests.web.conftest import Api


def _setup(api: Api) -> None:
    from rareledger.services import export_control as ec

    ec.seed_regimes(api.database)
    api.post(
        "/api/v1/master-data",
        json={"records": [f.enterprise(f.EXPORTER, ["exporter", "importer"])]},
    )
    api.events("regulator", f.import_("LOT-MX", "2000", reporter=f.EXPORTER))


def test_classification_endpoint(api: Api) -> None:
    _setup(api)
    answer = api.get(
        "/api/v1/classification",
        "customs",
        params={"form": "magnet", "composition": '{"Dy": 0.04}', "on": "2025-06-01"},
    ).json()
    assert answer["controlled"] and answer["codes"] == ["1C905"]
    bad = api.get("/api/v1/classification", "customs", params={"composition": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("composition")


def test_apply_decide_check_and_figures(api: Api) -> None:
    _setup(api)
    api.keys["exporter"] = accounts.create_api_key(api.database, "exp", "enterprise", f.EXPORTER)[1]
    applied = api.post(
        "/api/v1/licence-applications", "exporter", json={"records": [application("A")]}
    ).json()["receipts"]
    assert applied[0]["status"] == "accepted"
    other = api.post(
        "/api/v1/licence-applications", "miner", json={"records": [application("B")]}
    ).json()["receipts"]
    assert other[0]["errors"][0]["code"] == "reporter_mismatch"
    api.post("/api/v1/master-data", json={"records": [decision("A")]})
    mine = api.get("/api/v1/licences", "exporter").json()["items"]
    assert [x["licence_no"] for x in mine] == ["LIC-A"]
    assert api.get("/api/v1/licences", "miner").json()["items"] == []
    proposed = f.export(
        f.EXPORTER,
        [("LOT-MX", "50")],
        licence_no="LIC-A",
        hs_code="2846901993",
        customs_declaration_no="CD-API",
    )
    check = api.post("/api/v1/customs/checks", "customs", json=proposed)
    assert check.status_code == 200
    assert (check.json()["decision"], check.json()["remaining_kg"]) == ("release", "450.000")
    assert set(check.json()) == {  # the document `rareledger customs check --json` prints
        "check_id",
        "position",
        "decision",
        "licence_no",
        "remaining_kg",
        "reasons",
        "classification",
    }
    assert api.post("/api/v1/customs/checks", "miner", json=proposed).status_code == 403
    same = api.post("/api/v1/customs/checks", "customs", json=proposed)
    assert same.status_code == 200 and same.json()["decision"] == "release"  # idempotent
    again = api.post("/api/v1/customs/checks", "customs", json={**proposed, "event_id": "c2"})
    assert again.status_code == 422 and again.json()["error"]["code"] == "already_released"
    figures = api.get("/api/v1/figures/licences", "auditor").json()
    assert figures["review"]["decided"] == 1
    csv_text = api.get("/api/v1/figures/licences.csv", "regulator").text
    assert csv_text.startswith(
        "basis,licence_no,elements,destination_country,licensed_kg,exported_kg,"
        "exported_under_licence_kg\r\ngoods_mass,"
    )
    regimes = api.get("/api/v1/regimes", "exporter").json()["items"]
    assert {r["id"] for r in regimes} == {"CN-MOFCOM-GAC-2025-18", "CN-MOFCOM-GAC-2025-57"}
    apps = api.get("/api/v1/licence-applications", "exporter").json()["items"]
    assert [a["application_id"] for a in apps] == ["A"]


def test_trace_through_the_api(api: Api) -> None:
    api.events("regulator", f.extraction("LOT-T", "100", {"Nd": "0.2"}))
    up = api.get("/api/v1/lots/LOT-T/trace", "auditor").json()
    assert up["origins"][0]["shares"] == {"Nd": "1.000000"}
    down = api.get("/api/v1/lots/LOT-T/trace", "customs", params={"direction": "down"}).json()
    assert down["holders"] == [{"enterprise_id": f.MINER, "lot_id": "LOT-T", "mass_kg": "100.000"}]
    graphml = api.get("/api/v1/lots/LOT-T/trace", "auditor", params={"format": "graphml"})
    assert graphml.text.startswith("<?xml") and "LOT-T" in graphml.text
    assert api.get("/api/v1/lots/NONE/trace", "auditor").status_code == 404
    assert api.get("/api/v1/lots/LOT-T/trace", "miner").status_code == 403


def test_trace_pages_through_the_api(api: Api) -> None:
    api.events(
        "regulator",
        f.extraction("LOT-U", "100", {"Nd": "0.2"}),
        f.extraction("LOT-V", "100", {"Nd": "0.2"}),
        f.processing(
            f.SEPARATOR,
            [("LOT-U", "10"), ("LOT-V", "10")],
            [("LOT-W", "oxide", "4", {"Nd": "0.5"})],
            facility_id=f.PLANT,
        ),
    )
    first = api.get("/api/v1/lots/LOT-W/trace", "auditor", params={"limit": 1}).json()
    assert [lot["lot_id"] for lot in first["lots"]] == ["LOT-W", "LOT-U"]
    assert first["more"] is True and "total_lots" not in first
    params = {"limit": 1, "cursor": first["next_cursor"]}
    second = api.get("/api/v1/lots/LOT-W/trace", "auditor", params=params).json()
    assert [lot["lot_id"] for lot in second["lots"]] == ["LOT-W", "LOT-V"]
    assert second["next_cursor"] is None and second["origins"] == first["origins"]
    assert second["more"] is False
    counted = api.get("/api/v1/lots/LOT-W/trace", "auditor", params={"count": "true"}).json()
    assert counted["total_lots"] == 2
    for cursor in ("LOT-U", "WzAsICJBIl0"):  # a bare lot id; depth 0
        answer = api.get("/api/v1/lots/LOT-W/trace", "auditor", params={"cursor": cursor})
        assert answer.status_code == 422 and "cursor" in answer.text
    for limit in (0, 1001):
        answer = api.get("/api/v1/lots/LOT-W/trace", "auditor", params={"limit": limit})
        assert answer.status_code == 422 and "limit" in answer.text
    custody = api.get("/api/v1/lots/LOT-W/trace", "auditor", params={"custody": "page"}).json()
    assert {m["lot_id"] for m in custody["custody"]} == {"LOT-U", "LOT-V", "LOT-W"}
    assert {m["lot_id"] for m in first["custody"]} == {"LOT-W"}
    answer = api.get("/api/v1/lots/LOT-W/trace", "auditor", params={"custody": "all"})
    assert answer.status_code == 422 and "custody" in answer.text


def test_passport_verification_is_public(api: Api) -> None:
    from rareledger.services import passports

    api.events("regulator", f.extraction("LOT-P", "100", {"Dy": "0.2"}))
    passports.create_key(api.database, "a long test passphrase")
    document = passports.issue(api.database, "LOT-P", passphrase="a long test passphrase")
    keys = api.get("/api/v1/keys", None).json()["items"]
    assert keys[0]["public_key"].startswith("-----BEGIN PUBLIC KEY")
    assert "encrypted_private_key" not in keys[0]
    ok = api.post("/api/v1/passports/verify", None, json=document).json()
    assert ok == {"valid": True, "reasons": ["signature valid, evidence unchanged in the ledger"]}
    document["passport"]["lot"]["mass_kg"] = "5.000"
    assert api.post("/api/v1/passports/verify", None, json=document).json()["valid"] is False
    assert api.post("/api/v1/passports/verify", None, json=[1]).json()["valid"] is False
