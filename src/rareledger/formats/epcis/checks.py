"""The EPCIS 2.0 structure of one event (the JSON schema's rules rareledger relies on), with
problems that name the field and the rule."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from rareledger.formats.epcis.vocabulary import EVENT_TYPES

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_OFFSET = re.compile(r"[+-]((0\d|1[0-3]):[0-5]\d|14:00)")
_UOM = re.compile(r"[A-Z0-9]{2,3}")
STANDARD_FIELDS = frozenset(
    [
        "@context",
        "type",
        "eventID",
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "certificationInfo",
        "errorDeclaration",
        "action",
        "epcList",
        "quantityList",
        "bizStep",
        "disposition",
        "persistentDisposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "ilmd",
        "parentID",
        "childEPCs",
        "childQuantityList",
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
    ]
)
NEEDS_ACTION = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "AssociationEvent"}
)
ID_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def _problem(field: str, message: str, value: Any = None) -> dict[str, Any]:
    return {"code": "invalid_event", "field": field, "message": message, "value": value}


def _header(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        found.append(_problem("type", f"must be one of {', '.join(EVENT_TYPES)}", kind))
    for name in ("eventTime", "recordTime"):
        value = event.get(name)
        if (value is not None or name == "eventTime") and not (
            isinstance(value, str) and _TIME.fullmatch(value)
        ):
            found.append(_problem(name, "must be a date-time with an offset", value))
    offset = event.get("eventTimeZoneOffset")
    if not (isinstance(offset, str) and _OFFSET.fullmatch(offset)):
        found.append(_problem("eventTimeZoneOffset", "must be an offset such as +08:00", offset))
    if kind in NEEDS_ACTION and event.get("action") not in ("ADD", "OBSERVE", "DELETE"):
        found.append(_problem("action", "must be ADD, OBSERVE or DELETE", event.get("action")))
    if kind == "TransactionEvent" and not isinstance(event.get("bizTransactionList"), list):
        found.append(_problem("bizTransactionList", "a TransactionEvent names its transactions"))
    for key in event:
        if key not in STANDARD_FIELDS and ":" not in key:
            found.append(_problem(key, "not an EPCIS field; an extension is a namespaced IRI"))
    return found


def _lists(event: dict[str, Any]) -> list[dict[str, Any]]:
    return _id_lists(event) + _quantity_lists(event) + _parties(event)


def _id_lists(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name in ID_LISTS:
        value = event.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            found.append(_problem(name, "must be a list of URIs", value))
    return found


def _quantity_lists(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name in QUANTITY_LISTS:
        value = event.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            found.append(_problem(name, "must be a list of quantity elements", value))
            continue
        for index, element in enumerate(value):
            found.extend(_quantity(element, f"{name}[{index}]"))
    return found


def _parties(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name, item in (("sourceList", "source"), ("destinationList", "destination")):
        for index, element in enumerate(event.get(name) or []):
            if not (isinstance(element, dict) and "type" in element and item in element):
                found.append(_problem(f"{name}[{index}]", f"needs type and {item}", element))
    for index, element in enumerate(event.get("bizTransactionList") or []):
        if not (isinstance(element, dict) and "bizTransaction" in element):
            found.append(_problem(f"bizTransactionList[{index}]", "needs bizTransaction", element))
    return found


def _quantity(element: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(element, dict) or not isinstance(element.get("epcClass"), str):
        return [_problem(path, "a quantity element has an epcClass", element)]
    found = []
    quantity = element.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int | float | Decimal)
    ):
        found.append(_problem(f"{path}.quantity", "must be a number", quantity))
    uom = element.get("uom")
    if uom is not None and not (isinstance(uom, str) and _UOM.fullmatch(uom)):
        found.append(_problem(f"{path}.uom", "must be a UN/ECE Rec 20 unit code", uom))
    extra = set(element) - {"epcClass", "quantity", "uom"}
    if extra:
        found.append(_problem(f"{path}.{sorted(extra)[0]}", "not part of a quantity element"))
    return found


def check_event(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Problems with an event's EPCIS structure (empty when it is valid)."""
    return _header(event) + _lists(event)
