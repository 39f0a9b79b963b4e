"""Detection rules that look across many events: pure functions over plain facts.

Each rule has a stable code, a severity and parameters, and returns :class:`Alert` candidates
carrying their evidence (events, figures, thresholds). A service loads the :class:`Facts` of
the ledger as it stood at a date and hands them in; the rules never query. The catalogue is
``docs/rules.md``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    severity: str  # low | medium | high
    enterprise_ids: tuple[str, ...]
    event_ids: tuple[str, ...]
    period: str  # YYYY or YYYY-MM
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def alert_id(self) -> str:
        """Stable across runs: the same substance is the same alert (deduplication)."""
        key = "|".join(
            (self.code, self.period, ",".join(self.enterprise_ids), ",".join(self.event_ids))
        )
        return "A-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Shipped:
    event_id: str
    seller: str
    buyer: str
    occurred_at: datetime
    mass_g: int
    received: bool
    lots: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Exported:
    event_id: str
    exporter: str
    consignee: str
    destination: str
    occurred_at: datetime
    mass_g: int
    licence_no: str | None
    unlicensed: bool = False  # flagged unlicensed_export when recorded


@dataclass
class Facts:
    """What the rules may know: the ledger as it stood at ``as_of``."""

    as_of: datetime
    mined_reo_t: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # (firm, year)
    mining_events: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    quotas_t: dict[tuple[str, int, str], Decimal] = field(default_factory=dict)  # firm, yr, kind
    shipments: list[Shipped] = field(default_factory=list)
    exports: list[Exported] = field(default_factory=list)
    acquired_g: dict[str, int] = field(default_factory=dict)  # firm: produced + bought + imported
    findings: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # code, firm, event, period


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    quota_warning_share: Decimal = Decimal("0.95")
    receipt_days: int = 30
    split_min_count: int = 5
    split_max_kg: Decimal = Decimal("500")
    split_window_days: int = 45
    source_tolerance: Decimal = Decimal("0.02")
    circle_window_days: int = 90


Rule = Callable[[Facts, DetectionSettings], list[Alert]]
RULES: dict[str, tuple[str, str, Rule]] = {}  # code -> (severity, title, function)


def rule(code: str, severity: str, title: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES[code] = (severity, title, function)
        return function

    return register


@rule("quota_exceeded", "high", "Mining beyond the year's quota (and the approaching warning)")
def quota_exceeded(facts: Facts, settings: DetectionSettings) -> list[Alert]:
    alerts = []
    for (firm, year), mined in sorted(facts.mined_reo_t.items()):
        quota = facts.quotas_t.get((firm, year, "mining"))
        if quota is None:
            continue
        share = mined / quota
        which = "quota_exceeded" if share > 1 else "quota_approaching"
        if share > 1 or share >= settings.quota_warning_share:
            alerts.append(
                Alert(
                    which,
                    "high" if share > 1 else "low",
                    (firm,),
                    tuple(sorted(facts.mining_events.get((firm, year), []))),
                    str(year),
                    f"{firm} mined {mined:.3f} t REO in {year}, quota {quota} t ({share:.1%})",
                    {
                        "mined_reo_t": f"{mined:.3f}",
                        "quota_reo_t": str(quota),
                        "warning_share": str(settings.quota_warning_share),
                    },
                )
            )
    return alerts


@rule("shipment_not_received", "high", "A shipment its buyer never received")
def shipment_not_received(facts: Facts, settings: DetectionSettings) -> list[Alert]:
    limit = facts.as_of - timedelta(days=settings.receipt_days)
    return [
        Alert(
            "shipment_not_received",
            "high",
            (s.seller, s.buyer),
            (s.event_id,),
            s.occurred_at.strftime("%Y-%m"),
            f"shipment {s.event_id} from {s.seller} to {s.buyer} is not received "
            f"{(facts.as_of - s.occurred_at).days} days later",
            {
                "days": str((facts.as_of - s.occurred_at).days),
                "threshold_days": str(settings.receipt_days),
            },
        )
        for s in facts.shipments
        if not s.received and s.occurred_at <= limit
    ]


@rule(
    "split_consignments", "medium", "Many small unlicensed exports by one exporter to one consignee"
)
def split_consignments(facts: Facts, settings: DetectionSettings) -> list[Alert]:
    small = int(settings.split_max_kg * 1000)
    groups: dict[tuple[str, str], list[Exported]] = defaultdict(list)
    for export in facts.exports:
        if export.mass_g <= small and export.unlicensed:
            groups[(export.exporter, export.consignee.casefold())].append(export)
    alerts = []
    window = timedelta(days=settings.split_window_days)
    for (exporter, _), exports in sorted(groups.items()):
        exports.sort(key=lambda e: e.occurred_at)
        start = 0
        for end, export in enumerate(exports):
            while export.occurred_at - exports[start].occurred_at > window:
                start += 1
            if end - start + 1 >= settings.split_min_count:
                run = exports[start : end + 1]
                alerts.append(
                    Alert(
                        "split_consignments",
                        "medium",
                        (exporter,),
                        tuple(e.event_id for e in run),
                        run[0].occurred_at.strftime("%Y-%m"),
                        f"{exporter} sent {len(run)} consignments of at most "
                        f"{settings.split_max_kg} kg to {run[0].consignee} within "
                        f"{settings.split_window_days} days",
                        {"count": str(len(run)), "max_kg": str(settings.split_max_kg)},
                    )
                )
                start = end + 1
    return alerts


@rule("exporter_without_source", "high", "Exports not covered by production or purchases")
def exporter_without_source(facts: Facts, settings: DetectionSettings) -> list[Alert]:
    exported: dict[str, list[Exported]] = defaultdict(list)
    for export in facts.exports:
        exported[export.exporter].append(export)
    alerts = []
    for firm, exports in sorted(exported.items()):
        out_g = sum(e.mass_g for e in exports)
        in_g = facts.acquired_g.get(firm, 0)
        if out_g > in_g * (1 + settings.source_tolerance):
            alerts.append(
                Alert(
                    "exporter_without_source",
                    "high",
                    (firm,),
                    tuple(e.event_id for e in exports),
                    str(facts.as_of.year),
                    f"{firm} exported {out_g / 1000:.3f} kg but produced or bought "
                    f"{in_g / 1000:.3f} kg",
                    {"exported_kg": f"{out_g / 1000:.3f}", "acquired_kg": f"{in_g / 1000:.3f}"},
                )
            )
    return alerts


@rule("circular_trading", "high", "Material sold round related firms back to its seller")
def circular_trading(facts: Facts, settings: DetectionSettings) -> list[Alert]:
    by_lot: dict[str, list[Shipped]] = defaultdict(list)
    for shipment in facts.shipments:
        for lot in shipment.lots:
            by_lot[lot].append(shipment)
    window = timedelta(days=settings.circle_window_days)
    alerts = []
    for lot, moves in sorted(by_lot.items()):
        moves.sort(key=lambda m: m.occurred_at)
        for start, first in enumerate(moves):
            chain = [first]
            for later in moves[start + 1 :]:
                if later.occurred_at - first.occurred_at > window:
                    break
                if later.seller == chain[-1].buyer:
                    chain.append(later)
                    if later.buyer == first.seller:
                        firms = tuple(dict.fromkeys(m.seller for m in chain))
                        alerts.append(
                            Alert(
                                "circular_trading",
                                "high",
                                firms,
                                tuple(m.event_id for m in chain),
                                period_of(first.occurred_at),
                                f"lot {lot} went {' -> '.join(firms)} -> {first.seller} within "
                                f"{(later.occurred_at - first.occurred_at).days} days",
                                {"lot_id": lot, "window_days": str(settings.circle_window_days)},
                            )
                        )
                        break
    return alerts


FINDING_SEVERITY = {
    "unlicensed_export": "high",
    "licence_exceeded": "high",
    "licence_scope_mismatch": "high",
    "licence_expired": "high",
    "misdeclared_goods": "high",
    "mass_balance_excess": "high",
    "receipt_mismatch": "medium",
    "negative_balance": "medium",
    "watchlist_match": "high",
    "late_report": "low",
}


@rule("findings", "varies", "Every per-event finding of the spec and of export control")
def from_findings(facts: Facts, settings: DetectionSettings) -> list[Alert]:
    return [
        Alert(
            code,
            FINDING_SEVERITY.get(code, "medium"),
            (firm,),
            (event_id,),
            period,
            f"{code} on {event_id}",
            {"finding": code},
        )
        for code, firm, event_id, period in facts.findings
    ]


def run_rules(
    facts: Facts, settings: DetectionSettings | None = None, only: str | None = None
) -> list[Alert]:
    """Every rule (or one) over the facts; deduplicated by alert id."""
    settings = settings or DetectionSettings()
    found: dict[str, Alert] = {}
    for code, (_severity, _title, function) in RULES.items():
        if only is None or only == code:
            for alert in function(facts, settings):
                found.setdefault(alert.alert_id, alert)
    return sorted(found.values(), key=lambda a: (a.period, a.code, a.alert_id))


def period_of(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m")
