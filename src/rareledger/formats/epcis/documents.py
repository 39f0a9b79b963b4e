"""Read EPCIS 2.0 JSON-LD documents (capture and query documents, or one event) offline.

The ``@context`` must name the standard EPCIS 2.0 context by a published URL (nothing is
fetched) and may add namespace prefixes inline; a document that redefines a term of the
protected standard context, or points at any other remote context, is refused. Errors name
the field (a JSON path) and the rule, like the rest of rareledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rareledger.errors import Invalid
from rareledger.formats.epcis.hashing import EpcisEvent
from rareledger.formats.epcis.vocabulary import (
    STANDARD_CONTEXTS,
    STANDARD_PREFIXES,
)

DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
# Terms the protected standard context defines (besides its prefixes).
PROTECTED_TERMS = frozenset(
    [
        "id",
        "type",
        "eventID",
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "action",
        "certificationInfo",
        "bizStep",
        "disposition",
        "bizLocation",
        "readPoint",
        "transformationID",
        "epcList",
        "sourceList",
        "destinationList",
        "persistentDisposition",
        "quantity",
        "epcClass",
        "uom",
        "quantityList",
        "bizTransactionList",
        "parentID",
        "childEPCs",
        "childQuantityList",
        "inputEPCList",
        "outputEPCList",
        "inputQuantityList",
        "outputQuantityList",
        "sensorElementList",
        "errorDeclaration",
        "creationDate",
        "sender",
        "receiver",
        "instanceIdentifier",
        "schemaVersion",
        "ilmd",
        "epcisHeader",
        "epcisBody",
        "eventList",
        "queryResults",
        "resultsBody",
        "queryName",
        "subscriptionID",
    ]
)


class DocumentError(Invalid):
    """A document that cannot be read: ``field`` is a JSON path, ``code`` the rule."""

    def __init__(self, code: str, field: str, message: str, value: Any = None) -> None:
        super().__init__(f"{field or 'document'}: {message}", code=code)
        self.field, self.message, self.value = field, message, value

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """The events of one document, in order, with the namespaces they use."""

    kind: str  # EPCISDocument, EPCISQueryDocument, or "event" for a single event
    events: list[EpcisEvent]
    namespaces: Mapping[str, str] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()


def read_namespaces(context: Any, path: str, *, required: bool = True) -> dict[str, str]:
    """The inline prefixes of a JSON-LD ``@context``; the standard context must be named."""
    entries = context if isinstance(context, list) else [context]
    if context is None:
        if required:
            raise DocumentError("required", path, "the EPCIS 2.0 @context is required")
        return {}
    found: dict[str, str] = {}
    standard = False
    for index, entry in enumerate(entries):
        where = f"{path}[{index}]" if isinstance(context, list) else path
        if isinstance(entry, str):
            if entry not in STANDARD_CONTEXTS:
                raise DocumentError(
                    "remote_context",
                    where,
                    "only the EPCIS 2.0 context is known; other contexts are not fetched "
                    "(define namespaces inline)",
                    entry,
                )
            standard = True
        elif isinstance(entry, dict):
            found.update(_inline(entry, where))
        else:
            raise DocumentError("type", where, "a context entry is a URL or an object", entry)
    if required and not standard:
        raise DocumentError(
            "missing_standard_context", path, "the @context must include the EPCIS 2.0 context"
        )
    return found


def _inline(entry: dict[str, Any], path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in entry.items():
        if key.startswith("@"):
            continue
        if key in STANDARD_PREFIXES and value != STANDARD_PREFIXES[key]:
            raise DocumentError(
                "protected_term",
                f"{path}.{key}",
                "redefines a prefix of the protected EPCIS 2.0 context",
                value,
            )
        if key in PROTECTED_TERMS:
            raise DocumentError(
                "protected_term",
                f"{path}.{key}",
                "redefines a term of the protected EPCIS 2.0 context",
                value,
            )
        if isinstance(value, str):
            found[key] = value
        elif isinstance(value, dict) and isinstance(value.get("@id"), str):
            found[key] = value["@id"]
        elif not isinstance(value, dict):
            raise DocumentError(
                "type", f"{path}.{key}", "must be an IRI or a term definition", value
            )
    return found


def _ignored(document: dict[str, Any]) -> frozenset[str]:
    """A ``<prefix>:ignoreFields`` list on the document or its query results (an extension
    some repositories use for their own bookkeeping fields, which stay out of the hash)."""
    body = document.get("epcisBody")
    results = body.get("queryResults") if isinstance(body, dict) else None
    for holder in (document, results if isinstance(results, dict) else {}):
        for key, value in holder.items():
            if key.partition(":")[2] == "ignoreFields" and isinstance(value, list):
                return frozenset(str(v) for v in value)
    return frozenset()


def _event_list(document: dict[str, Any], kind: str) -> tuple[list[Any], str]:
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise DocumentError("required", "epcisBody", "an EPCIS document has an epcisBody object")
    if kind == "EPCISQueryDocument":
        results = body.get("queryResults")
        inner = results.get("resultsBody") if isinstance(results, dict) else None
        events = inner.get("eventList") if isinstance(inner, dict) else None
        path = "epcisBody.queryResults.resultsBody.eventList"
    else:
        events, path = body.get("eventList"), "epcisBody.eventList"
        if events is None and isinstance(body.get("event"), dict):
            events = [body["event"]]
    if not isinstance(events, list):
        raise DocumentError("required", path, "must be a list of events")
    return events, path


def read_document(document: Any) -> Document:
    """The events of a parsed JSON-LD document (or of a single event with its context)."""
    if not isinstance(document, dict):
        raise DocumentError("type", "", "an EPCIS document is a JSON object", None)
    kind = document.get("type")
    namespaces = read_namespaces(document.get("@context"), "@context")
    if kind not in DOCUMENT_TYPES:
        if isinstance(kind, str) and kind.endswith("Event"):
            event = EpcisEvent(document, namespaces)
            return Document("event", [event], namespaces)
        raise DocumentError(
            "unknown_document_type",
            "type",
            "must be EPCISDocument, EPCISQueryDocument or an event type",
            kind,
        )
    raw_events, path = _event_list(document, kind)
    ignored = _ignored(document)
    events = []
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            raise DocumentError("type", f"{path}[{index}]", "an event is a JSON object", raw)
        own = read_namespaces(raw.get("@context"), f"{path}[{index}].@context", required=False)
        events.append(EpcisEvent(raw, {**namespaces, **own}, ignored))
    return Document(kind, events, namespaces, ignored)
