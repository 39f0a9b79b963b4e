"""Licence decisions and applications from forms, as contract records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rareledger.web.forms import FormError, composition


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def decision_record(values: Mapping[str, Any], application: Mapping[str, Any]) -> dict[str, Any]:
    """A licence decision on an application; an approval carries the approved quantities."""
    decision = _text(values, "decision")
    record: dict[str, Any] = {
        "type": "licence_decision",
        "application_id": application["application_id"],
        "decision": decision,
        "decided_at": datetime.now(UTC).isoformat(),
    }
    if decision != "approved":
        record["reason"] = _text(values, "reason")
        return record
    items = (application.get("record") or {}).get("items", [])
    record.update(
        licence_no=_text(values, "licence_no"),
        valid_from=_text(values, "valid_from"),
        valid_to=_text(values, "valid_to"),
        items=[
            {"quantity_kg": _text(values, f"items.{i}.quantity_kg") or item["quantity_kg"]}
            for i, item in enumerate(items)
        ],
    )
    if _text(values, "reason"):
        record["reason"] = _text(values, "reason")
    return record


def application_record(values: Mapping[str, Any], applicant: str) -> dict[str, Any]:
    """An exporter's application for a licence, with one item."""
    elements = [
        e.strip() for e in _text(values, "elements").replace("，", ",").split(",") if e.strip()
    ]
    if not elements:
        raise FormError("elements", "name at least one element, e.g. Dy, Tb")
    composition(", ".join(f"{e} 0" for e in elements), "elements")  # element symbols only
    return {
        "type": "licence_application",
        "application_id": _text(values, "application_id"),
        "applicant": applicant,
        "licence_type": _text(values, "licence_type"),
        "items": [
            {
                "form": _text(values, "form"),
                "elements": elements,
                "description": _text(values, "description"),
                "hs_code": _text(values, "hs_code"),
                "quantity_kg": _text(values, "quantity_kg"),
            }
        ],
        "consignee": {
            "name": _text(values, "consignee.name"),
            "country": _text(values, "consignee.country"),
            "address": _text(values, "consignee.address"),
        },
        "end_user": {
            "name": _text(values, "end_user.name"),
            "country": _text(values, "end_user.country"),
        },
        "end_use": _text(values, "end_use"),
        "destination_country": _text(values, "destination_country"),
        "contract_no": _text(values, "contract_no"),
        "submitted_at": datetime.now(UTC).isoformat(),
    }
