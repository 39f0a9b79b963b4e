"""The per-event findings of the reporting contract and of export control, as alerts."""

from __future__ import annotations

from rareledger.domain.detection.facts import Facts
from rareledger.domain.detection.model import Alert, DetectionSettings, Reference, rule

FINDING_SEVERITY = {
    "unlicensed_export": "high",
    "licence_exceeded": "high",
    "licence_scope_mismatch": "high",
    "licence_expired": "high",
    "misdeclared_goods": "high",
    "mass_balance_excess": "high",
    "watchlist_match": "high",
    "receipt_mismatch": "medium",
    "negative_balance": "medium",
    "late_report": "low",
}


@rule(
    "findings",
    "varies",
    "Every per-event finding of the reporting contract and of export control",
    emits=tuple(FINDING_SEVERITY),
)
def from_findings(facts: Facts, _settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    return [
        Alert(
            f.code,
            FINDING_SEVERITY.get(f.code, "medium"),
            (f.enterprise_id,),
            (f.event_id,),
            f.period,
            f"{f.code} on {f.event_id}",
            {"finding": f.code},
        )
        for found in facts.findings.values()
        for f in found
    ]
