"""Alerts, the rules' parameters, the reference data they compare with, and the rule registry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rareledger.domain.detection.facts import Facts

SEVERITY_WEIGHT = {"high": 10, "medium": 4, "low": 1}


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    severity: str  # low | medium | high
    enterprise_ids: tuple[str, ...]
    event_ids: tuple[str, ...]
    period: str  # YYYY or YYYY-MM
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    subject: str = ""  # what the alert is about when no event names it (a country, say)

    @property
    def alert_id(self) -> str:
        """Stable across runs: the same substance is the same alert (deduplication)."""
        parts = [self.code, self.period, ",".join(self.enterprise_ids), ",".join(self.event_ids)]
        if self.subject:
            parts.append(self.subject)
        key = "|".join(parts)
        return "A-" + hashlib.sha256(key.encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "code": self.code,
            "severity": self.severity,
            "enterprise_ids": list(self.enterprise_ids),
            "event_ids": list(self.event_ids),
            "period": self.period,
            "message": self.message,
            "evidence": self.evidence,
        }


# Lowest credible recovery of rare earth content per process (industry norm conditions, 2016;
# shared/reference/rare-earth-domain.md section 4.6). Recycling has no published norm: 0.60 is
# this project's assumption.
RECOVERY_NORMS: Mapping[str, Decimal] = {
    "beneficiation": Decimal("0.75"),
    "separation": Decimal("0.92"),
    "metal_smelting": Decimal("0.95"),
    "alloying": Decimal("0.95"),
    "magnet_making": Decimal("0.60"),
    "recycling": Decimal("0.60"),
}


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """Every threshold of the rules (docs/rules.md gives each its meaning and default)."""

    quota_warning_share: Decimal = Decimal("0.95")
    receipt_days: int = 30
    dormant_days: int = 45
    dormant_min_kg: Decimal = Decimal("1")
    mismatch_share: Decimal = Decimal("0.0015")
    mismatch_z: Decimal = Decimal("4")
    mismatch_min_receipts: int = 3
    mismatch_window_days: int = 90
    mismatch_min_spread: Decimal = Decimal("0.0005")
    mismatch_min_kg: Decimal = Decimal("1")
    split_min_count: int = 5
    split_size_share: Decimal = Decimal("0.5")
    split_rate_factor: Decimal = Decimal("2")
    split_min_history: int = 5
    split_window_days: int = 30
    split_licence_kg: Decimal | None = None
    split_licence_margin: Decimal = Decimal("0.05")
    source_tolerance: Decimal = Decimal("0.02")
    circle_window_days: int = 90
    circle_min_firms: int = 3
    output_tolerance: Decimal = Decimal("0.02")
    output_min_kg: Decimal = Decimal("10")
    recovery_norms: Mapping[str, Decimal] = field(default_factory=lambda: dict(RECOVERY_NORMS))
    implausible_share: Decimal = Decimal("0.75")
    implausible_min_input_kg: Decimal = Decimal("100")
    yield_rise_share: Decimal = Decimal("0.02")
    yield_z: Decimal = Decimal("4")
    yield_min_months: int = 3
    yield_min_spread: Decimal = Decimal("0.002")
    price_share: Decimal = Decimal("0.7")
    price_peer_share: Decimal = Decimal("0.87")
    price_window_days: int = 10
    price_min_peers: int = 8
    return_days: int = 30
    mirror_tolerance: Decimal = Decimal("0.10")
    mirror_min_kg: Decimal = Decimal("500")


def settings_with(overrides: Mapping[str, str]) -> DetectionSettings:
    """Default settings with some parameters changed (``recovery_norms.PROCESS`` for a norm)."""
    base = DetectionSettings()
    changes: dict[str, Any] = {}
    norms = dict(base.recovery_norms)
    for name, text in overrides.items():
        try:
            if name.startswith("recovery_norms."):
                norms[name.split(".", 1)[1]] = _positive(Decimal(text))
                continue
            current = getattr(base, name)
        except AttributeError:
            raise ValueError(f"no detection parameter {name!r}") from None
        except ArithmeticError:
            raise ValueError(f"{name} must be a decimal number; got {text!r}") from None
        changes[name] = _parse(name, current, text)
    return replace(base, recovery_norms=norms, **changes)


# Parameters a rule divides by: zero is refused as well as a negative number.
_ABOVE_ZERO = frozenset({"mismatch_min_spread"})


def _parse(name: str, current: Any, text: str) -> Any:
    try:
        if isinstance(current, int):
            return int(_positive(Decimal(text)))
        if name == "split_licence_kg" and text.lower() in ("", "none", "off"):
            return None
        value = _positive(Decimal(text))
    except ArithmeticError:
        raise ValueError(f"{name} must be a number not below zero; got {text!r}") from None
    if name in _ABOVE_ZERO and not value:
        raise ValueError(f"{name} must be above zero (the rule divides by it); got {text!r}")
    return value


def _positive(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise InvalidOperation(value)
    return value


@dataclass(frozen=True, slots=True)
class PartnerImport:
    """A partner country's import statistics: what it says it received from China."""

    country: str
    period: str  # YYYY or YYYY-MM
    mass_kg: Decimal
    source: str = ""


# The tariff headings (first four digits) each material form is declared under: rare earth
# compounds 2846, metals and alloys 2805 (rare earth ferro-alloys also 7202), permanent magnets
# 8505, ores 2530, targets 3824 or 8486 (fact sheet 3.3 and 3.9). Scrap has no heading in the
# sources: left out (never judged).
FORM_HEADINGS: Mapping[str, tuple[str, ...]] = {
    "ore": ("2530",),
    "concentrate": ("2530",),
    "mixed_compound": ("2846",),
    "oxide": ("2846",),
    "compound": ("2846",),
    "metal": ("2805",),
    "alloy": ("2805", "7202"),
    "target": ("3824", "8486"),
    "magnet": ("8505",),
}


@dataclass(frozen=True, slots=True)
class Reference:
    """Reference data the rules compare reports with (kept as data, not code)."""

    prices_usd_per_kg_reo: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    usd_per_unit: Mapping[str, Decimal] = field(default_factory=lambda: {"USD": Decimal(1)})
    partner_imports: tuple[PartnerImport, ...] = ()
    form_headings: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(FORM_HEADINGS)
    )


@dataclass(frozen=True, slots=True)
class Rulebook:
    """The parameters and reference data one detection run uses."""

    settings: DetectionSettings = field(default_factory=DetectionSettings)
    reference: Reference = field(default_factory=Reference)


Rule = Callable[[Facts, DetectionSettings, Reference], list[Alert]]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    severity: str
    title: str
    function: Rule
    emits: tuple[str, ...]


RULES: dict[str, RuleInfo] = {}


def rule(
    code: str, severity: str, title: str, emits: tuple[str, ...] = ()
) -> Callable[[Rule], Rule]:
    """Register a rule under its stable code (``emits``: further codes its alerts may carry)."""

    def register(function: Rule) -> Rule:
        RULES[code] = RuleInfo(code, severity, title, function, (code, *emits))
        return function

    return register


def period_of(moment: datetime | date) -> str:
    """The month, YYYY-MM, in the moment's own time zone."""
    return f"{moment.year:04d}-{moment.month:02d}"


def kg(grams: float) -> str:
    return f"{grams / 1000:.3f}"
