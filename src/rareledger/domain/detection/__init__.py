"""Detection: rules that look across many events, as pure functions over folded facts.

A service folds the ledger (as it stood at a date) into :class:`Facts` and hands them in with
the :class:`Reference` data (benchmark prices, partner statistics); the rules never query. Each
rule has a stable code, a severity and parameters, and returns :class:`Alert` candidates that
carry their evidence. The catalogue is ``docs/rules.md``.
"""

from __future__ import annotations

from rareledger.domain.detection import (
    exports,
    movements,
    pricing,
    production,
    reported,
    weighing,
)
from rareledger.domain.detection.facts import Exported, Facts, Finding, Shipped
from rareledger.domain.detection.model import (
    RULES,
    Alert,
    DetectionSettings,
    PartnerImport,
    Reference,
    Rulebook,
    period_of,
    settings_with,
)
from rareledger.domain.detection.risk import Risk, risk_scores

# Importing them registers the rules.
_RULE_MODULES = (production, movements, weighing, exports, pricing, reported)


def run_rules(
    facts: Facts,
    settings: DetectionSettings | None = None,
    reference: Reference | None = None,
    only: str | None = None,
) -> list[Alert]:
    """Every rule (or one) over the facts; deduplicated by alert id, in a stable order."""
    settings = settings or DetectionSettings()
    reference = reference or Reference()
    found: dict[str, Alert] = {}
    for code, info in RULES.items():
        if only is None or only == code:
            for alert in info.function(facts, settings, reference):
                found.setdefault(alert.alert_id, alert)
    return sorted(found.values(), key=lambda a: (a.period, a.code, a.alert_id))


def codes() -> list[str]:
    """Every code an alert can carry."""
    return sorted({code for info in RULES.values() for code in info.emits})


__all__ = [
    "RULES",
    "Alert",
    "DetectionSettings",
    "Exported",
    "Facts",
    "Finding",
    "PartnerImport",
    "Reference",
    "Risk",
    "Rulebook",
    "Shipped",
    "codes",
    "period_of",
    "risk_scores",
    "run_rules",
    "settings_with",
]
