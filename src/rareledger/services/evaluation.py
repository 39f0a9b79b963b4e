"""How well the alerts find what the simulator hid: precision and recall per violation type.

A ground-truth case is found when an alert of one of its type's codes names at least one of the
case's events (for mining beyond quota: the same enterprise and year; for unreported
exports: the same country and year). An alert of those codes that finds no case at all (of
any type: an unlicensed export is rightly flagged when it was part of split consignments)
counts against precision. So ``tp`` counts cases found and
``fn`` cases missed (recall = tp / cases), while ``fp`` counts alerts that match no case
(precision = true alerts / alerts). Recall is also given per difficulty of the cases
(``standard`` or ``hard``, as the ground truth marks them). docs/rules.md documents the matching.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CODES_FOR: dict[str, tuple[str, ...]] = {
    "mining_beyond_quota": ("quota_exceeded",),
    "illegal_ore_laundering": ("mass_balance_excess", "unexplained_output", "yield_anomaly"),
    "unlicensed_export": ("unlicensed_export",),
    "export_outside_licence": ("licence_exceeded", "licence_scope_mismatch"),
    "misdeclared_goods": ("misdeclared_goods", "heading_mismatch"),
    "diverted_shipment": ("shipment_not_received", "dormant_buyer"),
    "split_consignments": ("split_consignments",),
    "under_invoicing": ("under_invoicing",),
    "circular_trading": ("circular_trading",),
    "quantity_mismatch": ("receipt_mismatch", "quantity_mismatch"),
    "late_report": ("late_report",),
    "unreported_exports": ("mirror_gap",),
}


def _matches(case: dict[str, Any], alert: dict[str, Any]) -> bool:
    if case["type"] == "mining_beyond_quota":
        return (
            bool(set(case["enterprise_ids"]) & set(alert["enterprise_ids"]))
            and alert["period"][:4] == case["period"][:4]
        )
    if case["type"] == "unreported_exports":
        return (
            str(alert["evidence"].get("country")) == case.get("country")
            and alert["period"][:4] == case["period"][:4]
        )
    return bool(set(case["event_ids"]) & set(alert["event_ids"]))


def evaluate(cases: list[dict[str, Any]], alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per violation type: cases, found, alerts of its codes, true ones, precision, recall.

    Alerts that a later run resolved (their condition no longer holds) are not detections and
    are left out; every other status counts, whatever a person decided."""
    alerts = [a for a in alerts if a.get("status") != "resolved"]
    rows: dict[str, dict[str, Any]] = {}
    for kind, codes in CODES_FOR.items():
        mine = [c for c in cases if c["type"] == kind]
        raised = [a for a in alerts if a["code"] in codes]
        found = sum(1 for c in mine if any(_matches(c, a) for a in raised))
        true = sum(1 for a in raised if any(_matches(c, a) for c in cases))
        rows[kind] = {
            "by_difficulty": _by_difficulty(mine, raised),
            "cases": len(mine),
            "tp": found,
            "fn": len(mine) - found,
            "alerts": len(raised),
            "true_alerts": true,
            "fp": len(raised) - true,
            "recall": round(found / len(mine), 3) if mine else None,
            "precision": round(true / len(raised), 3) if raised else None,
        }
    cases_n = sum(r["cases"] for r in rows.values())
    alerts_n = sum(r["alerts"] for r in rows.values())
    found_n = sum(r["tp"] for r in rows.values())
    true_n = sum(r["true_alerts"] for r in rows.values())
    overall = {
        "cases": cases_n,
        "tp": found_n,
        "fn": cases_n - found_n,
        "alerts": alerts_n,
        "true_alerts": true_n,
        "fp": alerts_n - true_n,
        "recall": round(found_n / cases_n, 3) if cases_n else None,
        "precision": round(true_n / alerts_n, 3) if alerts_n else None,
    }
    mapped = {code for codes in CODES_FOR.values() for code in codes}
    others: dict[str, int] = {}
    for alert in alerts:
        if alert["code"] not in mapped:
            others[alert["code"]] = others.get(alert["code"], 0) + 1
    return {"by_type": rows, "overall": overall, "other_alerts": dict(sorted(others.items()))}


def _by_difficulty(cases: list[dict[str, Any]], raised: list[dict[str, Any]]) -> dict[str, Any]:
    """Cases and found cases per difficulty (``standard`` when the ground truth names none)."""
    found: dict[str, dict[str, Any]] = {}
    for case in cases:
        row = found.setdefault(case.get("difficulty", "standard"), {"cases": 0, "tp": 0})
        row["cases"] += 1
        row["tp"] += any(_matches(case, a) for a in raised)
    for row in found.values():
        row["recall"] = round(row["tp"] / row["cases"], 3)
    return dict(sorted(found.items()))


def read_ground_truth(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
