"""EPCIS events in rareledger's vocabulary as contract records (the inverse of export.py).

An event belongs to the vocabulary when it uses rareledger's namespace; it must then be
exactly one of the mapped events (docs/epcis.md), with no field the mapping does not know, so
that nothing sent is silently dropped. Problems name the EPCIS field (a JSON path) and the
rule; ``origins`` lets the contract's own rejections be named in EPCIS terms too.
"""

from __future__ import annotations

from rareledger.formats.epcis.hashing import EpcisEvent
from rareledger.formats.epcis.intake_fields import (
    Reader,
    Translation,
    Untranslatable,
    in_vocabulary,
    read_items,
    read_money,
    read_new_lots,
    read_occurred_at,
    read_party,
    rename_rl,
    rl_prefixes,
)
from rareledger.formats.epcis.profile import (
    CLASSES,
    DISPOSITIONS,
    ENTERPRISE,
    FACILITY,
    event_id_of,
)
from rareledger.formats.epcis.vocabulary import CODE_LISTS, bare

__all__ = ["Translation", "Untranslatable", "correction_to_native", "in_vocabulary", "to_native"]

COMMON = frozenset(
    {
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "rl:reporter",
        "rl:note",
        "@context",
    }
)
EXPORT = frozenset(
    {
        "quantityList",
        "rl:destinationCountry",
        "rl:consignee",
        "rl:endUser",
        "rl:endUse",
        "rl:hsCode",
        "rl:customsDeclarationNo",
        "rl:value",
        "rl:licenceNo",
    }
)
OWN_FIELDS: dict[str, frozenset[str]] = {
    "extraction": frozenset({"quantityList", "ilmd"}),
    "processing": frozenset({"inputQuantityList", "outputQuantityList", "ilmd", "rl:process"}),
    "shipment": frozenset(
        {"quantityList", "destinationList", "rl:value", "rl:invoiceNo", "rl:contractNo"}
    ),
    "receipt": frozenset({"quantityList", "rl:shipment"}),
    "export": EXPORT,
    "customs_check": EXPORT,
    "import": frozenset(
        {
            "quantityList",
            "ilmd",
            "rl:originCountry",
            "rl:supplier",
            "rl:customsDeclarationNo",
            "rl:value",
        }
    ),
    "adjustment": frozenset({"quantityList", "rl:deltaKg", "rl:reason"}),
}


def _classify(reader: Reader) -> str | None:
    data = reader.data
    step = bare(str(data.get("bizStep", "")), CODE_LISTS["bizStep"])
    action = data.get("action") if data.get("type") != "TransformationEvent" else None
    kind = CLASSES.get((str(data.get("type")), action, step))
    if kind is None:
        known = "; ".join(f"{t} {a or ''} {s}".replace("  ", " ") for t, a, s in CLASSES)
        reader.fail(
            "not_in_vocabulary",
            "bizStep",
            f"an event in rareledger's namespace must be one of: {known}",
            step,
        )
    return kind


def _fixed_fields(reader: Reader, kind: str) -> None:
    """The fields each mapped event has exactly (docs/epcis.md), so that the record gives the
    same event back: its disposition, and no action on a transformation."""
    data = reader.data
    expected = DISPOSITIONS[kind]
    given = data.get("disposition")
    if (bare(str(given), CODE_LISTS["disposition"]) if given is not None else None) != expected:
        reader.fail(
            "not_representable",
            "disposition",
            f"a rareledger {kind} has " + (f"disposition {expected}" if expected else "none"),
            given,
        )
    if kind == "processing" and "action" in data:
        reader.fail(
            "not_representable", "action", "a TransformationEvent has no action", data["action"]
        )


def _header(reader: Reader, kind: str, *, event_id: str | None) -> None:
    data = reader.data
    _fixed_fields(reader, kind)
    reader.put("type", kind, "type")
    reader.put("event_id", event_id, "eventID")
    reporter = data.get("rl:reporter")
    reader.put(
        "reporter",
        reader.identifier("rl:reporter", ENTERPRISE, reporter, "rl:reporter"),
        "rl:reporter",
    )
    reader.put("occurred_at", read_occurred_at(reader), "eventTime")
    place = data.get("readPoint")
    if place is not None:
        if not isinstance(place, dict) or set(place) != {"id"}:
            reader.fail("unknown_field", "readPoint", "readPoint has only an id", place)
        else:
            facility = reader.identifier("id", FACILITY, place["id"], "readPoint.id")
            reader.put("facility_id", facility, "readPoint.id")
    reader.put("note", reader.text("rl:note"), "rl:note")


def _extraction(reader: Reader) -> None:
    reader.put("outputs", read_new_lots(reader, "quantityList", "outputs"), "quantityList")


def _processing(reader: Reader) -> None:
    reader.put("process", reader.text("rl:process"), "rl:process")
    reader.put("inputs", read_items(reader, "inputQuantityList", "inputs"), "inputQuantityList")
    outputs = read_new_lots(reader, "outputQuantityList", "outputs")
    reader.put("outputs", outputs, "outputQuantityList")


def _shipment(reader: Reader) -> None:
    buyers = reader.data.get("destinationList")
    if not (
        isinstance(buyers, list)
        and len(buyers) == 1
        and isinstance(buyers[0], dict)
        and buyers[0].get("type") == "owning_party"
    ):
        reader.fail(
            "required", "destinationList", "a shipment names one owning_party: the buyer", buyers
        )
    else:
        if set(buyers[0]) != {"type", "destination"}:
            reader.fail(
                "unknown_field", "destinationList[0]", "has only type and destination", buyers[0]
            )
        where = "destinationList[0].destination"
        buyer = reader.identifier("destination", ENTERPRISE, buyers[0].get("destination"), where)
        reader.put("buyer", buyer, where)
    reader.put("items", read_items(reader, "quantityList", "items"), "quantityList")
    reader.put("value", read_money(reader, "rl:value"), "rl:value")
    reader.put("invoice_no", reader.text("rl:invoiceNo"), "rl:invoiceNo")
    reader.put("contract_no", reader.text("rl:contractNo"), "rl:contractNo")


def _receipt(reader: Reader) -> None:
    shipment = reader.text("rl:shipment")
    reader.put("shipment_event_id", event_id_of(shipment) if shipment else None, "rl:shipment")
    reader.put("items", read_items(reader, "quantityList", "items"), "quantityList")


def _export(reader: Reader) -> None:
    reader.put("items", read_items(reader, "quantityList", "items"), "quantityList")
    for name, key in (
        ("destination_country", "rl:destinationCountry"),
        ("end_use", "rl:endUse"),
        ("hs_code", "rl:hsCode"),
        ("customs_declaration_no", "rl:customsDeclarationNo"),
        ("licence_no", "rl:licenceNo"),
    ):
        reader.put(name, reader.text(key), key)
    reader.put("consignee", read_party(reader, "rl:consignee"), "rl:consignee")
    reader.put("end_user", read_party(reader, "rl:endUser"), "rl:endUser")
    reader.put("value", read_money(reader, "rl:value"), "rl:value")


def _import(reader: Reader) -> None:
    reader.put("origin_country", reader.text("rl:originCountry"), "rl:originCountry")
    reader.put("supplier", read_party(reader, "rl:supplier"), "rl:supplier")
    reader.put("outputs", read_new_lots(reader, "quantityList", "outputs"), "quantityList")
    declaration = reader.text("rl:customsDeclarationNo")
    reader.put("customs_declaration_no", declaration, "rl:customsDeclarationNo")
    reader.put("value", read_money(reader, "rl:value"), "rl:value")


def _adjustment(reader: Reader) -> None:
    items = read_items(reader, "quantityList", "lot", with_mass=False)
    if items is not None and len(items) != 1:
        reader.fail("one_lot", "quantityList", "an adjustment is of exactly one lot", len(items))
    elif items:
        reader.put("lot_id", items[0]["lot_id"], "quantityList[0].epcClass")
    reader.put("delta_kg", reader.data.get("rl:deltaKg"), "rl:deltaKg")
    reader.put("reason", reader.text("rl:reason"), "rl:reason")


_OWN = {
    "extraction": _extraction,
    "processing": _processing,
    "shipment": _shipment,
    "receipt": _receipt,
    "export": _export,
    "customs_check": _export,
    "import": _import,
    "adjustment": _adjustment,
}


def _unknown_fields(reader: Reader, kind: str, extra: frozenset[str] = frozenset()) -> None:
    allowed = COMMON | OWN_FIELDS[kind] | extra
    for key in reader.data:
        if key not in allowed:
            reader.fail(
                "unknown_field",
                key,
                f"not part of rareledger's {kind} event (docs/epcis.md)",
                reader.data[key],
            )


def to_native(event: EpcisEvent, *, event_id: str) -> Translation:
    """The contract record of one event in rareledger's vocabulary (not a correction)."""
    prefixes = rl_prefixes(event)
    data = event.data if prefixes == {"rl"} else rename_rl(event.data, prefixes)
    reader = Reader(data)
    kind = _classify(reader)
    if kind is not None:
        _unknown_fields(reader, kind)
        _header(reader, kind, event_id=event_id)
        _OWN[kind](reader)
    if reader.problems or kind is None:
        raise Untranslatable(reader.problems)
    return reader.translation


def correction_to_native(event: EpcisEvent, replacement: Translation | None) -> Translation:
    """The correction declared by an error declaration in rareledger's vocabulary; the
    declared event is the one its ``eventID`` names (the service checks it is repeated
    exactly). ``replacement`` is the corrective event, when there is one."""
    reader = Reader(rename_rl(event.data, rl_prefixes(event)))
    declared = reader.data.get("errorDeclaration")
    assert isinstance(declared, dict)
    known = {
        "declarationTime",
        "reason",
        "correctiveEventIDs",
        "rl:correction",
        "rl:reason",
        "rl:note",
        "rl:facility",
    }
    for key in declared:
        if key not in known:
            reader.fail(
                "unknown_field",
                f"errorDeclaration.{key}",
                "not part of a rareledger correction",
                declared[key],
            )
    record, origins = reader.translation.record, reader.translation.origins
    correction = declared.get("rl:correction")
    corrects = reader.data.get("eventID")
    if not isinstance(correction, str) or not isinstance(corrects, str):
        reader.fail(
            "required",
            "errorDeclaration.rl:correction",
            "a correction has its own id (rl:correction) and names the event (eventID)",
            correction,
        )
        raise Untranslatable(reader.problems)
    reporter = reader.identifier(
        "rl:reporter", ENTERPRISE, reader.data.get("rl:reporter"), "rl:reporter"
    )
    record.update(
        type="correction",
        event_id=event_id_of(correction),
        reporter=reporter,
        occurred_at=declared.get("declarationTime"),
        corrects=event_id_of(corrects),
        reason=declared.get("rl:reason"),
    )
    origins.update(
        {
            "event_id": "errorDeclaration.rl:correction",
            "reporter": "rl:reporter",
            "occurred_at": "errorDeclaration.declarationTime",
            "corrects": "eventID",
            "reason": "errorDeclaration.rl:reason",
        }
    )
    if declared.get("rl:note") is not None:
        record["note"] = declared["rl:note"]
    if declared.get("rl:facility") is not None:
        record["facility_id"] = reader.identifier(
            "rl:facility", FACILITY, declared["rl:facility"], "errorDeclaration.rl:facility"
        )
    if replacement is not None:
        record["replacement"] = replacement.record
        origins["replacement"] = "errorDeclaration.correctiveEventIDs[0]"
    if reader.problems:
        raise Untranslatable(reader.problems)
    return reader.translation
