"""EPCIS 2.0 capture: documents in, contract records and ``epcis_event`` records out.

Each event of a document is checked against the standard's structure and hashed (CBV 2.0);
an event whose hash ID is already stored is a duplicate (409). An event in rareledger's
vocabulary becomes a contract record (carrying its hash ID) and goes through the same write
path as native JSON, so it meets the same rules, findings and lineage; any other valid event
is stored as an ``epcis_event`` record. With the ``rollback`` error behaviour nothing is
submitted when any event fails the checks made before the ledger (structure, vocabulary,
duplicates); the ledger's own rules judge each record on its own, as for native batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from rareledger.domain.actors import Actor
from rareledger.domain.findings import RuleSettings
from rareledger.formats.epcis.checks import check_event
from rareledger.formats.epcis.documents import Document, DocumentError, read_document
from rareledger.formats.epcis.hashing import EpcisEvent, hash_id
from rareledger.formats.epcis.intake import (
    Translation,
    Untranslatable,
    correction_to_native,
    in_vocabulary,
    to_native,
)
from rareledger.formats.epcis.profile import derived_id, event_id_of, event_uri
from rareledger.formats.epcis.vocabulary import DEFAULT_CONTEXT
from rareledger.formats.epcis.xml_binding import read_xml_document
from rareledger.services import epcis_index
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.store import epcis as store
from rareledger.store.database import Database

__all__ = ["Capture", "DocumentError", "Outcome", "prehashes_of", "read_body"]


def read_body(data: bytes, media_type: str = "") -> Document:
    """A JSON-LD or XML EPCIS document (the media type, else the first byte, decides)."""
    looks_xml = "xml" in media_type or data.lstrip()[:1] == b"<"
    if looks_xml:
        return read_xml_document(data)
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise DocumentError("malformed_json", "", f"the body is not valid JSON: {error}") from error
    # Numbers stay floats: the contract reads a float through its shortest text, so a mass
    # of 12.345 kg is exactly 12345 g, and the hash canonicalises numbers the same way.
    return read_document(parsed)


def prehashes_of(document: Document) -> list[tuple[str, str]]:
    """(hash ID, pre-hash string) of each event of a document, in order."""
    from rareledger.formats.epcis.hashing import prehash

    return [(hash_id(event), prehash(event)) for event in document.events]


def _json_numbers(value: Any) -> Any:
    """Exact decimals back as JSON numbers, for an event stored as it was sent."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    return value


@dataclass
class Outcome:
    """What became of one event of a document."""

    index: int
    hash_id: str | None
    event_id: str | None
    status: str  # accepted | duplicate | rejected
    errors: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "eventHashID": self.hash_id,
            "eventID": self.event_id,
            "status": self.status,
            "position": self.position,
            "findings": self.findings,
            "errors": self.errors,
        }


@dataclass
class _Planned:
    outcome: Outcome
    record: dict[str, Any] | None = None
    translation: Translation | None = None


def _rejected(index: int, hashed: str | None, problems: Sequence[dict[str, Any]]) -> _Planned:
    return _Planned(Outcome(index, hashed, None, "rejected", list(problems)))


ROLLED_BACK = {
    "code": "rolled_back",
    "field": "",
    "message": "another event of the document was rejected (GS1-Capture-Error-Behaviour: rollback)",
    "value": None,
}


class Capture:
    """Captures EPCIS documents for one actor. Keep one for a stream of documents: its
    recorder keeps the ledger's working state between batches."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        *,
        settings: RuleSettings | None = None,
        allow_recorded_at: bool = False,
    ) -> None:
        self.database = database
        self.actor = actor
        self.allow_recorded_at = allow_recorded_at
        self.planned_ids: dict[str, set[str]] = {}
        self.recorder = Recorder(
            database, actor, allow_recorded_at=allow_recorded_at, settings=settings
        )

    def submit_records(self, records: list[dict[str, Any]]) -> list[Acknowledgement]:
        """The one place EPCIS capture writes to the ledger: the native write path."""
        return self.recorder.submit(records)

    def capture(self, document: Document, *, rollback: bool = True) -> list[Outcome]:
        """Capture a document's events; one outcome per event, in document order."""
        epcis_index.catch_up(self.database)
        planned = self._plan(document, checked=rollback)
        if rollback and any(p.outcome.status != "accepted" for p in planned):
            for p in planned:
                if p.outcome.status == "accepted":
                    p.outcome.status, p.outcome.errors = "rejected", [ROLLED_BACK]
            return [p.outcome for p in planned]
        to_submit = [p for p in planned if p.record is not None]
        receipts = self.submit_records([p.record for p in to_submit if p.record is not None])
        fresh = []
        for item, receipt in zip(to_submit, receipts, strict=True):
            _settle(item, receipt)
            if receipt.status == "accepted" and item.record is not None:
                fresh.append((receipt.position or 0, item.record))
        if not epcis_index.index_fresh(self.database, fresh):
            epcis_index.catch_up(self.database)
        return [p.outcome for p in planned]

    # ------------------------------------------------------------------ planning

    def _plan(self, document: Document, *, checked: bool) -> list[_Planned]:
        """Each event's record or rejection. ``checked`` runs the contract's stateless checks
        now (for a rollback, which must know of every rejection it can before writing)."""
        events = document.events
        problems = [check_event(e.data) for e in events]
        hashes = [None if p else hash_id(e) for e, p in zip(events, problems, strict=True)]
        with self.database.read() as connection:
            stored = store.known_hashes(connection, [h for h in hashes if h])
        by_id = {e.data.get("eventID"): i for i, e in enumerate(events)}
        corrective: dict[int, int] = {}  # corrective event -> its error declaration
        self.planned_ids = {}  # hash ID -> eventIDs earlier in the document
        planned: list[_Planned] = []
        for index, (event, hashed) in enumerate(zip(events, hashes, strict=True)):
            if hashed is None:
                planned.append(_rejected(index, None, problems[index]))
                continue
            key = (hashed, "errorDeclaration" in event.data)
            if key in stored:
                planned.append(_duplicate(index, hashed))
                continue
            stored.add(key)
            if index in corrective:
                planned.append(_Planned(Outcome(index, hashed, None, "accepted")))
                continue
            item = self._one(index, event, hashed, events, by_id, corrective)
            if item.record is not None and item.outcome.event_id and not key[1]:
                self.planned_ids.setdefault(hashed, set()).add(item.outcome.event_id)
            if checked and item.translation is not None:
                try:
                    _check_contract(item.translation, self.allow_recorded_at)
                except Untranslatable as error:
                    item = _rejected(index, hashed, error.problems)
            planned.append(item)
        for follower, declaration in corrective.items():
            planned[follower].outcome = planned[declaration].outcome
        return planned

    def _one(
        self,
        index: int,
        event: EpcisEvent,
        hashed: str,
        events: list[EpcisEvent],
        by_id: dict[Any, int],
        corrective: dict[int, int],
    ) -> _Planned:
        if not in_vocabulary(event):
            return _Planned(Outcome(index, hashed, None, "accepted"), self._stored(event, hashed))
        try:
            if "errorDeclaration" in event.data:
                translation = self._correction(index, event, hashed, events, by_id, corrective)
            else:
                translation = self._vocabulary(event, hashed)
        except Untranslatable as error:
            return _rejected(index, hashed, error.problems)
        record = translation.record
        if self.allow_recorded_at and isinstance(event.data.get("recordTime"), str):
            record["recorded_at"] = event.data["recordTime"]
        outcome = Outcome(index, hashed, event_uri(str(record.get("event_id"))), "accepted")
        return _Planned(outcome, record, translation)

    def _stored(self, event: EpcisEvent, hashed: str) -> dict[str, Any]:
        """The ``epcis_event`` record of an event outside rareledger's vocabulary."""
        from rareledger.domain.epcis_records import record_id_for

        data = _json_numbers(dict(event.data))
        data.pop("@context", None)
        if "eventID" not in data:
            data["eventID"] = hashed  # the repository assigns the hash ID
        inline = dict(event.namespaces)
        context: list[Any] = [DEFAULT_CONTEXT, *([inline] if inline else [])]
        record: dict[str, Any] = {
            "type": "epcis_event",
            "id": record_id_for(hashed, declared="errorDeclaration" in data),
            "event_hash": hashed,
            "event": {"@context": context, **data},
        }
        if self.actor.enterprise_id is not None:
            record["reporter"] = self.actor.enterprise_id
        if self.allow_recorded_at and isinstance(data.get("recordTime"), str):
            record["recorded_at"] = data["recordTime"]
        return record

    def _vocabulary(self, event: EpcisEvent, hashed: str) -> Translation:
        given = event.data.get("eventID")
        event_id = event_id_of(given) if isinstance(given, str) else derived_id(hashed)
        translation = to_native(event, event_id=event_id)
        translation.record["epcis_event_hash"] = hashed
        return translation

    def _correction(
        self,
        index: int,
        event: EpcisEvent,
        hashed: str,
        events: list[EpcisEvent],
        by_id: dict[Any, int],
        corrective: dict[int, int],
    ) -> Translation:
        declared = event.data["errorDeclaration"]
        ids = declared.get("correctiveEventIDs") or [] if isinstance(declared, dict) else []
        replacement = None
        if ids:
            follower = by_id.get(ids[0])
            if len(ids) != 1 or follower is None or follower <= index:
                raise Untranslatable([_follow_problem(ids)])
            uri = str(ids[0])
            replacement = to_native(events[follower], event_id=event_id_of(uri))
            corrective[follower] = index
        translation = correction_to_native(event, replacement)
        uri = event_uri(translation.record["corrects"])
        known = self.planned_ids.get(hashed, set())
        if uri not in known:
            with self.database.read() as connection:
                known = set(store.event_ids_by_hash(connection, hashed))
        if uri not in known:
            raise Untranslatable(
                [
                    {
                        "code": "declared_event_unknown",
                        "field": "eventID",
                        "message": "an error declaration repeats a stored event exactly "
                        "(same event hash ID and eventID)",
                        "value": event.data.get("eventID"),
                    }
                ]
            )
        _check_contract(translation, self.allow_recorded_at)
        return translation


def _follow_problem(ids: list[Any]) -> dict[str, Any]:
    return {
        "code": "required",
        "field": "errorDeclaration.correctiveEventIDs",
        "message": "a rareledger correction names one corrective event, which follows it "
        "in the same document",
        "value": ids,
    }


def _check_contract(translation: Translation, allow_recorded_at: bool) -> None:
    """The contract's stateless checks, named in EPCIS terms."""
    from rareledger.domain.records import ParsedRecord, parse_record

    parsed = parse_record(dict(translation.record), allow_recorded_at=allow_recorded_at)
    if not isinstance(parsed, ParsedRecord):
        raise Untranslatable([_named(translation, p.as_dict()) for p in parsed])


def _named(translation: Translation | None, error: dict[str, Any]) -> dict[str, Any]:
    if translation is None:
        return error
    return {**error, "field": translation.epcis_path(str(error.get("field") or ""))}


def _duplicate(index: int, hashed: str) -> _Planned:
    problem = {
        "code": "epcis_duplicate",
        "field": "eventID",
        "message": "an event with this event hash ID is already stored",
        "value": hashed,
    }
    return _Planned(Outcome(index, hashed, None, "duplicate", [problem]))


def _settle(item: _Planned, receipt: Acknowledgement) -> None:
    outcome = item.outcome
    outcome.position = receipt.position
    if receipt.status == "accepted":
        outcome.findings = receipt.findings
    elif receipt.status == "duplicate":
        outcome.status = "duplicate"
        outcome.errors = [
            {
                "code": "epcis_duplicate",
                "field": "eventID",
                "message": "this event is already stored",
                "value": outcome.hash_id,
            }
        ]
    else:
        outcome.status = "rejected"
        outcome.errors = [_named(item.translation, e) for e in receipt.errors]
