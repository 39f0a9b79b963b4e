"""How captured EPCIS events in rareledger's vocabulary are judged, and the epcis_event
record's own rules."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from rareledger.domain.actors import Actor
from rareledger.domain.records import ParsedRecord, parse_record
from rareledger.services.epcis import Capture, Outcome, read_body
from rareledger.services.reporting import Recorder
from rareledger.store.database import Database
from tests import factories as f
from tests.epcis.helpers import GENERIC, document

OPERATOR = Actor("cli:operator")


@pytest.fixture
def capture(sqlite_database: Database) -> Capture:
    Recorder(sqlite_database, OPERATOR).submit(f.world())
    return Capture(sqlite_database, OPERATOR)


def run(capture: Capture, body: dict[str, Any]) -> list[Outcome]:
    return capture.capture(read_body(json.dumps(body).encode()), rollback=False)


def first_error(capture: Capture, body: dict[str, Any]) -> tuple[str, str]:
    (outcome,) = run(capture, body)
    assert outcome.status == "rejected"
    return outcome.errors[0]["code"], outcome.errors[0]["field"]


def changed(record: dict[str, Any], change: Any) -> dict[str, Any]:
    body = document(record)
    change(body["epcisBody"]["eventList"][0])
    return body


EXTRACTION = f.extraction("LOT-C1", event_id="ev-c1")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda e: e.update(bizStep="packing"), ("not_in_vocabulary", "bizStep")),
        (lambda e: e.update(disposition="damaged"), ("not_representable", "disposition")),
        (
            lambda e: e["quantityList"][0].update(epcClass="urn:epc:class:lgtin:4012345.012345.1"),
            ("unknown_identifier", "quantityList[0].epcClass"),
        ),
        (
            lambda e: e["ilmd"]["rl:lot"].append({"rl:lotID": "urn:rareledger:lot:OTHER"}),
            ("not_an_output", "ilmd.rl:lot[1].rl:lotID"),
        ),
        (lambda e: e.update({"rl:colour": "red"}), ("unknown_field", "rl:colour")),
        (
            lambda e: e["ilmd"]["rl:lot"][0]["rl:composition"].update(Nd="0.1"),
            ("unknown_field", "ilmd.rl:lot[0].rl:composition.Nd"),
        ),
    ],
)
def test_vocabulary_events_are_exactly_the_mapped_ones(
    capture: Capture, change: Any, expected: tuple[str, str]
) -> None:
    assert first_error(capture, changed(EXTRACTION, change)) == expected


def test_an_adjustment_is_of_one_lot(capture: Capture) -> None:
    adjustment = f.adjustment(f.MINER, "LOT-C1", "-1")
    body = changed(adjustment, lambda e: e["quantityList"].append(dict(e["quantityList"][0])))
    assert first_error(capture, body) == ("one_lot", "quantityList")


def test_a_correction_repeats_the_event_it_declares_wrong(capture: Capture) -> None:
    adjustment = f.adjustment(f.MINER, "LOT-C1", "-1", event_id="adj-1")
    assert [o.status for o in run(capture, document(EXTRACTION, adjustment))] == ["accepted"] * 2
    correction = f.correction(f.MINER, "adj-1", event_id="cor-1")
    body = document(correction, lookup=lambda _id: copy.deepcopy(adjustment))
    wrong = copy.deepcopy(body)
    wrong["epcisBody"]["eventList"][0]["rl:reason"] = "sample"
    assert first_error(capture, wrong) == ("declared_event_unknown", "eventID")
    assert [o.status for o in run(capture, body)] == ["accepted"]
    assert [o.status for o in run(capture, body)] == ["duplicate"]


def test_a_generic_event_is_stored_once(capture: Capture) -> None:
    (outcome,) = run(capture, GENERIC)
    assert outcome.status == "accepted"
    (again,) = run(capture, {**GENERIC, "eventID": "urn:uuid:7e0a8c52-0000-0000-0000-000000000001"})
    assert (again.status, again.errors[0]["code"]) == ("duplicate", "epcis_duplicate")


def test_the_epcis_event_record_checks_its_hash_id() -> None:
    record = {
        "type": "epcis_event",
        "id": "sha256:" + "0" * 64,
        "event_hash": "ni:///sha-256;" + "1" * 64 + "?ver=CBV2.0",
        "event": {"type": "ObjectEvent"},
    }
    problems = parse_record(record)
    assert not isinstance(problems, ParsedRecord)
    assert problems[0].code == "event_hash_mismatch"
    problems = parse_record({**record, "event_hash": "sha1:abc"})
    assert not isinstance(problems, ParsedRecord)
    assert problems[0].code == "invalid_event_hash"
    good = parse_record({**record, "id": "sha256:" + "1" * 64})
    assert isinstance(good, ParsedRecord) and good.kind == "master"
    native = parse_record({**f.extraction("LOT-H"), "epcis_event_hash": "not a hash"})
    assert not isinstance(native, ParsedRecord)
    assert native[0].code == "invalid_event_hash"


def test_an_event_over_the_record_size_limit_is_refused(capture: Capture) -> None:
    bulky = {**GENERIC, "example:readings": ["x" * 900] * 400}  # about 360 KB of JSON
    (outcome,) = run(capture, bulky)
    assert (outcome.status, outcome.errors[0]["code"]) == ("rejected", "record_too_large")


def test_deeply_nested_extensions_fit_within_an_epcis_event(capture: Capture) -> None:
    nested: dict[str, Any] = {"example:leaf": "1"}
    for _ in range(12):
        nested = {"example:level": nested}
    (outcome,) = run(capture, {**GENERIC, "example:deep": nested})
    assert outcome.status == "accepted", outcome.errors
