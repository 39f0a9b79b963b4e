"""rareledger records as EPCIS 2.0 events (JSON-LD), following docs/epcis.md.

Every event type maps to one EPCIS event: the business step, disposition and event type say
what happened, lots are classes (``quantityList`` in kilograms), new lots' form and
composition are ILMD, and what EPCIS has no field for (value, licence, counterparties)
are extension fields in rareledger's namespace. A correction is the corrected event
repeated with an ``errorDeclaration``; its replacement follows as the corrective event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from rareledger.formats.epcis.profile import (
    DISPOSITIONS,
    ENTERPRISE,
    FACILITY,
    KILOGRAM,
    LOT,
    TYPES,
    event_uri,
)

Lookup = Callable[[str], dict[str, Any]]  # a stored event record by its event id


def _kg(value: Any) -> float:
    """A kilogram decimal as a JSON number (exact: masses have at most 13 digits)."""
    return float(Decimal(str(value)))


def _offset(occurred_at: str) -> str:
    moment = datetime.fromisoformat(occurred_at.upper().replace("Z", "+00:00"))
    offset = moment.isoformat()[-6:]
    return offset if offset[0] in "+-" else "+00:00"


def _quantities(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"epcClass": LOT + item["lot_id"], "quantity": _kg(item["mass_kg"]), "uom": KILOGRAM}
        for item in items
    ]


def _lots(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rl:lot": [
            {
                "rl:lotID": LOT + lot["lot_id"],
                "rl:form": lot["form"],
                "rl:composition": {f"rl:{k}": str(v) for k, v in lot["composition"].items()},
            }
            for lot in outputs
        ]
    }


def _party(party: dict[str, Any]) -> dict[str, Any]:
    return {f"rl:{key}": value for key, value in party.items()}


def _money(value: dict[str, Any]) -> dict[str, Any]:
    return {"rl:amount": str(value["amount"]), "rl:currency": value["currency"]}


def _common(record: dict[str, Any], recorded_at: str | None) -> dict[str, Any]:
    kind, action, step = TYPES[record["type"]]
    event: dict[str, Any] = {
        "type": kind,
        "eventID": event_uri(record["event_id"]),
        "eventTime": record["occurred_at"],
        "eventTimeZoneOffset": _offset(record["occurred_at"]),
    }
    if recorded_at is not None:
        event["recordTime"] = recorded_at
    if action is not None:
        event["action"] = action
    event["bizStep"] = step
    if DISPOSITIONS[record["type"]] is not None:
        event["disposition"] = DISPOSITIONS[record["type"]]
    if record.get("facility_id") is not None:
        event["readPoint"] = {"id": FACILITY + record["facility_id"]}
    event["rl:reporter"] = ENTERPRISE + record["reporter"]
    if record.get("note") is not None:
        event["rl:note"] = record["note"]
    return event


def _export_fields(record: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "quantityList": _quantities(record["items"]),
        "rl:destinationCountry": record["destination_country"],
        "rl:consignee": _party(record["consignee"]),
        "rl:endUser": _party(record["end_user"]),
        "rl:endUse": record["end_use"],
        "rl:hsCode": record["hs_code"],
        "rl:customsDeclarationNo": record["customs_declaration_no"],
        "rl:value": _money(record["value"]),
    }
    if record.get("licence_no") is not None:
        fields["rl:licenceNo"] = record["licence_no"]
    return fields


def _own_fields(record: dict[str, Any]) -> dict[str, Any]:
    kind = record["type"]
    if kind == "extraction":
        return {"quantityList": _quantities(record["outputs"]), "ilmd": _lots(record["outputs"])}
    if kind == "processing":
        return {
            "inputQuantityList": _quantities(record["inputs"]),
            "outputQuantityList": _quantities(record["outputs"]),
            "ilmd": _lots(record["outputs"]),
            "rl:process": record["process"],
        }
    if kind == "shipment":
        fields = {
            "quantityList": _quantities(record["items"]),
            "destinationList": [
                {"type": "owning_party", "destination": ENTERPRISE + record["buyer"]}
            ],
            "rl:value": _money(record["value"]),
            "rl:invoiceNo": record["invoice_no"],
        }
        if record.get("contract_no") is not None:
            fields["rl:contractNo"] = record["contract_no"]
        return fields
    if kind == "receipt":
        return {
            "quantityList": _quantities(record["items"]),
            "rl:shipment": event_uri(record["shipment_event_id"]),
        }
    if kind in ("export", "customs_check"):
        return _export_fields(record)
    if kind == "import":
        return {
            "quantityList": _quantities(record["outputs"]),
            "ilmd": _lots(record["outputs"]),
            "rl:originCountry": record["origin_country"],
            "rl:supplier": _party(record["supplier"]),
            "rl:customsDeclarationNo": record["customs_declaration_no"],
            "rl:value": _money(record["value"]),
        }
    # adjustment
    return {
        "quantityList": [{"epcClass": LOT + record["lot_id"]}],
        "rl:deltaKg": str(record["delta_kg"]),
        "rl:reason": record["reason"],
    }


def to_epcis(
    record: dict[str, Any], *, recorded_at: str | None = None, lookup: Lookup | None = None
) -> list[dict[str, Any]]:
    """The EPCIS events of one stored event record: one event, or for a correction the
    error declaration and, when it has one, the corrective event."""
    if record["type"] == "correction":
        if lookup is None:
            raise ValueError("a correction needs the corrected event's record")
        return _correction(record, recorded_at, lookup)
    return [{**_common(record, recorded_at), **_own_fields(record)}]


def _correction(
    record: dict[str, Any], recorded_at: str | None, lookup: Lookup
) -> list[dict[str, Any]]:
    corrected = lookup(record["corrects"])
    declared = to_epcis(corrected, lookup=lookup)[0]
    replacement = record.get("replacement")
    declaration: dict[str, Any] = {
        "declarationTime": record["occurred_at"],
        "reason": "incorrect_data" if replacement else "did_not_occur",
    }
    if replacement:
        declaration["correctiveEventIDs"] = [event_uri(replacement["event_id"])]
    declaration["rl:correction"] = event_uri(record["event_id"])
    declaration["rl:reason"] = record["reason"]
    for name, key in (("note", "rl:note"), ("facility_id", "rl:facility")):
        if record.get(name) is not None:
            value = record[name]
            declaration[key] = FACILITY + value if name == "facility_id" else value
    if recorded_at is not None:
        declared["recordTime"] = recorded_at
    events = [{**declared, "errorDeclaration": declaration}]
    if replacement:
        events.append(to_epcis(replacement, recorded_at=recorded_at, lookup=lookup)[0])
    return events
