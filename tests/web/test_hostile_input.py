"""The reproductions of issue 12 that reach a route: each gets a clear 4xx naming the field
and the rule, never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx2
import pytest

from tests import factories as f
from tests import hostile
from tests.web.conftest import Api


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


PAGED = ["/api/v1/events", "/api/v1/exports", "/api/v1/findings", "/api/v1/lots"]
BAD_CURSORS = [10**30, True, 2**63, [True, False], [1, 2**63], -1, "\u0000", "\ud800", {"a": 1}]


def test_cursors_that_decode_to_nonsense_are_refused(api: Api) -> None:
    for path in [*PAGED, "/api/v1/enterprises"]:
        for value in BAD_CURSORS:
            response = api.get(path, params={"cursor": _cursor(value)})
            assert response.status_code == 422, (path, value, response.text)
            error = response.json()["error"]
            assert error["message"] == "cursor: the cursor is not one this service issued"


def test_cursors_the_service_issued_still_page(api: Api) -> None:
    api.events("miner", *(f.extraction(f"LOT-{n}", "10") for n in range(3)))
    first = api.get("/api/v1/lots", params={"limit": 2}).json()
    second = api.get("/api/v1/lots", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [x["lot_id"] for x in first["items"] + second["items"]] == ["LOT-0", "LOT-1", "LOT-2"]
    events = api.get("/api/v1/events", params={"limit": 2}).json()
    assert api.get("/api/v1/events", params={"cursor": events["next_cursor"]}).status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_detection_run_at_the_ends_of_the_calendar_is_refused(api: Api, day: str) -> None:
    response = api.post("/api/v1/detection/runs", json={"as_of": day})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "day_out_of_range"
    assert error["message"] == "as_of: must be a day from 1900-01-01 to 9998-12-31"


def test_a_nul_character_in_a_path_query_or_body_is_refused(api: Api) -> None:
    """PostgreSQL cannot store or compare text with a NUL: each place answers 422 first."""
    for path, field in [
        ("/api/v1/events/a%00b", "path"),
        ("/api/v1/lots/a%00b", "path"),
        ("/api/v1/events?reporter=a%00", "reporter"),
        ("/api/v1/findings?code=%00&limit=5", "code"),
    ]:
        response = api.get(path)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "nul_character"
        assert error["message"] == f"{field}: must not contain the NUL character (U+0000)"
    signing_in = api.post("/api/v1/auth/token", None, json={"username": "a\0", "password": "p"})
    assert signing_in.status_code == 422
    assert signing_in.json()["error"]["message"].startswith("username: must not contain")
    note = api.post("/api/v1/alerts/A-1/notes", json={"note": "seen\0"})
    assert note.json()["error"]["details"][0]["field"] == "note"
    batch = api.post("/api/v1/events", json={"events": [{"type": "x", "note\0": 1}]})
    assert batch.json()["error"]["message"].startswith("events[0].(a key): must not")


@pytest.mark.parametrize(
    ("composition", "problem"),
    [
        ('{"Nd": NaN}', "NaN is not a number"),
        ('{"a":' * 300 + "1" + "}" * 300, "nested deeper than 64 levels"),
        ("Nd=1e999999", "composition"),
    ],
)
def test_a_composition_with_nan_or_deep_nesting_is_refused(
    api: Api, composition: str, problem: str
) -> None:
    response = api.get("/api/v1/classification", params={"composition": composition})
    assert response.status_code == 422, response.text
    assert problem in response.json()["error"]["message"]


def test_event_ids_with_a_slash_are_reachable(api: Api) -> None:
    event = f.extraction("LOT/1", "10", event_id="ev/1")
    assert api.put("/api/v1/events/ev/1", json=event).status_code == 201
    for path in ("/api/v1/events/ev/1", "/api/v1/events/ev%2F1"):
        response = api.get(path)
        assert response.status_code == 200 and response.json()["event_id"] == "ev/1"
    assert api.put("/api/v1/events/ev%2F1", json=event).status_code == 200  # the same again
    assert api.get("/api/v1/lots/LOT%2F1").json()["lot_id"] == "LOT/1"
    assert api.get("/api/v1/lots/LOT/1").json()["lot_id"] == "LOT/1"
    assert api.get("/api/v1/lots/LOT%2F1/trace").json()["lot_id"] == "LOT/1"


def test_a_lot_whose_id_ends_like_a_sub_path_is_reachable_escaped(api: Api) -> None:
    api.events("miner", f.extraction("L/trace", "10"))
    assert api.get("/api/v1/lots/L%2Ftrace").json()["lot_id"] == "L/trace"
    assert api.get("/api/v1/lots/L%2Ftrace/trace").json()["lot_id"] == "L/trace"
    assert api.get("/api/v1/lots/L/trace").status_code == 404  # the trace of a lot "L"


def _entries(api: Api) -> int:
    return int(api.get("/api/v1/ledger/verification").json()["entries"])


UPLOADS = {
    "a CSV cell of 200,000 characters": (
        "extraction.csv",
        ("event_id,reporter,note\ne-1,E-MINER," + "a" * 200_000 + "\n").encode(),
        "cell_too_long",
    ),
    "a cell pointing to a 20-million character shared string": (
        "bomb.xlsx",
        hostile.shared_string_bomb(),
        "cell_too_long",
    ),
    "a cell in the sheet's last row": ("far.xlsx", hostile.far_cell(), "too_many_rows"),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_hostile_uploads_are_refused_before_anything_is_stored(api: Api, case: str) -> None:
    name, data, code = UPLOADS[case]
    before = _entries(api)
    response = api.post("/api/v1/uploads", "miner", files={"file": (name, data)})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"].startswith(name)
    assert _entries(api) == before


def test_a_million_empty_rows_are_refused_quickly(api: Api) -> None:
    started = time.monotonic()
    response = api.post("/api/v1/uploads", "miner", files={"file": ("r.xlsx", _million())})
    assert response.status_code == 422 and response.json()["error"]["code"] == "too_many_rows"
    assert time.monotonic() - started < 10


_MILLION: list[bytes] = []


def _million() -> bytes:
    if not _MILLION:
        _MILLION.append(hostile.empty_rows())
    return _MILLION[0]


def test_uploads_over_the_size_or_time_limit(database: Any) -> None:
    from tests.web.conftest import make_api

    small = make_api(database, max_upload_bytes=100, upload_time_limit_s=0.0)
    big = small.post("/api/v1/uploads", "miner", files={"file": ("x.csv", b"a" * 101)})
    assert big.status_code == 413 and big.json()["error"]["code"] == "upload_too_large"
    slow = small.post("/api/v1/uploads", "miner", files={"file": ("extraction.csv", b"a\nb\n")})
    assert slow.status_code == 422 and slow.json()["error"]["code"] == "upload_time_limit"
    small.client.close()


def test_other_calls_are_answered_while_an_upload_is_read(api: Api) -> None:
    """The file is read off the event loop: health checks sent after a slow upload started
    are answered before it."""
    row = "e-{0},E-MINER,2025-06-03T09:30:00+08:00,L-{0},ore,1,0.1\n"
    rows = "".join(row.format(n) for n in range(4000))
    data = ("event_id,reporter,occurred_at,lot_id,form,mass_kg,Nd\n" + rows).encode()
    finished: list[str] = []

    async def main() -> None:
        transport = httpx2.ASGITransport(app=api.client.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:

            async def upload() -> None:
                files = {"file": ("extraction.csv", data)}
                await client.post("/api/v1/uploads", files=files, headers=api.headers("miner"))
                finished.append("upload")

            async def health() -> None:
                await asyncio.sleep(0.05)
                for _ in range(5):
                    assert (await client.get("/api/v1/health")).status_code == 200
                finished.append("health")

            await asyncio.gather(upload(), health())

    asyncio.run(main())
    assert finished == ["health", "upload"]
