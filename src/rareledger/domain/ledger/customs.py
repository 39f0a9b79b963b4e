"""Customs checks: release, hold or refer a proposed export, on the facts in the ledger.

A check weighs, together and at one moment (the ledger's single writer makes it atomic with the
licence draw-down and the reservation):

- ``insufficient_holding`` (hold): the exporter holds less of a declared lot than declared,
  once the reservations of its earlier released, not yet exported declarations are counted;
- ``provenance_gap`` (refer): the lot, or a lot upstream of it, carries a problem no
  correction has resolved (see :func:`rareledger.domain.lots.open_causes`);
- ``watchlist_match`` (refer): the consignee or the end user matches the watch list;
- ``misdeclared_goods`` and the licence's shortfalls (hold), as for exports.

A release reserves the declared masses for the declaration; the export that follows under the
same declaration number takes the reservation up, and a reservation lapses after
``RuleSettings.reservation_days`` without one. Hold and refer reasons are findings of the check.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from rareledger.domain.control import Classification
from rareledger.domain.events import CustomsCheck
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.problems import Finding, reject
from rareledger.domain.quantities import format_kg, utc_text

HOLD, REFER, NOTE = "hold", "refer", "note"
NOT_CONTROLLED, LICENCE_COVERS = "not_controlled", "licence_covers"
NOTE_CODES = (NOT_CONTROLLED, LICENCE_COVERS)  # a release's reasons; hold and refer are findings


def judge(p: Posting, event: CustomsCheck) -> None:
    declaration = event.customs_declaration_no
    earlier = p.state.entry("check", declaration)
    if earlier and earlier["decision"] == "release":
        raise reject(
            "already_released",
            "customs_declaration_no",
            f"declaration {declaration} was released by check {earlier['event_id']}",
            declaration,
        )


def decide(p: Posting, event: CustomsCheck) -> dict[str, Any]:
    """The decision with its reasons; a release draws the licence down and reserves stock."""
    found, needed_g = p.control.classify_export(event)
    reasons = [*_holding(p, event), *_provenance(p, event), *_screening(p, event)]
    if found.controlled:
        reasons += [
            _reason(HOLD, gap.code, gap.message, {"licence_no": event.licence_no or ""})
            for gap in p.control.shortfalls(event, found, needed_g)
        ]
    decision = _decision(reasons)
    outcome: dict[str, Any] = {
        "decision": decision,
        "licence_no": event.licence_no if found.controlled else None,
        "remaining_kg": None,
        "classification": found.as_dict(),
    }
    if decision == "release":
        reasons.append(_release(p, event, found, needed_g, outcome))
    outcome["reasons"] = [{k: r[k] for k in ("code", "message", "evidence")} for r in reasons]
    for r in reasons:
        if r["kind"] != NOTE:
            p.flag(event.event_id, Finding(r["code"], r["message"], event.reporter, None, _flat(r)))
    p.state.put_registry("check", event.customs_declaration_no, _stored(p, event, outcome))
    return outcome


def _decision(reasons: list[dict[str, Any]]) -> str:
    kinds = {r["kind"] for r in reasons}
    return "hold" if HOLD in kinds else "refer" if REFER in kinds else "release"


def _reason(kind: str, code: str, message: str, evidence: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "code": code, "message": message, "evidence": evidence}


def _flat(reason: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in reason["evidence"].items()}


def _release(
    p: Posting, event: CustomsCheck, found: Classification, needed_g: int, outcome: dict[str, Any]
) -> dict[str, Any]:
    for item in event.items:
        key = reservation_key(item.lot_id, event.reporter)
        earlier = p.state.entry("reserved", key) or {"declarations": []}
        declarations = [*earlier["declarations"], event.customs_declaration_no]
        p.state.put_registry("reserved", key, {"declarations": declarations})
    if not found.controlled:
        on = found.on.isoformat()
        return _reason(NOTE, NOT_CONTROLLED, f"not controlled on {on}", {"on": on})
    p.control.draw(event.event_id, event.licence_no or "", needed_g)
    left = p.state.entry("licence", event.licence_no or "").remaining_g
    outcome["remaining_kg"] = format_kg(left)
    return _reason(
        NOTE,
        LICENCE_COVERS,
        f"covered by licence {event.licence_no}: "
        f"{format_kg(needed_g)} kg drawn, {format_kg(left)} kg left",
        {"licence_no": event.licence_no, "drawn_kg": format_kg(needed_g)},
    )


def _stored(p: Posting, event: CustomsCheck, outcome: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "exporter": event.reporter,
        "position": p.position,
        "occurred_at": utc_text(event.occurred_at),
        "items": {i.lot_id: i.mass_g for i in event.items},
        **{k: outcome[k] for k in ("decision", "licence_no", "remaining_kg", "reasons")},
    }


# ---------------------------------------------------------------- the facts


def _holding(p: Posting, event: CustomsCheck) -> list[dict[str, Any]]:
    reasons = []
    for item in event.items:
        held_g = p.state.balance(item.lot_id, event.reporter)
        reserved_g = reserved(p, item.lot_id, event)
        if held_g - reserved_g < item.mass_g:
            reasons.append(
                _reason(
                    HOLD,
                    "insufficient_holding",
                    f"declares {format_kg(item.mass_g)} kg of lot {item.lot_id}, but the "
                    f"exporter holds {format_kg(held_g)} kg, {format_kg(reserved_g)} kg of "
                    "it reserved for earlier released declarations",
                    {
                        "lot_id": item.lot_id,
                        "declared_kg": format_kg(item.mass_g),
                        "held_kg": format_kg(held_g),
                        "reserved_kg": format_kg(reserved_g),
                    },
                )
            )
    return reasons


def reserved(p: Posting, lot_id: str, event: CustomsCheck) -> int:
    """Grams of a lot that the exporter's released declarations still hold back."""
    lapse = timedelta(days=p.settings.reservation_days)
    moment = utc_text(event.occurred_at - lapse)
    total = 0
    reservations = p.state.entry("reserved", reservation_key(lot_id, event.reporter))
    for declaration in reservations["declarations"] if reservations else ():
        check = p.state.entry("check", declaration)
        if check and not check.get("exported_by") and check.get("occurred_at", "") >= moment:
            total += int(check.get("items", {}).get(lot_id, 0))
    return total


def reservation_key(lot_id: str, exporter: str) -> str:
    """The registry key of an exporter's reservations of a lot."""
    return hashlib.sha256(f"{exporter}\n{lot_id}".encode()).hexdigest()[:40]


def _provenance(p: Posting, event: CustomsCheck) -> list[dict[str, Any]]:
    reasons = []
    for item in event.items:
        gaps = p.open_gaps(item.lot_id)
        if gaps:
            reasons.append(
                _reason(
                    REFER,
                    "provenance_gap",
                    f"lot {item.lot_id} or a lot upstream of it has unresolved problems: "
                    + ", ".join(gaps),
                    {"lot_id": item.lot_id, "causes": gaps},
                )
            )
    return reasons


def _screening(p: Posting, event: CustomsCheck) -> list[dict[str, Any]]:
    return [
        _reason(REFER, f.code, f.message, dict(f.details))
        for f in p.control.screen(event.reporter, (event.consignee, event.end_user))
    ]
