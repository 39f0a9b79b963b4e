"""A simulated year exported as EPCIS and captured into an empty ledger gives the same
balances, findings and lineage; every exported event is valid against the GS1 schema and
keeps its hash ID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rareledger.domain.access import REGULATOR, Principal
from rareledger.domain.actors import Actor
from rareledger.formats.epcis.index import RL_CONTEXT
from rareledger.services import epcis_index, integrity
from rareledger.services.epcis import Capture, read_body
from rareledger.services.reporting import Recorder
from rareledger.simulation import simulate
from rareledger.store import schema
from rareledger.store.database import Database
from rareledger.store.epcis import EventFilter
from tests.conftest import SHARED

OPERATOR = Actor("cli:operator")
REGULATOR_VIEW = Principal("test", REGULATOR)
SCHEMA = SHARED / "epcis" / "gs1-examples" / "EPCIS-JSON-Schema.json"


def _records(directory: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line, parse_float=Decimal)
        for path in sorted((directory / "records").glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def _segments(records: list[dict[str, Any]]) -> Iterator[tuple[bool, list[dict[str, Any]]]]:
    """Runs of master records and of events, in ledger order."""
    run: list[dict[str, Any]] = []
    for record in records:
        if run and ("event_id" in record) != ("event_id" in run[0]):
            yield "event_id" in run[0], run
            run = []
        run.append(record)
    if run:
        yield "event_id" in run[0], run


def _state(database: Database) -> dict[str, Any]:
    with database.read() as connection:

        def rows(query: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in connection.execute(query))

        b, f, k, m = schema.balances, schema.findings, schema.lot_links, schema.lot_movements
        return {
            "balances": rows(select(b.c.lot_id, b.c.holder, b.c.mass_g)),
            "findings": rows(select(f.c.event_id, f.c.code, f.c.lot_id, f.c.retracted)),
            "lineage": rows(select(k.c.event_id, k.c.side, k.c.lot_id, k.c.mass_g)),
            "custody": rows(select(m.c.lot_id, m.c.event_id, m.c.kind, m.c.mass_g)),
        }


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict[str, Any]:
    """A small simulated year loaded natively (A) and captured from A's EPCIS export (B)."""
    import shutil

    directory = tmp_path_factory.mktemp("year")
    simulate(directory / "sim", seed=7, scale=0.0004, year=2025)
    records = _records(directory / "sim")
    databases = []
    for name in ("a", "b"):
        shutil.copy(sqlite_template, directory / f"{name}.db")
        databases.append(Database(f"sqlite:///{directory / name}.db"))
    native, captured = databases
    recorder = Recorder(native, OPERATOR, allow_recorded_at=True)
    assert {r.status for r in recorder.submit(records)} == {"accepted"}
    exported = [
        event
        for page in epcis_index.all_events(native, REGULATOR_VIEW, EventFilter())
        for event in page
    ]
    by_id = {event["eventID"]: event for event in exported}
    masters = Recorder(captured, OPERATOR, allow_recorded_at=True)
    capture = Capture(captured, OPERATOR, allow_recorded_at=True)
    statuses: set[str] = set()
    for are_events, run in _segments(records):
        if not are_events:
            statuses |= {r.status for r in masters.submit(run)}
            continue
        events = [by_id[f"urn:rareledger:event:{r['event_id']}"] for r in run]
        document = epcis_index.document(events, query=False)
        outcomes = capture.capture(read_body(json.dumps(document).encode()), rollback=False)
        statuses |= {o.status for o in outcomes}
    yield {"native": native, "captured": captured, "exported": exported, "statuses": statuses}
    for database in databases:
        database.dispose()


def test_every_exported_event_is_captured(year: dict[str, Any]) -> None:
    assert year["statuses"] == {"accepted"}
    assert len(year["exported"]) > 1000


def test_the_captured_ledger_has_the_same_balances_findings_and_lineage(
    year: dict[str, Any],
) -> None:
    native, captured = _state(year["native"]), _state(year["captured"])
    assert native["balances"] and native["lineage"] and native["findings"]
    assert captured == native
    assert integrity.verify(year["captured"]).intact


def test_capturing_the_export_again_is_refused_as_duplicates(year: dict[str, Any]) -> None:
    document = epcis_index.document(year["exported"][:20], query=False)
    outcomes = Capture(year["captured"], OPERATOR).capture(
        read_body(json.dumps(document).encode()), rollback=False
    )
    assert {o.status for o in outcomes} == {"duplicate"}


def test_the_export_is_valid_against_the_gs1_schema(year: dict[str, Any]) -> None:
    if not SCHEMA.is_file():
        pytest.skip("../shared/epcis is absent: no GS1 JSON schema to validate against")
    import jsonschema

    document = epcis_index.document(year["exported"], query=False)
    assert document["@context"] == RL_CONTEXT
    errors = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(document)
    assert [e.message for e in errors] == []


def test_both_ledgers_index_the_same_hash_ids(year: dict[str, Any]) -> None:
    def hashes(database: Database) -> list[str]:
        with database.read() as connection:
            return [r.hash_id for r in connection.execute(select(schema.epcis_events.c.hash_id))]

    assert sorted(hashes(year["native"])) == sorted(hashes(year["captured"]))


def test_a_rebuild_recreates_the_epcis_index(year: dict[str, Any]) -> None:
    database = year["captured"]
    before = epcis_index.page(database, REGULATOR_VIEW, EventFilter(), token=None, per_page=50)
    integrity.rebuild(database)
    after = epcis_index.page(database, REGULATOR_VIEW, EventFilter(), token=None, per_page=50)
    assert [e["eventID"] for e in after.events] == [e["eventID"] for e in before.events]
