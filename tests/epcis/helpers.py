"""EPCIS documents of rareledger records, for the tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from rareledger.formats.epcis.export import to_epcis
from rareledger.formats.epcis.index import RL_CONTEXT


def document(*records: dict[str, Any], lookup: Any = None) -> dict[str, Any]:
    """An EPCISDocument of contract records (as EPCIS events in rareledger's vocabulary)."""
    events = [e for r in records for e in to_epcis(_plain(r), lookup=lookup)]
    return {
        "@context": RL_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-06-04T00:00:00Z",
        "epcisBody": {"eventList": events},
    }


def single(record: dict[str, Any]) -> dict[str, Any]:
    """One event with its @context, as POST /epcis/events takes it."""
    return {"@context": RL_CONTEXT, **to_epcis(_plain(record))[0]}


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(record), parse_float=Decimal)


GENERIC = {
    "@context": [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"example": "https://ns.example.com/epcis/"},
    ],
    "type": "ObjectEvent",
    "eventTime": "2025-06-01T10:00:00.000+08:00",
    "eventTimeZoneOffset": "+08:00",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
    "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00000"}],
    "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:4012345.00000"}],
    "example:note": "a generic event",
}
