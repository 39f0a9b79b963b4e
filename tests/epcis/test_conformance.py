"""Every GS1 EPCIS 2.0 example document (../shared/epcis/gs1-examples/JSON) is captured, or
refused with a precise reason where it breaks the standard; each is listed with its outcome.

The documents are captured in name order into one ledger, so an example that repeats events
of an earlier one (the 9.6.1 variants with a comment or with header fields) is answered as a
duplicate, as GS1 asks of a repository (the same event hash ID). Every stored event is then
read back through the query interface, and the answer is valid against the GS1 JSON schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rareledger.domain.access import REGULATOR, Principal
from rareledger.domain.actors import Actor
from rareledger.services import epcis_index
from rareledger.services.epcis import Capture, DocumentError, read_body
from rareledger.store.database import Database
from rareledger.store.epcis import EventFilter
from tests.conftest import SHARED

EXAMPLES = SHARED / "epcis" / "gs1-examples" / "JSON"
SCHEMA = SHARED / "epcis" / "gs1-examples" / "EPCIS-JSON-Schema.json"
FILES = sorted(EXAMPLES.rglob("*.jsonld")) if EXAMPLES.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/epcis/gs1-examples is absent")

# The outcome of each example that is not simply "captured".
REPEATS = "duplicate: repeats the events of an earlier example (same event hash IDs)"
EXPECTED = {
    "Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld": REPEATS,
    "Example_9.6.1-ObjectEvent.jsonld": REPEATS,
    "Example_9.6.1-with-comment.jsonld": REPEATS,
    "WithDigitalLinkID/Example_9.6.4-TransformationEventWithDigitalLink.jsonld": REPEATS,
    "WithErrorDeclaration/Example_9.6.1-ObjectEvent-with-error-declaration.jsonld": (
        "captured 1, duplicate 1: its corrective event repeats an earlier example's event"
    ),
    "WithFullCombinationOfFields/transformation_event_all_possible_fields.jsonld": (
        "refused: protected_term at @context[4].cbvmda (redefines a prefix of the protected "
        "EPCIS 2.0 context)"
    ),
}


def _outcome(capture: Capture, path: Path) -> str:
    try:
        document = read_body(path.read_bytes())
    except DocumentError as error:
        return f"refused: {error.code} at {error.field} ({error.message})"
    statuses = [o.status for o in capture.capture(document, rollback=False)]
    if set(statuses) == {"accepted"}:
        return "captured"
    if set(statuses) == {"duplicate"}:
        return REPEATS
    counts = {s: statuses.count(s) for s in ("accepted", "duplicate", "rejected") if s in statuses}
    return ", ".join(f"{'captured' if s == 'accepted' else s} {n}" for s, n in counts.items())


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    import shutil

    path = tmp_path_factory.mktemp("conformance") / "ledger.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    capture = Capture(database, Actor("cli:operator"))
    found = {str(p.relative_to(EXAMPLES)): _outcome(capture, p) for p in FILES}
    yield database, found
    database.dispose()


@pytest.mark.parametrize("name", [str(p.relative_to(EXAMPLES)) for p in FILES])
def test_each_gs1_example_has_its_expected_outcome(outcomes: Any, name: str) -> None:
    _database, found = outcomes
    expected = EXPECTED.get(name, "captured")
    assert found[name].split(":")[0] == expected.split(":")[0]
    if expected.startswith("refused"):
        assert found[name] == expected


def test_the_examples_are_all_there(outcomes: Any) -> None:
    _database, found = outcomes
    assert len(found) == 47
    assert sum(1 for v in found.values() if v == "captured") == 41


def test_stored_examples_are_answered_valid_against_the_gs1_schema(outcomes: Any) -> None:
    import jsonschema

    database, _found = outcomes
    viewer = Principal("test", REGULATOR)
    events = [e for page in epcis_index.all_events(database, viewer, EventFilter()) for e in page]
    assert len(events) >= 45
    document = epcis_index.document(events, query=True)
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    assert [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)] == []
