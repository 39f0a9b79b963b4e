"""HTML forms as contract records, and a receipt's errors back onto the form's fields.

A form's field names are the record's paths with dots (``items.0.lot_id``,
``consignee.name``); a line-item row whose fields are all empty is left out. The record is
judged by the same rules as any other: the form adds no rule of its own, except reading a
composition written as ``Nd 0.2, Pr 0.05`` and a local time given without an offset (taken as
the regulator's time zone).
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rareledger.domain.elements import ELEMENT_SYMBOLS
from rareledger.domain.vocabulary import ADJUSTMENT_REASONS, EXTRACTION_FORMS, FORMS, PROCESSES
from rareledger.web.i18n import N_

REGULATOR_OFFSET = "+08:00"
_PATH_PART = re.compile(r"\[(\d+)\]")
_PAIR = re.compile(r"^\s*([A-Z][a-z]?)\s*[=:\s]\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | number | datetime | date | select | country | enterprise | textarea
    options: tuple[str, ...] = ()
    term: str = ""  # how to name the options
    required: bool = True


@dataclass(frozen=True, slots=True)
class Rows:
    name: str
    label: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Form:
    record_type: str
    fields: tuple[Field, ...]
    rows: tuple[Rows, ...] = ()
    extra: tuple[Field, ...] = field(default_factory=tuple)


LOT = Field("lot_id", N_("Lot"))
MASS = Field("mass_kg", N_("Mass, kg"), "number")
COMPOSITION = Field("composition", N_("Composition (e.g. Nd 0.2, Pr 0.05)"))
ITEMS = Rows("items", N_("Lots"), (LOT, MASS))
INPUTS = Rows("inputs", N_("Inputs"), (LOT, MASS))


def _outputs(forms: tuple[str, ...]) -> Rows:
    return Rows(
        "outputs",
        N_("New lots"),
        (LOT, Field("form", N_("Form"), "select", forms, "form"), MASS, COMPOSITION),
    )


MONEY = (
    Field("value.amount", N_("Value"), "number"),
    Field("value.currency", N_("Currency (e.g. CNY, USD)")),
)
COMMON = (
    Field("event_id", N_("Event id")),
    Field("occurred_at", N_("When it happened"), "datetime"),
    Field("facility_id", N_("Facility"), "text", required=False),
    Field("note", N_("Note"), "textarea", required=False),
)
EVENT_FORMS: dict[str, Form] = {
    "extraction": Form("extraction", COMMON, (_outputs(EXTRACTION_FORMS),)),
    "processing": Form(
        "processing",
        (*COMMON, Field("process", N_("Process"), "select", PROCESSES, "process")),
        (INPUTS, _outputs(FORMS)),
    ),
    "shipment": Form(
        "shipment",
        (
            *COMMON,
            Field("buyer", N_("Buyer (enterprise code or name)"), "enterprise"),
            *MONEY,
            Field("invoice_no", N_("Invoice number")),
            Field("contract_no", N_("Contract number"), required=False),
        ),
        (ITEMS,),
    ),
    "receipt": Form(
        "receipt", (*COMMON, Field("shipment_event_id", N_("Shipment received"))), (ITEMS,)
    ),
    "export": Form(
        "export",
        (
            *COMMON,
            Field("destination_country", N_("Destination country"), "country"),
            Field("consignee.name", N_("Consignee")),
            Field("consignee.country", N_("Consignee's country"), "country"),
            Field("consignee.address", N_("Consignee's address"), required=False),
            Field("end_user.name", N_("End user")),
            Field("end_user.country", N_("End user's country"), "country"),
            Field("end_use", N_("End use")),
            Field("hs_code", N_("Tariff code (HS)")),
            Field("customs_declaration_no", N_("Customs declaration number")),
            *MONEY,
            Field("licence_no", N_("Licence number"), required=False),
        ),
        (ITEMS,),
    ),
    "import": Form(
        "import",
        (
            *COMMON,
            Field("origin_country", N_("Country of origin"), "country"),
            Field("supplier.name", N_("Supplier")),
            Field("supplier.country", N_("Supplier's country"), "country"),
            Field("customs_declaration_no", N_("Customs declaration number")),
            *MONEY,
        ),
        (_outputs(FORMS),),
    ),
    "adjustment": Form(
        "adjustment",
        (
            *COMMON,
            LOT,
            Field("delta_kg", N_("Change, kg (negative for a loss)"), "number"),
            Field("reason", N_("Reason"), "select", ADJUSTMENT_REASONS, "adjustment_reason"),
        ),
    ),
    "correction": Form(
        "correction",
        (
            *COMMON,
            Field("corrects", N_("Event to correct")),
            Field("reason", N_("Why it is corrected")),
        ),
    ),
}
NUMBERS = {"mass_kg", "delta_kg", "value.amount"}


class FormError(ValueError):
    """A field the form could not read at all (it never reaches the rules)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def new_event_id() -> str:
    return str(uuid.uuid4())


def moment(text: str) -> str:
    """A time as RFC 3339: a browser's local ``2025-06-03T09:30`` gets the regulator's offset."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return f"{value}:00{REGULATOR_OFFSET}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
        return value + REGULATOR_OFFSET
    return value


def composition(text: str, name: str) -> dict[str, str]:
    """``Nd 0.2, Pr 0.05`` (or ``Nd=0.2; Pr=0.05``) as a composition."""
    found: dict[str, str] = {}
    for part in re.split(r"[,;，；]", text):
        if not part.strip():
            continue
        match = _PAIR.match(part)
        if match is None or match.group(1) not in ELEMENT_SYMBOLS:
            raise FormError(
                name,
                f"write element and fraction pairs like 'Nd 0.2, Pr 0.05', not {part.strip()!r}",
            )
        found[match.group(1)] = match.group(2)
    return found


def _put(record: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target: Any = record
    for part, following in itertools.pairwise(parts):
        if part.isdigit():
            while len(target) <= int(part):
                target.append({})
            target = target[int(part)]
        else:
            target = target.setdefault(part, [] if following.isdigit() else {})
    target[parts[-1]] = value


def record_from_form(spec: Form, values: Mapping[str, str], reporter: str | None) -> dict[str, Any]:
    """The record a filled form describes (raises FormError for an unreadable field)."""
    record: dict[str, Any] = {"type": spec.record_type}
    if reporter:
        record["reporter"] = reporter
    for path, raw in values.items():
        text = str(raw).strip()
        last = path.split(".")[-1]
        if not text or path in ("csrf_token", "action", "rows") or not _known(spec, path):
            continue
        if last == "composition":
            _put(record, path, composition(text, path))
        elif last == "occurred_at" or path == "occurred_at":
            _put(record, path, moment(text))
        else:
            _put(record, path, text)
    for rows in spec.rows:
        items = [item for item in record.get(rows.name, []) if item]
        if items:
            record[rows.name] = items
        else:
            record.pop(rows.name, None)
    return record


def _known(spec: Form, path: str) -> bool:
    names = {f.name for f in spec.fields} | {"reporter"}
    if path in names:
        return True
    parts = path.split(".")
    return (
        len(parts) == 3
        and parts[1].isdigit()
        and any(r.name == parts[0] and parts[2] in {f.name for f in r.fields} for r in spec.rows)
    )


def field_name(path: str) -> str:
    """A receipt's JSON path as the form's field name (``items[0].mass_kg`` -> ``items.0.mass_kg``;
    an element of a composition -> the composition)."""
    name = _PATH_PART.sub(r".\1", path)
    if ".composition." in name:
        name = name.split(".composition.")[0] + ".composition"
    return name


@dataclass(frozen=True, slots=True)
class RuleError:
    """A rule a field broke: its stable code and the rule's English detail (a page shows
    the rule's name in the reader's language too, see ``web/rejections.py``)."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"


FieldErrors = dict[str, RuleError | str]  # a form's problems by field: a rule, or a plain text


def errors_by_field(errors: list[dict[str, Any]]) -> FieldErrors:
    """A receipt's errors by form field (the first per field; ``_record`` for the whole)."""
    found: FieldErrors = {}
    for error in errors:
        name = field_name(str(error.get("field") or "")) or "_record"
        found.setdefault(name, RuleError(str(error.get("code")), str(error.get("message"))))
    return found


def today_local() -> str:
    """Now in the regulator's time zone, as a browser's datetime-local value."""
    now = datetime.now(UTC)
    return (now.astimezone(datetime.fromisoformat("2000-01-01T00:00:00+08:00").tzinfo)).strftime(
        "%Y-%m-%dT%H:%M"
    )
