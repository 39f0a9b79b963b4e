"""The EPCIS 2.0 REST binding: capture (jobs and single events), duplicates, rejections in
EPCIS terms, the query parameters, pagination and tenant isolation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rareledger.formats.epcis.hashing import hash_id
from rareledger.services.epcis import read_body
from tests import factories as f
from tests.conftest import SHARED
from tests.epcis.helpers import GENERIC, document, single
from tests.web.conftest import Api

SCHEMA = SHARED / "epcis" / "gs1-examples" / "EPCIS-JSON-Schema.json"
VECTORS = SHARED / "epcis" / "hash-vectors"


def schema_errors(answer: dict[str, Any]) -> list[str]:
    """Where an answer breaks the GS1 JSON schema (skips when ../shared is absent)."""
    if not SCHEMA.is_file():
        pytest.skip("../shared/epcis is absent: no GS1 JSON schema to validate against")
    import jsonschema

    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(answer)]


def capture(api: Api, who: str, body: dict[str, Any], **headers: str) -> Any:
    return api.post("/epcis/capture", who, json=body, headers=headers)


def test_a_capture_job_records_vocabulary_events_in_the_ledger(api: Api) -> None:
    extraction = f.extraction("LOT-E1", event_id="ev-e1")
    response = capture(api, "miner", document(extraction))
    assert response.status_code == 202, response.text
    job = api.get(response.headers["Location"], "miner").json()
    assert (job["running"], job["success"], job["errors"]) == (False, True, [])
    native = api.get("/api/v1/events/ev-e1", "miner").json()
    assert native["type"] == "extraction"
    assert native["record"]["epcis_event_hash"].startswith("ni:///sha-256;")
    balance = api.get(f"/api/v1/enterprises/{f.MINER}/balance", "miner").json()
    assert "LOT-E1" in json.dumps(balance)


def test_a_capture_job_lists_each_rejected_event_with_its_field_and_rule(api: Api) -> None:
    bad = f.extraction("LOT-E2", composition={"Dy": "2"}, event_id="ev-e2")
    response = capture(api, "miner", document(bad), **{"GS1-Capture-Error-Behaviour": "proceed"})
    job = response.json()
    assert (job["running"], job["success"]) == (False, False)
    error = job["errors"][0]["errors"][0]
    assert error["code"] == "composition_range"
    assert error["field"] == "ilmd.rl:lot[0].rl:composition.Dy"
    assert api.get("/epcis/capture", "miner").json()[0]["captureID"] == job["captureID"]
    assert api.get(f"/epcis/capture/{job['captureID']}", "trader").status_code == 404


def test_rollback_stores_nothing_when_one_event_fails(api: Api) -> None:
    good = f.extraction("LOT-R1", event_id="ev-r1")
    bad = f.extraction("LOT-R2", mass="-5", event_id="ev-r2")
    job = capture(api, "miner", document(good, bad)).json()
    assert job["success"] is False
    assert {e["errors"][0]["code"] for e in job["errors"]} == {"rolled_back", "mass_not_positive"}
    assert api.get("/api/v1/events/ev-r1", "miner").status_code == 404


def test_one_event_is_created_then_refused_as_a_duplicate(api: Api) -> None:
    body = single(f.extraction("LOT-D1", event_id="ev-d1"))
    first = api.post("/epcis/events", "miner", json=body)
    assert first.status_code == 201, first.text
    assert first.headers["Location"] == "/epcis/events/urn%3Arareledger%3Aevent%3Aev-d1"
    again = api.post("/epcis/events", "miner", json={**body, "eventID": "urn:uuid:other"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["errors"][0]["code"] == "epcis_duplicate"


def test_a_natively_reported_event_is_a_duplicate_in_epcis_too(api: Api) -> None:
    extraction = f.extraction("LOT-N1", event_id="ev-n1")
    api.events("miner", extraction)
    again = api.post("/epcis/events", "miner", json=single(extraction))
    assert again.status_code == 409


def test_a_rejection_names_the_epcis_field_and_the_rule(api: Api) -> None:
    body = single(f.extraction("LOT-X1", event_id="ev-x1", reporter=f.TRADER))
    answer = api.post("/epcis/events", "trader", json=body)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert problem["errors"][0]["code"] == "role_not_permitted"
    assert problem["errors"][0]["field"] == "type"
    wrong_unit = single(f.extraction("LOT-X2"))
    wrong_unit["quantityList"][0]["uom"] = "TNE"
    error = api.post("/epcis/events", "miner", json=wrong_unit).json()["errors"][0]
    assert (error["code"], error["field"]) == ("unit", "quantityList[0].uom")


def test_an_enterprise_reports_only_as_itself(api: Api) -> None:
    answer = api.post("/epcis/events", "trader", json=single(f.extraction("LOT-X3")))
    assert answer.json()["errors"][0]["code"] == "reporter_mismatch"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**GENERIC, "@context": ["https://example.com/other-context.jsonld"]}, "remote_context"),
        (
            {**GENERIC, "@context": [GENERIC["@context"][0], {"cbv": "https://x/"}]},
            "protected_term",
        ),
        ({**GENERIC, "@context": None}, "required"),
        ({"@context": GENERIC["@context"], "type": "Invoice"}, "unknown_document_type"),
    ],
)
def test_documents_that_break_the_binding_are_refused(api: Api, body: Any, code: str) -> None:
    answer = api.post("/epcis/events", "regulator", json=body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == code


def test_an_invalid_event_names_the_field(api: Api) -> None:
    answer = api.post("/epcis/events", "regulator", json={**GENERIC, "action": "MOVE"})
    error = answer.json()["errors"][0]
    assert (error["code"], error["field"]) == ("invalid_event", "action")


HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>&b;</epcis:EPCISDocument>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>&e;</epcis:EPCISDocument>",
]


@pytest.mark.parametrize("body", HOSTILE, ids=["entity-expansion", "external-entity"])
def test_hostile_xml_is_refused_with_a_4xx(api: Api, body: bytes) -> None:
    answer = api.post(
        "/epcis/capture", "regulator", content=body, headers={"content-type": "application/xml"}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "forbidden_xml"


def test_malformed_bodies_are_refused(api: Api) -> None:
    for body, kind in ((b"{not json", "application/json"), (b"<a><b></a>", "application/xml")):
        answer = api.post(
            "/epcis/capture", "regulator", content=body, headers={"content-type": kind}
        )
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] in ("malformed_json", "malformed_xml")


@pytest.mark.skipif(not VECTORS.is_dir(), reason="../shared/epcis/hash-vectors is absent")
def test_xml_documents_are_captured_and_found_by_their_hash_id(api: Api) -> None:
    data = (VECTORS / "ReferenceEventHashAlgorithm.xml").read_bytes()
    expected = (VECTORS / "ReferenceEventHashAlgorithm.hashes").read_text().split()[0]
    answer = api.post(
        "/epcis/capture", "regulator", content=data, headers={"content-type": "application/xml"}
    )
    assert answer.json()["success"] is True, answer.text
    found = api.get("/epcis/events", "regulator", params={"EQ_eventID": expected}).json()
    events = found["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in events] == [expected]
    again = api.post(
        "/epcis/capture",
        "regulator",
        content=(VECTORS / "ReferenceEventHashAlgorithm.jsonld").read_bytes(),
        headers={"content-type": "application/ld+json", "GS1-Capture-Error-Behaviour": "proceed"},
    )
    assert again.json()["errors"][0]["status"] == 409  # the JSON-LD twin hashes alike


def _events(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert schema_errors(body) == []
    events: list[dict[str, Any]] = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return events


@pytest.fixture
def chain(api: Api) -> Api:
    """An extraction, a shipment miner -> trader, its receipt, and a generic event."""
    extraction = f.extraction("LOT-Q1", "100", event_id="ev-q1")
    ship = f.shipment(
        f.MINER,
        f.TRADER,
        [("LOT-Q1", "40")],
        event_id="ev-q2",
        occurred_at="2025-06-05T09:00:00+08:00",
    )
    receive = f.receipt(
        f.TRADER,
        "ev-q2",
        [("LOT-Q1", "40")],
        event_id="ev-q3",
        occurred_at="2025-06-06T09:00:00+08:00",
    )
    assert capture(api, "miner", document(extraction, ship)).json()["success"]
    assert capture(api, "trader", document(receive)).json()["success"]
    assert capture(
        api,
        "regulator",
        {
            **document(),
            "@context": GENERIC["@context"],
            "epcisBody": {"eventList": [{k: v for k, v in GENERIC.items() if k != "@context"}]},
        },
    ).json()["success"]
    return api


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["ev-q1", "ev-q2", "ev-q3", "generic"]),
        ({"eventType": "ObjectEvent"}, ["ev-q1", "ev-q2", "ev-q3", "generic"]),
        ({"eventType": "TransformationEvent"}, []),
        ({"EQ_bizStep": "shipping"}, ["ev-q2", "generic"]),
        ({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:receiving"}, ["ev-q3"]),
        ({"EQ_disposition": "active"}, ["ev-q1"]),
        (
            {
                "GE_eventTime": "2025-06-05T00:00:00+08:00",
                "LT_eventTime": "2025-06-06T00:00:00+08:00",
            },
            ["ev-q2"],
        ),
        ({"MATCH_epcClass": "urn:rareledger:lot:LOT-Q1"}, ["ev-q1", "ev-q2", "ev-q3"]),
        (
            {"MATCH_anyEPCClass": "urn:rareledger:lot:LOT-Q1|urn:rareledger:lot:none"},
            ["ev-q1", "ev-q2", "ev-q3"],
        ),
        ({"MATCH_epc": "https://id.gs1.org/01/10614141073464/21/2018"}, ["generic"]),
        ({"MATCH_epc": "urn:epc:idpat:sgtin:0614141.107346.*"}, ["generic"]),
        ({"EQ_readPoint": "urn:rareledger:facility:F-MINE"}, ["ev-q1"]),
        ({"EQ_bizLocation": "urn:rareledger:facility:F-MINE"}, []),
        ({"EQ_destination_owning_party": f"urn:rareledger:enterprise:{f.TRADER}"}, ["ev-q2"]),
        ({"EQ_source_owning_party": "urn:epc:id:pgln:0614141.00000"}, ["generic"]),
        ({"EQ_eventID": "urn:rareledger:event:ev-q3"}, ["ev-q3"]),
        ({"GE_recordTime": "2000-01-01T00:00:00Z", "EQ_action": "ADD"}, ["ev-q1"]),
    ],
)
def test_query_parameters(chain: Api, params: dict[str, str], expected: list[str]) -> None:
    events = _events(chain.get("/epcis/events", "regulator", params=params))
    names = [
        "generic" if e["eventID"].startswith("ni:") else e["eventID"].rsplit(":", 1)[1]
        for e in events
    ]
    assert names == expected


def test_pages_follow_the_next_page_token(chain: Api) -> None:
    seen = []
    answer = chain.get("/epcis/events", "regulator", params={"perPage": "3"})
    seen += _events(answer)
    assert "nextPageToken=" in answer.headers["Link"]
    following = answer.headers["Link"].split(">")[0].lstrip("<")
    answer = chain.get(following, "regulator")
    seen += _events(answer)
    assert "Link" not in answer.headers
    assert len(seen) == 4 and len({e["eventID"] for e in seen}) == 4


def test_unsupported_or_invalid_parameters_are_refused(chain: Api) -> None:
    for params in (
        {"EQ_quantity": "5"},
        {"GE_eventTime": "yesterday"},
        {"perPage": "0"},
        {"eventType": "Invoice"},
        {"nextPageToken": "xyz"},
    ):
        answer = chain.get("/epcis/events", "regulator", params=params)
        assert answer.status_code == 400, params
        assert answer.json()["type"] == "epcisException:QueryParameterException"


def test_an_enterprise_sees_what_it_sees_in_the_rest_of_the_api(chain: Api) -> None:
    miner = {e["eventID"] for e in _events(chain.get("/epcis/events", "miner"))}
    trader = {e["eventID"] for e in _events(chain.get("/epcis/events", "trader"))}
    separator = _events(chain.get("/epcis/events", "separator"))
    assert miner == {f"urn:rareledger:event:{e}" for e in ("ev-q1", "ev-q2", "ev-q3")}
    assert trader == {f"urn:rareledger:event:{e}" for e in ("ev-q2", "ev-q3")}
    assert separator == []
    assert chain.get("/epcis/events/urn:rareledger:event:ev-q1", "trader").status_code == 404
    assert chain.get("/api/v1/events/ev-q1", "trader").status_code == 404  # the same rule
    one = chain.get("/epcis/events/urn:rareledger:event:ev-q1", "auditor")
    assert _events(one)[0]["eventID"] == "urn:rareledger:event:ev-q1"


def test_stored_events_keep_their_hash_ids(chain: Api) -> None:
    for event in _events(chain.get("/epcis/events", "regulator")):
        body = {
            "@context": chain.get("/epcis/events", "regulator").json()["@context"],
            "type": "EPCISDocument",
            "epcisBody": {"eventList": [event]},
        }
        (parsed,) = read_body(json.dumps(body).encode()).events
        found = chain.get("/epcis/events", "regulator", params={"EQ_eventID": hash_id(parsed)})
        assert [e["eventID"] for e in _events(found)] == [event["eventID"]]


def test_capture_limits_are_enforced(api: Api, tmp_path: Path) -> None:
    del tmp_path
    records = [f.extraction(f"LOT-L{i}") for i in range(3)]
    from tests.web.conftest import make_api

    small = make_api(api.database, max_batch=2)
    answer = small.post("/epcis/capture", "miner", json=document(*records))
    assert answer.status_code == 413
