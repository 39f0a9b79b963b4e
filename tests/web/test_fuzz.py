"""Bad input never yields a 500: fuzzing every route as every role on SQLite and PostgreSQL.

- Schemathesis generates requests for every operation of the OpenAPI document, each sent as
  a role drawn with it, to a backend drawn with it (PostgreSQL when it is configured);
- a stateful run follows the links Schemathesis infers between operations (a listing's ids
  into the routes that take them), roles taking turns;
- Hypothesis mutates valid reports field by field, and sends hostile JSON to every route
  that reads a body.

All are bounded so that the whole module runs in about a minute.
"""

from __future__ import annotations

import copy
import json
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from rareledger.store.database import Database
from tests import factories as f
from tests.conftest import POSTGRES_URL
from tests.web.conftest import Api, make_api

ROLES = ("regulator", "auditor", "customs", "miner", None)  # None: anonymous
FUZZ_SETTINGS = {"rate_limit": "1000000/minute", "address_failures": 3}


def _seed(api: Api) -> Api:
    """Master data, an event, a lot with a gap in its provenance, and an alert to work on."""
    api.post("/api/v1/master-data", json={"records": f.world()})
    api.events("miner", f.extraction("LOT-A", "100", event_id="x1"))
    old = "2025-01-01T00:00:00+08:00"  # late, and never received: alerts to work on
    shipped = f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "500")], event_id="s/1", occurred_at=old)
    api.events("miner", shipped)
    api.post("/api/v1/detection/runs", json={})
    return api


def _sqlite_api() -> Api:
    """An app on its own database, built when the module is collected (Schemathesis needs
    the schema then)."""
    database = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.db'}")
    database.initialise()
    return _seed(make_api(database, **FUZZ_SETTINGS))


SQLITE = _sqlite_api()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", SQLITE.client.app)
APPS: dict[str, Api] = {"sqlite": SQLITE}


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, Api]]:
    """The SQLite app, and one on PostgreSQL when it is configured."""
    name = f"rl_fuzz_{uuid.uuid4().hex[:8]}"
    admin_url = (POSTGRES_URL or "").rsplit("/", 1)[0] + "/postgres"
    if POSTGRES_URL:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        database = Database(POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}")
        database.initialise()
        APPS["postgresql"] = _seed(make_api(database, **FUZZ_SETTINGS))
    yield APPS
    for api in APPS.values():
        api.client.close()
        api.database.dispose()
    if POSTGRES_URL:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _pick(apps: dict[str, Api], index: int) -> Api:
    backends = sorted(apps)
    return apps[backends[index % len(backends)]]


def _answered(response: Any, who: str | None) -> None:
    assert response.status_code < 500, (who, response.text)
    if response.status_code >= 400:
        body = response.json()
        if "/epcis" in str(response.request.url) and "error" not in body:
            # the EPCIS REST binding's own shape: an RFC 7807 problem naming each field
            assert {"type", "title", "status", "detail", "errors"} <= set(body)
        else:
            assert set(body["error"]) == {"code", "message", "details"}


@schema.parametrize()
@schema.given(who=st.sampled_from(ROLES), backend=st.integers(0, 1))
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_for_any_request(
    apps: dict[str, Api], case: Any, who: str | None, backend: int
) -> None:
    api = _pick(apps, backend)
    _answered(case.call(app=api.client.app, headers=api.headers(who)), who)


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls that feed one answer's ids into the next request."""

    backend = "sqlite"

    def setup(self) -> None:
        self.turn = 0

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        self.turn += 1
        api = APPS[self.backend]
        return {"app": api.client.app, "headers": api.headers(ROLES[self.turn % len(ROLES)])}

    def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
        _answered(response, ROLES[self.turn % len(ROLES)])


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_stateful_sequences_never_fail(apps: dict[str, Api], backend: str) -> None:
    if backend not in apps:
        pytest.skip("PostgreSQL not configured: set RARELEDGER_TEST_POSTGRES_URL")

    class OnBackend(Workflow):
        pass

    OnBackend.backend = backend
    OnBackend.run(
        settings=settings(
            max_examples=8,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


hostile_text = st.sampled_from(
    ["", "\u0000", "a\u0000b", "=HYPERLINK(1)", "../../etc", "%00", "x" * 5000, "9" * 400]
) | st.text(max_size=20)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63) - 1, 10**30])
    | st.sampled_from([Decimal("1E+999999"), Decimal("-1e1000000"), Decimal("1e-400")])
    | st.decimals(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
REPORTS = [
    f.extraction("LOT-F", "10"),
    f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1")]),
    f.receipt(f.SEPARATOR, "s/1", [("LOT-A", "1")]),
    f.export(f.EXPORTER, [("LOT-A", "1")]),
    f.import_("LOT-I"),
    f.adjustment(f.MINER, "LOT-A", "-1"),
    f.processing(f.SEPARATOR, [("LOT-A", "1")], [("LOT-P", "oxide", "1", {"Nd": "0.5"})]),
    f.correction(f.MINER, "x1", f.extraction("LOT-A", "5")),
]


_BODIES: dict[str, list[tuple[str, str, Any]]] = {}


def _bodies(api: Api) -> list[tuple[str, str, Any]]:
    """A valid body for every route that reads one (method, path, body)."""
    if api.database.url not in _BODIES:
        _BODIES[api.database.url] = _made_bodies(api)
    return _BODIES[api.database.url]


def _made_bodies(api: Api) -> list[tuple[str, str, Any]]:
    alerts = api.get("/api/v1/alerts").json()["items"]
    alert = f"/api/v1/alerts/{alerts[0]['alert_id'] if alerts else 'A-0'}"
    application = {
        "type": "licence_application",
        "application_id": "APP-F",
        "applicant": f.EXPORTER,
        "licence_type": "single",
        "items": [
            {
                "form": "oxide",
                "elements": ["Dy"],
                "description": "d",
                "hs_code": "284690",
                "quantity_kg": "5",
            }
        ],
        "consignee": {"name": "Buyer GmbH", "country": "DE", "address": "Hamburg"},
        "end_user": {"name": "Motor AG", "country": "DE"},
        "end_use": "motors",
        "destination_country": "DE",
        "contract_no": "C-1",
        "submitted_at": "2025-05-05T10:00:00+08:00",
    }
    return [
        *(("POST", "/api/v1/events", {"events": [r]}) for r in REPORTS),
        ("PUT", "/api/v1/events/x1", f.extraction("LOT-A", "100", event_id="x1")),
        ("POST", "/api/v1/master-data", {"records": [f.enterprise("E-F", ["trader"])]}),
        ("POST", "/api/v1/licence-applications", {"records": [application]}),
        ("POST", "/api/v1/customs/checks", f.export(f.EXPORTER, [("LOT-A", "1")])),
        ("POST", "/api/v1/passports/verify", {"passport": {"evidence": []}, "signature": {}}),
        ("POST", "/api/v1/auth/token", {"username": "regulator", "password": "x" * 12}),
        ("POST", "/api/v1/detection/runs", {"as_of": "2025-06-30", "rule": "late_report"}),
        ("POST", f"{alert}/notes", {"note": "seen"}),
        ("POST", f"{alert}/assignment", {"assignee": "wang", "note": "yours"}),
        ("POST", f"{alert}/closing", {"outcome": "dismissed", "note": "fine"}),
    ]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _mutate(record: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(record)
    target: Any = mutated
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return mutated


def _dumps(value: Any) -> str:
    """JSON text in which a Decimal is written as the number it is (``1E+999999`` too)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


def _send(api: Api, method: str, path: str, who: str | None, body: str) -> Any:
    headers = {**api.headers(who), "Content-Type": "application/json"}
    return api.client.request(method, path, content=body.encode(), headers=headers)


@given(data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_mutated_bodies_on_every_route_are_answered(
    apps: dict[str, Api], data: st.DataObject
) -> None:
    """A valid body with one value (or the whole body) replaced by a hostile one."""
    api = _pick(apps, data.draw(st.integers(0, 1)))
    method, path, body = data.draw(st.sampled_from(_bodies(api)))
    where = data.draw(st.sampled_from([(), *_paths(body)]))
    hostile = data.draw(json_values)
    mutated = _mutate(body, where, hostile) if where else hostile
    who = data.draw(st.sampled_from(ROLES))
    response = _send(api, method, path, who, _dumps(mutated))
    _answered(response, who)
    if path == "/api/v1/events" and response.status_code == 200:
        for receipt in response.json()["receipts"]:
            assert receipt["status"] in ("accepted", "duplicate", "rejected")
            for error in receipt["errors"]:
                assert error["code"] and isinstance(error["field"], str) and error["message"]


SWEEP = ["a\u0000b", 10**30, Decimal("-1E+1000000")]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_every_field_of_every_body_takes_hostile_values(apps: dict[str, Api], backend: str) -> None:
    """Each value of each valid body replaced in turn by a NUL string, an integer beyond 64
    bits and a decimal with a million-digit exponent: every answer is a 2xx or a 4xx."""
    if backend not in apps:
        pytest.skip("PostgreSQL not configured: set RARELEDGER_TEST_POSTGRES_URL")
    api = apps[backend]
    for method, path, body in _bodies(api):
        for where in _paths(body):
            for value in SWEEP:
                response = _send(
                    api, method, path, "regulator", _dumps(_mutate(body, where, value))
                )
                _answered(response, f"regulator at {path} {where} = {value!r}")
