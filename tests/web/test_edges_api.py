"""Every request body is read one way; errors have one shape; CSV cells never run."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from rareledger.errors import Conflict, Forbidden, Invalid, LedgerError, NotFound
from rareledger.services.reporting import Acknowledgement
from rareledger.store.database import Database, StoreError
from rareledger.web.errors import RateLimited, TooLarge, Unauthenticated, refusal, status_of
from tests import factories as f
from tests.web.conftest import Api, make_api

JSON_ROUTES = [
    "/api/v1/events",
    "/api/v1/master-data",
    "/api/v1/licence-applications",
    "/api/v1/customs/checks",
    "/api/v1/passports/verify",
    "/api/v1/auth/token",
    "/api/v1/detection/runs",
    "/api/v1/alerts/A-0/notes",
]
BAD_BODIES = {
    "syntax": (b"{not json", "not valid JSON"),
    "nan": (b'{"events": [NaN]}', "NaN is not a number"),
    "infinity": (b'{"events": [Infinity]}', "Infinity is not a number"),
    "surrogate": (b'{"events": ["\\ud800"]}', "lone surrogate"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
}


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app for the body tests: reading a body does not depend on the database."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('bodies') / 'ledger.db'}")
    database.initialise()
    made = make_api(database)
    yield made
    made.client.close()
    database.dispose()


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_every_route_refuses_a_bad_body_alike(reader: Api, route: str, kind: str) -> None:
    content, problem = BAD_BODIES[kind]
    headers = {**reader.headers("regulator"), "Content-Type": "application/json"}
    response = reader.client.post(route, content=content, headers=headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed_json" and problem in error["message"]
    assert error["message"].startswith("the body")


def test_a_model_body_is_checked_with_the_query_parameters_shape(reader: Api) -> None:
    response = reader.post("/api/v1/auth/token", None, json={"username": "x", "password": 5})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"].startswith("password")
    assert error["details"][0]["field"] == "password"


def test_csv_answers_quote_formulas_and_keep_numbers(api: Api) -> None:
    api.events("regulator", f.extraction("LOT-D", "100", {"Nd": "0.2"}))
    api.events("regulator", f.shipment(f.MINER, f.SEPARATOR, [("LOT-D", "40")]))
    api.post("/api/v1/detection/runs", json={"rule": "shipment_not_received"})
    [alert] = api.get("/api/v1/alerts").json()["items"]
    formula = '=HYPERLINK("http://evil.example","open me")'
    url = f"/api/v1/alerts/{alert['alert_id']}/assignment"
    assert api.post(url, json={"assignee": formula}).status_code == 200
    [row] = csv.DictReader(io.StringIO(api.get("/api/v1/alerts.csv").text))
    assert row["assignee"] == "'" + formula and row["alert_id"] == alert["alert_id"]
    risks = list(csv.DictReader(io.StringIO(api.get("/api/v1/risk.csv").text)))
    assert {r["enterprise_id"] for r in risks} == {f.MINER, f.SEPARATOR}
    assert all(int(r["score"]) > 0 for r in risks)  # numbers stay numbers


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("x"), 404),
        (Conflict("x"), 409),
        (Invalid("x"), 422),
        (TooLarge("x"), 413),
        (Forbidden("x"), 403),
        (Unauthenticated("x"), 401),
        (RateLimited("x", 3), 429),
        (StoreError("cannot open postgresql://user:secret@host/db"), 500),
        (LedgerError("x"), 500),
    ],
)
def test_the_tree_maps_to_http_by_its_nearest_branch(error: LedgerError, status: int) -> None:
    assert status_of(error) == status


def test_a_store_error_in_a_request_says_nothing_of_itself(reader: Api) -> None:
    def broken() -> None:
        raise StoreError("cannot open postgresql://user:secret@host/db")

    reader.client.app.add_api_route("/api/v1/broken", broken)  # type: ignore[attr-defined]
    response = reader.client.get("/api/v1/broken")
    assert response.status_code == 500 and "secret" not in response.text
    assert response.json()["error"]["code"] == "internal_error"


def test_a_refused_record_answers_409_for_a_used_id_and_422_otherwise() -> None:
    used = Acknowledgement(
        "x1",
        "rejected",
        errors=[{"code": "event_id_conflict", "field": "event_id", "message": "used", "value": 1}],
    )
    bad = Acknowledgement(
        "x2", "rejected", errors=[{"code": "type", "field": "", "message": "not an object"}]
    )
    conflict, invalid = refusal(used, "event"), refusal(bad, "export")
    assert isinstance(conflict, Conflict) and conflict.code == "event_id_conflict"
    assert conflict.message == "event_id: used" and conflict.details["id"] == "x1"
    assert isinstance(invalid, Invalid) and invalid.message == "export: not an object"
