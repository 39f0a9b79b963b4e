"""What the EPCIS query interface indexes of each ledger entry (pure: the store keeps it).

Every event record becomes its EPCIS event(s) (export.py); an ``epcis_event`` record is its
stored event. Each event is indexed by its hash ID and the standard query parameters, with
identifiers in canonical form so that a query in EPC URN or Digital Link form finds both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rareledger.formats.epcis.documents import DocumentError, read_namespaces
from rareledger.formats.epcis.export import Lookup, to_epcis
from rareledger.formats.epcis.hashing import EpcisEvent, cached_time, hash_id
from rareledger.formats.epcis.identifiers import canonical_identifier
from rareledger.formats.epcis.profile import RL_NS
from rareledger.formats.epcis.vocabulary import (
    CODE_LISTS,
    DEFAULT_CONTEXT,
    TYPE_LISTS,
    bare,
    web_uri,
)

RL_CONTEXT = [DEFAULT_CONTEXT, {"rl": RL_NS}]
KEY_FIELDS = {
    "epcList": "epc",
    "childEPCs": "epc",
    "inputEPCList": "input_epc",
    "outputEPCList": "output_epc",
}
CLASS_FIELDS = {
    "quantityList": "class",
    "childQuantityList": "class",
    "inputQuantityList": "input_class",
    "outputQuantityList": "output_class",
}
PARTY_FIELDS = {
    "sourceList": ("source", "source"),
    "destinationList": ("destination", "destination"),
    "bizTransactionList": ("bizTransaction", "bizTransaction"),
}


@dataclass
class IndexedEvent:
    """One EPCIS event of a ledger entry, with its query columns and keys."""

    seq: int
    hash_id: str
    event: dict[str, Any]  # JSON-LD, with its own @context
    reporter: str | None
    counterparty: str | None
    columns: dict[str, Any] = field(default_factory=dict)
    keys: set[tuple[str, str]] = field(default_factory=set)


def canonical_id(value: Any) -> str:
    text = str(value).strip()
    return canonical_identifier(text) or text


def canonical_code(value: Any, codes: tuple[frozenset[str], str]) -> str:
    """A CBV value (bare, URN or Web URI) as its Web URI; anything else as it is."""
    return web_uri(bare(str(value).strip(), codes), codes)


def party_type(value: Any, item: str) -> str:
    """A source, destination or transaction type as its bare CBV name where it has one."""
    return bare(str(value).strip(), TYPE_LISTS[item])


def _columns(event: dict[str, Any], recorded_at: str) -> dict[str, Any]:
    def place(name: str) -> str | None:
        value = event.get(name)
        return canonical_id(value["id"]) if isinstance(value, dict) and "id" in value else None

    step, disposition = event.get("bizStep"), event.get("disposition")
    return {
        "event_id": event.get("eventID"),
        "event_type": str(event.get("type")),
        "event_time": cached_time(str(event.get("eventTime", ""))),
        "record_time": cached_time(recorded_at),
        "action": event.get("action"),
        "biz_step": None if step is None else canonical_code(step, CODE_LISTS["bizStep"]),
        "disposition": None
        if disposition is None
        else canonical_code(disposition, CODE_LISTS["disposition"]),
        "read_point": place("readPoint"),
        "biz_location": place("bizLocation"),
        "declared": "errorDeclaration" in event,
    }


def _keys(event: dict[str, Any]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for name, kind in KEY_FIELDS.items():
        for value in event.get(name) or []:
            keys.add((kind, canonical_id(value)))
    if event.get("parentID") is not None:
        keys.add(("parent", canonical_id(event["parentID"])))
    for name, kind in CLASS_FIELDS.items():
        for element in event.get(name) or []:
            if isinstance(element, dict) and "epcClass" in element:
                keys.add((kind, canonical_id(element["epcClass"])))
    for name, (kind, item) in PARTY_FIELDS.items():
        for element in event.get(name) or []:
            if isinstance(element, dict) and item in element:
                label = party_type(element.get("type", ""), item)
                keys.add((f"{kind}:{label}", canonical_id(element[item])))
    return {(kind, value[:512]) for kind, value in keys}


def _indexed(
    seq: int, event: dict[str, Any], hashed: str, recorded_at: str, parties: tuple[Any, Any]
) -> IndexedEvent:
    event = {**event, "recordTime": recorded_at}
    return IndexedEvent(
        seq, hashed, event, parties[0], parties[1], _columns(event, recorded_at), _keys(event)
    )


def index_record(
    record: dict[str, Any],
    recorded_at: str,
    lookup: Lookup,
    seller_of: Callable[[str], str | None],
) -> list[IndexedEvent]:
    """The EPCIS events of one stored record (none for master data)."""
    if record.get("type") == "epcis_event":
        event = record["event"]
        return [
            _indexed(0, event, record["event_hash"], recorded_at, (record.get("reporter"), None))
        ]
    if "event_id" not in record:
        return []
    found = []
    for seq, event in enumerate(to_epcis(record, recorded_at=recorded_at, lookup=lookup)):
        event = {"@context": RL_CONTEXT, **event}
        own = (
            record.get("epcis_event_hash") if seq == 0 and record["type"] != "correction" else None
        )
        hashed = own or hash_id(EpcisEvent(event, {"rl": RL_NS}))
        source = record if seq == 0 else record.get("replacement", record)
        found.append(_indexed(seq, event, hashed, recorded_at, _parties(source, seller_of)))
    return found


def _parties(record: dict[str, Any], seller_of: Callable[[str], str | None]) -> tuple[Any, Any]:
    """The reporter, and the counterparty who may also see the event (a shipment's buyer, a
    receipt's seller), as in the rest of the API."""
    if record.get("type") == "shipment":
        return record["reporter"], record["buyer"]
    if record.get("type") == "receipt":
        return record["reporter"], seller_of(record["shipment_event_id"])
    return record.get("reporter"), None


def event_namespaces(event: dict[str, Any]) -> dict[str, str]:
    """The inline namespaces of a stored event's own @context."""
    try:
        return read_namespaces(event.get("@context"), "@context", required=False)
    except DocumentError:
        return {}
