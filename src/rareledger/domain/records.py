"""Parse one submitted record (master data or event) into a typed value, or say why not.

This is the stateless half of validation (spec section 4): shapes, types, vocabularies,
units and ranges. The stateful half (unknown lots, roles, balances) is in
:mod:`rareledger.domain.ledger`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from rareledger.domain import vocabulary as vocab
from rareledger.domain.canonical import canonical_json
from rareledger.domain.checks import MAX_RECORD_BYTES, shape_problem
from rareledger.domain.control_records import MASTER_PARSERS
from rareledger.domain.epcis_records import (
    EPCIS_EVENT,
    EPCIS_PARSERS,
    epcis_shape_problem,
    read_event_hash,
)
from rareledger.domain.events import (
    Adjustment,
    Correction,
    CustomsCheck,
    Event,
    Export,
    Extraction,
    Import,
    MasterRecord,
    Processing,
    Receipt,
    Shipment,
)
from rareledger.domain.fields import Fields, all_read
from rareledger.domain.master_parsers import enterprise, facility, quota
from rareledger.domain.problems import Problem

COMMON_EVENT_FIELDS = (
    "type",
    "event_id",
    "reporter",
    "occurred_at",
    "facility_id",
    "note",
    "epcis_event_hash",  # extension: the CBV hash ID of an event captured through EPCIS
)
RECORDED_AT = "recorded_at"


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Input that is not JSON at all (a malformed line of a JSON Lines file)."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """A record that passed the stateless checks.

    ``record`` is the submitted object with decimals in canonical text; ``digest`` identifies
    its content (``recorded_at`` aside), so that an identical re-send is recognised.
    """

    kind: str  # "event" or "master"
    type: str
    record_id: str
    record: dict[str, Any]
    value: Event | MasterRecord
    digest: str
    recorded_at: datetime | None
    text: str  # the canonical JSON of ``record``, as stored


def content_digest(record: dict[str, Any], text: str | None = None) -> str:
    """SHA-256 of a record's canonical content without ``recorded_at``.

    ``text`` may pass the record's canonical JSON when it has no ``recorded_at``.
    """
    if text is None or RECORDED_AT in record:
        text = canonical_json({k: v for k, v in record.items() if k != RECORDED_AT})
    return hashlib.sha256(text.encode()).hexdigest()


ID_FIELDS = {"licence_application": "application_id", "licence_decision": "application_id"}


def record_id_of(raw: object) -> str | None:
    """The id a receipt names for a raw record: ``event_id`` for events, ``id`` (or
    ``application_id`` for licence records) for master data."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    name = ID_FIELDS.get(kind, "id") if kind in vocab.MASTER_TYPES else "event_id"
    value = raw.get(name)
    return value if isinstance(value, str) else None


def parse_record(raw: object, *, allow_recorded_at: bool = False) -> ParsedRecord | list[Problem]:
    """Check one record; return it parsed, or the list of problems that reject it."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return [Problem("type", "", "a record must be a JSON object", raw)]
    too_big = shape_problem(raw) if raw.get("type") != EPCIS_EVENT else epcis_shape_problem(raw)
    if too_big is not None:
        return [Problem(too_big[0], too_big[1], too_big[2])]
    record_type = raw.get("type")
    if record_type is None:
        return [Problem("required", "type", "field is required")]
    parser = _PARSERS.get(record_type) if isinstance(record_type, str) else None
    if parser is None:
        known = ", ".join(vocab.MASTER_TYPES + vocab.EVENT_TYPES)
        return [Problem("unknown_type", "type", f"must be one of {known}", record_type)]
    value, recorded_at = _parse_into(parser, raw, "", problems, allow_recorded_at)
    if problems or value is None:
        return problems or [Problem("invalid", "", "record is invalid")]
    kind = "master" if record_type in vocab.MASTER_TYPES else "event"
    record_id = record_id_of(raw) or ""
    text = canonical_json(raw)
    if len(text.encode()) > MAX_RECORD_BYTES:
        return [
            Problem("record_too_large", "", f"the record must be at most {MAX_RECORD_BYTES} bytes")
        ]
    return ParsedRecord(
        kind, record_type, record_id, raw, value, content_digest(raw, text), recorded_at, text
    )


def parse_stored(text: str) -> ParsedRecord:
    """Parse a stored ledger record again (to replay it, or to reverse it)."""
    parsed = parse_record(json.loads(text, parse_float=Decimal), allow_recorded_at=True)
    if not isinstance(parsed, ParsedRecord):
        raise ValueError(f"a stored record no longer parses: {parsed}")
    return parsed


_Parser = Callable[[Fields], Any]


def _parse_into(
    parser: tuple[tuple[str, ...], _Parser],
    raw: dict[str, Any],
    path: str,
    problems: list[Problem],
    allow_recorded_at: bool,
) -> tuple[Any, datetime | None]:
    own_fields, build = parser
    allowed = (*own_fields, RECORDED_AT) if allow_recorded_at else own_fields
    fields = Fields(raw, path, problems, allowed)
    fields.allow_recorded_at = allow_recorded_at
    if not allow_recorded_at and RECORDED_AT in raw:
        problems[:] = [p for p in problems if p.field != fields_path(path, RECORDED_AT)]
        fields.fail(
            "recorded_at_not_allowed",
            RECORDED_AT,
            "recorded_at is set by the server on this channel",
            raw[RECORDED_AT],
        )
    recorded_at = fields.time(RECORDED_AT, required=False) if allow_recorded_at else None
    return build(fields), recorded_at


def fields_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# ---------------------------------------------------------------- events


def _header(f: Fields) -> dict[str, Any] | None:
    header = {
        "event_id": f.identifier("event_id"),
        "reporter": f.identifier("reporter"),
        "occurred_at": f.time("occurred_at"),
    }
    facility_id = f.identifier("facility_id", required=False)
    note = f.text("note", required=False)
    read_event_hash(f, "epcis_event_hash", required=False)
    if None in header.values():
        return None
    return {**header, "facility_id": facility_id, "note": note}


def _complete(header: dict[str, Any] | None, fields: dict[str, Any]) -> dict[str, Any] | None:
    """The event's common fields and its own, or None when any is missing or wrong."""
    own = all_read(fields)
    return None if header is None or own is None else {**header, **own}


def _extraction(f: Fields) -> Extraction | None:
    args = _complete(_header(f), {"outputs": f.new_lots("outputs", vocab.EXTRACTION_FORMS)})
    return Extraction(**args) if args else None


def _processing(f: Fields) -> Processing | None:
    args = _complete(
        _header(f),
        {
            "process": f.choice("process", vocab.PROCESSES, "unknown_process"),
            "inputs": f.lot_quantities("inputs"),
            "outputs": f.new_lots("outputs", vocab.FORMS),
        },
    )
    return Processing(**args) if args else None


def _shipment(f: Fields) -> Shipment | None:
    header = _header(f)
    contract_no = f.text("contract_no", required=False)
    args = _complete(
        header,
        {
            "buyer": f.identifier("buyer"),
            "items": f.lot_quantities("items"),
            "value": f.money("value"),
            "invoice_no": f.text("invoice_no"),
        },
    )
    return Shipment(**args, contract_no=contract_no) if args else None


def _receipt(f: Fields) -> Receipt | None:
    args = _complete(
        _header(f),
        {
            "shipment_event_id": f.identifier("shipment_event_id"),
            "items": f.lot_quantities("items"),
        },
    )
    return Receipt(**args) if args else None


def _export(f: Fields) -> Export | None:
    header = _header(f)
    licence_no = f.text("licence_no", required=False)
    args = _complete(
        header,
        {
            "items": f.lot_quantities("items"),
            "destination_country": f.country("destination_country"),
            "consignee": f.party("consignee"),
            "end_user": f.party("end_user", with_address=False),
            "end_use": f.text("end_use"),
            "hs_code": f.text("hs_code"),
            "customs_declaration_no": f.text("customs_declaration_no"),
            "value": f.money("value"),
        },
    )
    return Export(**args, licence_no=licence_no) if args else None


def _customs_check(f: Fields) -> CustomsCheck | None:
    export = _export(f)
    return (
        None
        if export is None
        else CustomsCheck(**{name: getattr(export, name) for name in export.__dataclass_fields__})
    )


def _import(f: Fields) -> Import | None:
    args = _complete(
        _header(f),
        {
            "origin_country": f.country("origin_country"),
            "supplier": f.party("supplier", with_address=False),
            "outputs": f.new_lots("outputs", vocab.FORMS),
            "customs_declaration_no": f.text("customs_declaration_no"),
            "value": f.money("value"),
        },
    )
    return Import(**args) if args else None


def _adjustment(f: Fields) -> Adjustment | None:
    args = _complete(
        _header(f),
        {
            "lot_id": f.identifier("lot_id"),
            "delta_g": f.mass_g("delta_kg", signed=True),
            "reason": f.choice("reason", vocab.ADJUSTMENT_REASONS, "unknown_reason"),
        },
    )
    return Adjustment(**args) if args else None


def _correction(f: Fields) -> Correction | None:
    header = _header(f)
    corrects, reason = f.identifier("corrects"), f.text("reason")
    readable, replacement, replacement_at = _replacement(f)
    args = _complete(header, {"corrects": corrects, "reason": reason})
    if args is None or not readable:
        return None
    return Correction(**args, replacement=replacement, replacement_recorded_at=replacement_at)


def _replacement(f: Fields) -> tuple[bool, Event | None, datetime | None]:
    """Read the optional replacement: (readable, the event, its own recorded_at)."""
    raw = f.obj.get("replacement")
    if raw is None:
        return True, None, None
    if not isinstance(raw, dict):
        f.fail("type", "replacement", "must be an event object", raw)
        return False, None, None
    kind = raw.get("type")
    if (
        not isinstance(kind, str)
        or kind in ("correction", "customs_check")
        or kind not in _EVENT_PARSERS
    ):
        f.fail(
            "replacement_type",
            "replacement.type",
            "a replacement must be an event other than a correction or a customs check",
            kind,
        )
        return False, None, None
    before = len(f.problems)
    value, recorded_at = _parse_into(
        _PARSERS[kind], raw, "replacement", f.problems, f.allow_recorded_at
    )
    if len(f.problems) > before or value is None:
        return False, None, None
    return True, value, recorded_at


_EXPORT_FIELDS = (
    "items",
    "destination_country",
    "consignee",
    "end_user",
    "end_use",
    "hs_code",
    "customs_declaration_no",
    "value",
    "licence_no",
)
_EVENT_PARSERS: dict[str, tuple[tuple[str, ...], _Parser]] = {
    "extraction": (("outputs",), _extraction),
    "processing": (("process", "inputs", "outputs"), _processing),
    "shipment": (("buyer", "items", "value", "invoice_no", "contract_no"), _shipment),
    "receipt": (("shipment_event_id", "items"), _receipt),
    "export": (_EXPORT_FIELDS, _export),
    "import": (
        ("origin_country", "supplier", "outputs", "customs_declaration_no", "value"),
        _import,
    ),
    "adjustment": (("lot_id", "delta_kg", "reason"), _adjustment),
    "correction": (("corrects", "reason", "replacement"), _correction),
    "customs_check": (_EXPORT_FIELDS, _customs_check),
}
_PARSERS: dict[str, tuple[tuple[str, ...], _Parser]] = {
    "enterprise": (("type", "id", "name", "name_local", "country", "roles", "status"), enterprise),
    "facility": (
        ("type", "id", "enterprise_id", "kind", "name", "region", "lat", "lon"),
        facility,
    ),
    "quota": (("type", "id", "enterprise_id", "year", "kind", "reo_t"), quota),
    **MASTER_PARSERS,
    **EPCIS_PARSERS,
    **{
        name: ((*COMMON_EVENT_FIELDS, *own), build) for name, (own, build) in _EVENT_PARSERS.items()
    },
}

# The fields of every record type, for documentation and tests.
RECORD_FIELDS: dict[str, tuple[str, ...]] = {name: spec[0] for name, spec in _PARSERS.items()}
