"""docs/epcis.md maps every rareledger event type to EPCIS, and each example captures."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rareledger.domain import vocabulary as vocab
from rareledger.domain.actors import Actor
from rareledger.formats.epcis.index import RL_CONTEXT
from rareledger.services.epcis import Capture, read_body
from rareledger.services.reporting import Recorder
from rareledger.store.database import Database
from tests import factories as f

DOC = (Path(__file__).resolve().parents[1] / "docs" / "epcis.md").read_text()
EXAMPLE = re.compile(r"^#### `(\w+)`\n(?:.*?\n)?```json\n(.*?)\n```", re.M | re.S)


def test_every_event_type_is_mapped_with_an_example() -> None:
    documented = {name for name, _ in EXAMPLE.findall(DOC)}
    assert documented == set(vocab.EVENT_TYPES)
    for name in vocab.EVENT_TYPES:
        assert f"| `{name}`" in DOC


def test_the_examples_capture_in_order(sqlite_database: Database) -> None:
    operator = Actor("cli:operator")
    assert {r.status for r in Recorder(sqlite_database, operator).submit(f.world())} == {"accepted"}
    capture = Capture(sqlite_database, operator)
    for name, block in EXAMPLE.findall(DOC):
        example = json.loads(block)
        events = example if isinstance(example, list) else [example]
        document = {
            "@context": RL_CONTEXT,
            "type": "EPCISDocument",
            "epcisBody": {"eventList": events},
        }
        outcomes = capture.capture(read_body(json.dumps(document).encode()))
        assert [o.status for o in outcomes] == ["accepted"] * len(events), (name, outcomes)
