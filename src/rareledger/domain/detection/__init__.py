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
    chosen = rule_codes(only)
    return merged({code: run_rule(code, facts, settings, reference) for code in chosen})


def rule_codes(only: str | None = None) -> list[str]:
    """The codes of the rules a run runs (every rule, or the one named), in registry order."""
    return [code for code in RULES if only is None or only == code]


def run_rule(
    code: str,
    facts: Facts,
    settings: DetectionSettings | None = None,
    reference: Reference | None = None,
) -> list[Alert]:
    """One rule's alerts over the facts, as the rule gives them."""
    return list(
        RULES[code].function(facts, settings or DetectionSettings(), reference or Reference())
    )


def merged(found_by_rule: dict[str, list[Alert]]) -> list[Alert]:
    """The alerts of several rules as one run gives them: the first of each alert id (rules in
    registry order, each rule's alerts in its own order), sorted by period, code and id."""
    found: dict[str, Alert] = {}
    for code in RULES:
        for alert in found_by_rule.get(code, ()):
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
    "merged",
    "period_of",
    "risk_scores",
    "rule_codes",
    "run_rule",
    "run_rules",
    "settings_with",
]
