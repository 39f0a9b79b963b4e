"""EPCIS events outside rareledger's vocabulary, kept in the ledger as ``epcis_event`` records.

Every valid EPCIS event is evidence, so it is stored tamper-evidently like every other entry,
with no postings: the record carries the event's CBV hash ID and the event itself (JSON-LD,
opaque to the domain). Its id is derived from the hash ID, so a second copy of the same
event is recognised; an error declaration of an event is a record of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from rareledger.domain.actors import Actor
from rareledger.domain.checks import MAX_DEPTH, shape_problem
from rareledger.domain.fields import Fields
from rareledger.domain.problems import reject


class StoredRecord(Protocol):
    """What judging an ``epcis_event`` needs of a parsed record (a ``ParsedRecord``)."""

    @property
    def record_id(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def record(self) -> dict[str, Any]: ...


class EpcisState(Protocol):
    """What judging an ``epcis_event`` needs of the ledger's state (a ``LedgerState``)."""

    def enterprise(self, enterprise_id: str) -> Any: ...
    def entry(self, kind: str, key: str) -> Any: ...
    def put_registry(self, kind: str, key: str, value: Any) -> None: ...


EPCIS_EVENT = "epcis_event"
# EPCIS nests extensions freely (GS1's own examples go 12 deep); an event gets this many levels
# within the record, the other limits (text, entries, record size) as for every record.
EVENT_DEPTH = 24
HASH_ID = re.compile(r"ni:///sha-256;([0-9a-f]{64})\?ver=CBV2\.0")
REGISTRY_KIND = "epcis"


@dataclass(frozen=True, slots=True, kw_only=True)
class EpcisEventRecord:
    id: str
    event_hash: str
    reporter: str | None


def record_id_for(event_hash: str, *, declared: bool) -> str:
    """The record id of an event (``sha256:<hex>``, ``…:declared`` for an error declaration)."""
    found = HASH_ID.fullmatch(event_hash)
    assert found is not None, event_hash
    return f"sha256:{found.group(1)}" + (":declared" if declared else "")


def epcis_shape_problem(raw: dict[str, Any]) -> tuple[str, str, str] | None:
    """The size limits of an ``epcis_event`` record, with room for the event's nesting."""
    others = {k: v for k, v in raw.items() if k != "event"}
    return shape_problem(others) or shape_problem(
        raw.get("event"), "event", MAX_DEPTH - EVENT_DEPTH
    )


def read_event_hash(f: Fields, name: str, *, required: bool) -> str | None:
    """An EPCIS event hash ID (``ni:///sha-256;<64 hex>?ver=CBV2.0``)."""
    value = f.text(name, required=required)
    if value is not None and HASH_ID.fullmatch(value) is None:
        f.fail("invalid_event_hash", name, "must be an EPCIS event hash ID (CBV 2.0)", value)
        return None
    return value


def read_epcis_event(f: Fields) -> EpcisEventRecord | None:
    record_id = f.identifier("id")
    event_hash = read_event_hash(f, "event_hash", required=True)
    reporter = f.identifier("reporter", required=False)
    event: Any = f.obj.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        f.fail("type", "event", "must be an EPCIS event object with a type", event)
        return None
    if record_id is None or event_hash is None:
        return None
    declared = "errorDeclaration" in event
    if record_id != record_id_for(event_hash, declared=declared):
        f.fail("event_hash_mismatch", "id", "must be derived from event_hash", record_id)
        return None
    return EpcisEventRecord(id=record_id, event_hash=event_hash, reporter=reporter)


def apply_epcis_event(
    state: EpcisState, parsed: StoredRecord, position: int, actor: Actor
) -> int | None:
    """Judge a stored EPCIS event: the position of an identical earlier copy, or None when
    it is new (and now known); raises a rejection otherwise."""
    reporter = parsed.record.get("reporter")
    if actor.enterprise_id is not None and reporter != actor.enterprise_id:
        raise reject(
            "reporter_mismatch", "reporter", "an enterprise may only report as itself", reporter
        )
    if actor.enterprise_id is None and not actor.writes_master_data:
        raise reject("not_permitted", "type", "EPCIS events come from reporters", EPCIS_EVENT)
    if reporter is not None and state.enterprise(reporter) is None:
        raise reject("unknown_enterprise", "reporter", "no such enterprise", reporter)
    known = state.entry(REGISTRY_KIND, parsed.record_id)
    if known is not None:
        if known["digest"] != parsed.digest:
            raise reject(
                "event_id_conflict",
                "id",
                "an EPCIS event with this hash ID is already stored",
                parsed.record_id,
            )
        return int(known["position"])
    state.put_registry(
        REGISTRY_KIND, parsed.record_id, {"position": position, "digest": parsed.digest}
    )
    return None


EPCIS_PARSERS = {EPCIS_EVENT: (("type", "id", "event_hash", "reporter", "event"), read_epcis_event)}
