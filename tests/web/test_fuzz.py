"""Bad input never yields a 500: fuzzing against the OpenAPI schema, and mutated reports.

Both are bounded so that they run in the normal suite.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rareledger.store.database import Database
from tests import factories as f
from tests.web.conftest import Api, make_api


def _fuzz_api() -> Api:
    """An app on its own database, built when the module is collected (schemathesis needs
    the schema then)."""
    database = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.db'}")
    database.initialise()
    api = make_api(database, rate_limit="1000000/minute")
    api.post("/api/v1/master-data", json={"records": f.world()})
    api.events("miner", f.extraction("LOT-A", "100", event_id="x1"))
    return api


FUZZ = _fuzz_api()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", FUZZ.client.app)


@pytest.fixture(scope="module")
def fuzz_api() -> Iterator[Api]:
    yield FUZZ
    FUZZ.client.close()
    FUZZ.database.dispose()


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_for_any_request(case: Any) -> None:
    for who in ("regulator", "miner", None):
        response = case.call(headers=FUZZ.headers(who))
        assert response.status_code < 500, (who, response.text)
        if response.status_code >= 400:
            body = response.json()
            if case.path.startswith("/epcis") and "error" not in body:
                # the EPCIS REST binding's own shape: an RFC 7807 problem naming each field
                assert {"type", "title", "status", "detail", "errors"} <= set(body)
            else:
                assert set(body["error"]) == {"code", "message", "details"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
TEMPLATES = [
    f.extraction("LOT-F", "10"),
    f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "1")]),
    f.receipt(f.SEPARATOR, "s-none", [("LOT-A", "1")]),
    f.export(f.EXPORTER, [("LOT-A", "1")]),
    f.import_("LOT-I"),
    f.adjustment(f.MINER, "LOT-A", "-1"),
    f.processing(f.SEPARATOR, [("LOT-A", "1")], [("LOT-P", "oxide", "1", {"Nd": "0.5"})]),
    f.correction(f.MINER, "x1", f.extraction("LOT-A", "5")),
    f.enterprise("E-F", ["trader"]),
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
    import copy

    mutated = copy.deepcopy(record)
    target: Any = mutated
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return mutated


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_mutated_reports_are_answered_never_crash(fuzz_api: Api, data: st.DataObject) -> None:
    template = data.draw(st.sampled_from(TEMPLATES))
    path = data.draw(st.sampled_from(_paths(template)))
    record = _mutate(template, path, data.draw(json_values))
    response = fuzz_api.post("/api/v1/events", "regulator", json={"events": [record]})
    assert response.status_code == 200, response.text
    receipt = response.json()["receipts"][0]
    assert receipt["status"] in ("accepted", "duplicate", "rejected")
    for error in receipt["errors"]:
        assert error["code"] and isinstance(error["field"], str) and error["message"]
