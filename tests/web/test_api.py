"""The reporting API: the machine interface, errors, idempotency, uploads."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from rareledger.cli import cli
from rareledger.config import ConfigurationError, Settings
from rareledger.services import holdings
from rareledger.store import schema
from rareledger.store.database import Database
from rareledger.web.app import create_app
from tests import factories as f
from tests.web.conftest import Api, make_api

RECORDED = "2025-06-04T10:00:00+08:00"


def test_health_is_public(api: Api) -> None:
    response = api.get("/api/v1/health", None)
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = api.get("/api/v1/openapi.json", None).json()
    assert "/api/v1/events" in spec["paths"]
    assert spec["paths"]["/api/v1/master-data"]["post"]["x-access"] == ["regulator"]
    assert api.get("/api/docs", None).status_code == 200


def test_batch_receipts_and_balance_as_the_cli_prints_it(api: Api) -> None:
    receipts = api.events(
        "miner",
        f.extraction("LOT-A", "100", {"Nd": "0.5"}),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "30")], event_id="s1"),
    )
    assert [r["status"] for r in receipts] == ["accepted", "accepted"]
    assert set(receipts[0]) == {"id", "status", "position", "hash", "findings", "errors"}
    response = api.get(f"/api/v1/enterprises/{f.MINER}/balance", "miner")
    assert response.json() == holdings.enterprise_balance(api.database, f.MINER)
    assert response.json()["in_transit"][0]["shipment_event_id"] == "s1"


def test_every_entry_records_who_submitted_it(api: Api) -> None:
    api.events("miner", f.extraction("LOT-A", "100", event_id="x1"))
    with api.database.read() as connection:
        who = connection.execute(
            select(schema.ledger_entries.c.submitted_by).where(
                schema.ledger_entries.c.event_id == "x1"
            )
        ).scalar_one()
    assert who.startswith("key:")


def test_recorded_at_is_the_server_clock(api: Api) -> None:
    record = {**f.extraction("LOT-A"), "recorded_at": RECORDED}
    receipt = api.events("miner", record)[0]
    assert receipt["errors"][0]["code"] == "recorded_at_not_allowed"


def test_one_event_by_put(api: Api) -> None:
    record = f.extraction("LOT-A", "100", event_id="x1")
    first = api.put("/api/v1/events/x1", "miner", json=record)
    assert first.status_code == 201 and first.json()["status"] == "accepted"
    again = api.put("/api/v1/events/x1", "miner", json=record)
    assert again.status_code == 200 and again.json()["position"] == first.json()["position"]
    other = api.put("/api/v1/events/x1", "miner", json=f.extraction("LOT-B", event_id="x1"))
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "event_id_conflict"
    bad = api.put("/api/v1/events/x2", "miner", json=f.extraction("LOT-A", event_id="x2"))
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["errors"][0]["field"] == "outputs[0].lot_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": "nope"}, "events"),
        ([1, 2], "events"),
        ({"events": [], "extra": 1}, "extra"),
    ],
)
def test_422_names_the_field(api: Api, body: Any, field: str) -> None:
    response = api.post("/api/v1/events", "miner", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"].startswith(field)


def test_422_for_bad_query_parameters_and_json(api: Api) -> None:
    response = api.get("/api/v1/findings?limit=0")
    assert response.status_code == 422 and "limit" in response.json()["error"]["message"]
    response = api.get("/api/v1/findings?cursor=%%%")
    assert response.status_code == 422 and "cursor" in response.json()["error"]["message"]
    response = api.post(
        "/api/v1/events",
        "miner",
        content=b"{not json",
        headers={**api.headers("miner"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "malformed_json"


def test_401_403_404(api: Api) -> None:
    assert api.get("/api/v1/findings", None).status_code == 401
    bad = api.client.get("/api/v1/findings", headers={"Authorization": "Bearer rlk_no_such"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"
    assert api.post("/api/v1/events", "customs", json={"events": []}).status_code == 403
    missing = api.get("/api/v1/lots/LOT-NONE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_413_for_large_bodies_and_batches(database: Database) -> None:
    api = make_api(database, max_request_bytes=2000, max_batch=3)
    big = api.post("/api/v1/events", "miner", json={"events": [{"pad": "x" * 3000}]})
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
    many = api.post("/api/v1/events", "miner", json={"events": [{}] * 4})
    assert many.status_code == 413 and many.json()["error"]["code"] == "batch_too_large"


def test_429_with_retry_after(database: Database) -> None:
    api = make_api(database, rate_limit="3/minute")
    statuses = [api.get("/api/v1/me", "miner").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/me", "miner")
    assert int(limited.headers["Retry-After"]) >= 1
    assert api.get("/api/v1/me", "trader").status_code == 200  # per key


def test_resending_a_batch_stores_nothing_new(api: Api) -> None:
    batch = [f.extraction(f"LOT-{i}", "10", event_id=f"x{i}") for i in range(5)]
    first = api.events("miner", *batch)
    second = api.events("miner", *batch)
    assert [r["status"] for r in second] == ["duplicate"] * 5
    assert [(r["position"], r["hash"]) for r in second] == [
        (r["position"], r["hash"]) for r in first
    ]


def test_two_clients_sending_the_same_batch_at_once(api: Api) -> None:
    batch = [f.extraction(f"LOT-{i}", "10", event_id=f"x{i}") for i in range(50)]
    results: list[list[dict[str, Any]]] = []

    def send() -> None:
        results.append(api.events("miner", *batch))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted({r["status"] for r in results[0]} | {r["status"] for r in results[1]})
    assert statuses == ["accepted", "duplicate"]
    assert [r["position"] for r in results[0]] == [r["position"] for r in results[1]]
    with api.database.read() as connection:
        count = len(connection.execute(select(schema.events.c.event_id)).all())
    assert count == 50


def test_sign_in_with_a_password(api: Api) -> None:
    from rareledger.services import accounts

    accounts.create_user(api.database, "alice", "correct horse battery", "auditor")
    bad = api.client.post("/api/v1/auth/token", json={"username": "alice", "password": "x"})
    assert bad.status_code == 401
    token = api.client.post(
        "/api/v1/auth/token", json={"username": "alice", "password": "correct horse battery"}
    ).json()["access_token"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"name": "user:alice", "role": "auditor", "enterprise_id": None}
    accounts.disable_user(api.database, "alice")
    gone = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401


def test_a_revoked_key_stops_working(api: Api) -> None:
    from rareledger.services import accounts

    key_id = api.keys["trader"].split("_")[1]
    accounts.revoke_api_key(api.database, key_id)
    assert api.get("/api/v1/me", "trader").status_code == 401


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "changeme",
        "short-secret",
        "a" * 40,
        "passwordpasswordpasswordpassword12",
        "correcthorsebatterystaplecorrecthorse",
        "qwertyuiopasdfghjklzxcvbnm1234567890",
        "rareledger-secret-key-rareledger-secret",
    ],
)
def test_refuses_to_start_with_a_default_or_empty_secret(database: Database, secret: str) -> None:
    with pytest.raises(ConfigurationError, match="RARELEDGER_SECRET_KEY"):
        create_app(Settings(database_url=database.url, secret_key=secret), database)
    assert create_app(Settings(database_url=database.url, dev_mode=True), database)


def test_serve_refuses_without_a_secret(sqlite_url: str) -> None:
    result = CliRunner().invoke(cli, ["--db", sqlite_url, "serve"])
    assert result.exit_code == 2 and "RARELEDGER_SECRET_KEY" in result.output


def test_apikey_command_prints_the_key_alone_on_the_last_line(sqlite_url: str) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli,
        ["--db", sqlite_url, "apikey", "create", "--role", "enterprise", "--enterprise", f.MINER],
    )
    assert created.exit_code == 0
    key = created.output.strip().splitlines()[-1]
    database = Database(sqlite_url)
    try:
        api = make_api(database)
        api.post("/api/v1/master-data", json={"records": f.world()})
        me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert me.json()["enterprise_id"] == f.MINER
    finally:
        database.dispose()
    listed = runner.invoke(cli, ["--db", sqlite_url, "apikey", "list", "--json"])
    assert key not in listed.output and f.MINER in listed.output
    key_id = key.split("_")[1]
    assert runner.invoke(cli, ["--db", sqlite_url, "apikey", "revoke", key_id]).exit_code == 0
    assert runner.invoke(cli, ["--db", sqlite_url, "apikey", "revoke", key_id]).exit_code == 2


def test_user_commands(sqlite_url: str) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli,
        [
            "--db",
            sqlite_url,
            "user",
            "create",
            "bob",
            "--role",
            "enterprise",
            "--enterprise",
            f.MINER,
        ],
        input="a long password\na long password\n",
    )
    assert created.exit_code == 0, created.output
    refused = runner.invoke(
        cli,
        ["--db", sqlite_url, "user", "create", "eve", "--role", "enterprise"],
        input="a long password\na long password\n",
    )
    assert refused.exit_code == 2 and "--enterprise" in refused.output
    listed = json.loads(runner.invoke(cli, ["--db", sqlite_url, "user", "list", "--json"]).output)
    assert listed[0]["username"] == "bob" and "password" not in json.dumps(listed)
    assert runner.invoke(cli, ["--db", sqlite_url, "user", "disable", "bob"]).exit_code == 0


def test_pagination_with_stable_cursors(api: Api) -> None:
    api.events(
        "miner",
        f.extraction("LOT-A", "10"),
        *[f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "20")]) for _ in range(5)],
    )
    seen, cursor = [], None
    while True:
        page = api.get(
            "/api/v1/findings", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [(x["position"], x["seq"]) for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = api.get("/api/v1/findings", params={"limit": 1000}).json()["items"]
    assert seen == [(x["position"], x["seq"]) for x in everything]
    assert len(seen) == len(set(seen)) > 5 and seen == sorted(seen)
    events = api.get("/api/v1/events", params={"limit": 4}).json()
    assert len(events["items"]) == 4 and events["next_cursor"]


def test_exports_for_customs(api: Api) -> None:
    api.post(
        "/api/v1/master-data",
        json={
            "records": [
                f.enterprise(f.EXPORTER, ["exporter", "miner"]),
                f.facility("F-M2", f.EXPORTER),
            ]
        },
    )
    api.events(
        "regulator",
        f.extraction("LOT-E", "10", reporter=f.EXPORTER, facility_id="F-M2"),
        f.export(f.EXPORTER, [("LOT-E", "5")], event_id="exp-1"),
    )
    page = api.get("/api/v1/exports", "customs").json()
    assert [e["event_id"] for e in page["items"]] == ["exp-1"]
    assert page["items"][0]["record"]["destination_country"] == "DE"


def test_upload_template_for_every_event_type(api: Api) -> None:
    from rareledger.formats.spreadsheet import LAYOUTS

    for record_type in LAYOUTS:
        for fmt in ("csv", "xlsx"):
            response = api.get(f"/api/v1/uploads/templates/{record_type}.{fmt}", "miner")
            assert response.status_code == 200 and response.content
    header = api.get("/api/v1/uploads/templates/shipment.csv", "miner").text.splitlines()[0]
    assert header.split(",")[:3] == ["event_id", "reporter", "occurred_at"]
    assert api.get("/api/v1/uploads/templates/nothing.csv", "miner").status_code == 404


def write_chain_sheets(tmp_path: Path) -> tuple[Path, Path]:
    """A workbook (extraction and shipment sheets) and a CSV of receipts, one row bad."""
    from openpyxl import Workbook

    from rareledger.formats.spreadsheet import LAYOUTS

    book = Workbook()
    extraction = book.active
    assert extraction is not None
    extraction.title = "extraction"
    extraction.append(list(LAYOUTS["extraction"].columns))
    columns = LAYOUTS["extraction"].columns
    for lot, mass in (("LOT-X1", 100), ("LOT-X2", "50.5")):
        row = dict.fromkeys(columns)
        row.update(
            event_id="x-1",
            reporter=f.MINER,
            occurred_at="2025-06-01T08:00:00+08:00",
            facility_id=f.MINE,
            lot_id=lot,
            form="concentrate",
            mass_kg=mass,
            Nd=0.25,
            Dy=0.01,
        )
        extraction.append([row[c] for c in columns])
    shipment = book.create_sheet("shipment")
    columns = LAYOUTS["shipment"].columns
    shipment.append(list(columns))
    for lot, mass in (("LOT-X1", 40), ("LOT-X2", -5)):
        row = dict.fromkeys(columns)
        row.update(
            event_id="s-1",
            reporter=f.MINER,
            occurred_at="2025-06-02T08:00:00+08:00",
            buyer=f.SEPARATOR,
            value_amount="1000",
            value_currency="CNY",
            invoice_no="INV-9",
            lot_id=lot,
            mass_kg=mass,
        )
        shipment.append([row[c] for c in columns])
    workbook = tmp_path / "report.xlsx"
    book.save(workbook)
    receipts = tmp_path / "receipt-june.csv"
    receipts.write_text(
        "event_id,reporter,occurred_at,shipment_event_id,lot_id,mass_kg\n"
        "r-1,E-SEP,2025-06-03T08:00:00+08:00,s-0,LOT-X1,40\n"
    )
    return workbook, receipts


def test_upload_answers_row_by_row(api: Api, tmp_path: Path) -> None:
    workbook, receipts = write_chain_sheets(tmp_path)
    response = api.post(
        "/api/v1/uploads", "miner", files={"file": ("report.xlsx", workbook.read_bytes())}
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [(r["sheet"], r["row"], r["status"]) for r in rows] == [
        ("extraction", 2, "accepted"),
        ("extraction", 3, "accepted"),
        ("shipment", 2, "rejected"),
        ("shipment", 3, "rejected"),
    ]
    assert rows[3]["errors"] == [
        {
            "column": "mass_kg",
            "code": "mass_not_positive",
            "message": "must be greater than zero",
            "value": "-5",
        }
    ]
    csv_rows = api.post(
        "/api/v1/uploads", "separator", files={"file": ("receipt-june.csv", receipts.read_bytes())}
    ).json()
    assert csv_rows["rows"][0]["errors"][0]["column"] == "shipment_event_id"
    unreadable = api.post("/api/v1/uploads", "miner", files={"file": ("x.pdf", b"%PDF")})
    assert unreadable.status_code == 422


def test_cli_loads_the_same_spreadsheets(sqlite_url: str, tmp_path: Path) -> None:
    workbook, _receipts = write_chain_sheets(tmp_path)
    runner = CliRunner()
    world = tmp_path / "world.jsonl"
    world.write_text("".join(json.dumps(r) + "\n" for r in f.world()))
    assert runner.invoke(cli, ["--db", sqlite_url, "load", str(world)]).exit_code == 0
    result = runner.invoke(cli, ["--db", sqlite_url, "load", "--json", str(workbook)])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["status"] for r in rows] == ["accepted", "accepted", "rejected", "rejected"]
    human = runner.invoke(cli, ["--db", sqlite_url, "load", str(workbook)])
    assert "shipment row 3 column mass_kg" in human.output


def test_rareledger_serve_answers_on_loopback(sqlite_url: str) -> None:
    import os
    import secrets
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "RARELEDGER_SECRET_KEY": secrets.token_urlsafe(32)}
    server = subprocess.Popen(
        [sys.executable, "-m", "rareledger", "--db", sqlite_url, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # a loaded CI machine starts Python slowly
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health") as reply:
                    assert json.loads(reply.read())["status"] == "ok"
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the service did not answer")
    finally:
        server.terminate()
        server.wait(timeout=10)
