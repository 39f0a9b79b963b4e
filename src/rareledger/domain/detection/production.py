"""Rules on production: quotas, outputs that inputs do not explain, recoveries out of line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from rareledger.domain.detection.baselines import median, spread
from rareledger.domain.detection.facts import Facts, Processed
from rareledger.domain.detection.model import (
    Alert,
    DetectionSettings,
    Reference,
    kg,
    period_of,
    rule,
)


@rule(
    "quota_exceeded",
    "high",
    "Mining beyond the year's quota (and the approaching warning)",
    emits=("quota_approaching",),
)
def quota_exceeded(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    mined: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    events: dict[tuple[str, int], list[str]] = defaultdict(list)
    for m in facts.mined.values():
        mined[(m.enterprise_id, m.year)] += m.reo_t
        events[(m.enterprise_id, m.year)].append(m.event_id)
    alerts = []
    for (firm, year), total in sorted(mined.items()):
        quota = facts.quotas_t.get((firm, year, "mining"))
        if quota is None or quota <= 0:
            continue
        share = total / quota
        if share <= 1 and share < settings.quota_warning_share:
            continue
        exceeded = share > 1
        alerts.append(
            Alert(
                "quota_exceeded" if exceeded else "quota_approaching",
                "high" if exceeded else "low",
                (firm,),
                tuple(sorted(events[(firm, year)])),
                str(year),
                f"{firm} mined {total:.3f} t REO in {year}, quota {quota} t ({share:.1%})",
                {
                    "mined_reo_t": f"{total:.3f}",
                    "quota_reo_t": str(quota),
                    "share": f"{share:.4f}",
                    "warning_share": str(settings.quota_warning_share),
                },
            )
        )
    return alerts


def _by_plant_month(facts: Facts) -> dict[tuple[str, str, str], list[Processed]]:
    groups: dict[tuple[str, str, str], list[Processed]] = defaultdict(list)
    for p in facts.processed.values():
        groups[(p.facility_id, p.process, period_of(p.occurred_at))].append(p)
    return groups


def _plant_figures(events: list[Processed]) -> tuple[float, float]:
    return sum(p.input_re_g for p in events), sum(p.output_re_g for p in events)


@rule(
    "unexplained_output",
    "high",
    "A plant's outputs in a month hold more rare earth than its inputs could yield",
)
def unexplained_output(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    ceiling = 1 + float(settings.output_tolerance)
    alerts = []
    for (plant, process, period), events in sorted(_by_plant_month(facts).items()):
        in_g, out_g = _plant_figures(events)
        excess_g = out_g - in_g * ceiling
        if excess_g <= 0 or excess_g < float(settings.output_min_kg) * 1000:
            continue
        firms = tuple(sorted({p.enterprise_id for p in events}))
        alerts.append(
            Alert(
                "unexplained_output",
                "high",
                firms,
                tuple(sorted(p.event_id for p in events)),
                period,
                f"plant {plant} ({process}) put out {kg(out_g)} kg of rare earths in {period} "
                f"from inputs holding {kg(in_g)} kg",
                {
                    "facility_id": plant,
                    "process": process,
                    "input_re_kg": kg(in_g),
                    "output_re_kg": kg(out_g),
                    "unexplained_kg": kg(out_g - in_g),
                    "tolerance": str(settings.output_tolerance),
                    "min_kg": str(settings.output_min_kg),
                },
            )
        )
    return alerts


@rule(
    "implausible_yield",
    "medium",
    "A plant's recovery in a month far below the industry norm: material leaking out",
)
def implausible_yield(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    alerts = []
    for (plant, process, period), events in sorted(_by_plant_month(facts).items()):
        norm = settings.recovery_norms.get(process)
        in_g, out_g = _plant_figures(events)
        if norm is None or in_g < float(settings.implausible_min_input_kg) * 1000:
            continue
        floor = float(norm * settings.implausible_share)
        recovery = out_g / in_g
        if recovery >= floor:
            continue
        firms = tuple(sorted({p.enterprise_id for p in events}))
        alerts.append(
            Alert(
                "implausible_yield",
                "medium",
                firms,
                tuple(sorted(p.event_id for p in events)),
                period,
                f"plant {plant} ({process}) recovered {recovery:.1%} of its rare earth input in "
                f"{period}; the norm is at least {norm:.0%}",
                {
                    "facility_id": plant,
                    "process": process,
                    "input_re_kg": kg(in_g),
                    "output_re_kg": kg(out_g),
                    "missing_kg": kg(in_g * float(norm) - out_g),
                    "recovery": f"{recovery:.4f}",
                    "norm": str(norm),
                    "alert_below": f"{floor:.4f}",
                },
            )
        )
    return alerts


@dataclass(frozen=True, slots=True)
class PlantMonth:
    facility: str
    process: str
    period: str
    events: tuple[Processed, ...]
    recovery: float


def _monthly_recoveries(facts: Facts, settings: DetectionSettings) -> list[PlantMonth]:
    least = float(settings.implausible_min_input_kg) * 1000
    found = []
    for (plant, process, period), events in sorted(_by_plant_month(facts).items()):
        in_g, out_g = _plant_figures(events)
        if in_g >= least:
            found.append(PlantMonth(plant, process, period, tuple(events), out_g / in_g))
    return found


@dataclass(frozen=True, slots=True)
class Usual:
    recovery: float
    spread: float
    source: str  # own history | peers
    count: int


def _usual(
    month: PlantMonth, own: list[float], peers: list[float], settings: DetectionSettings
) -> Usual | None:
    """The plant's other months; without enough of them, the other plants in the month."""
    least = settings.yield_min_months
    floor = float(settings.yield_min_spread)
    values, source = (own, "own history") if len(own) >= least else (peers, "peers")
    if len(values) < least:
        return None
    centre = median(values)
    return Usual(centre, max(spread(values, centre), floor), source, len(values))


@rule(
    "yield_anomaly",
    "high",
    "A plant's recovery in a month well above its own history (or its peers'): material from "
    "outside the ledger",
)
def yield_anomaly(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    months = _monthly_recoveries(facts, settings)
    plants: dict[tuple[str, str], list[PlantMonth]] = defaultdict(list)
    peers: dict[tuple[str, str], list[PlantMonth]] = defaultdict(list)
    for month in months:
        plants[(month.facility, month.process)].append(month)
        peers[(month.process, month.period)].append(month)
    rise_least, z_least = float(settings.yield_rise_share), float(settings.yield_z)
    alerts = []
    for month in months:
        own = [m.recovery for m in plants[(month.facility, month.process)] if m is not month]
        others = [m.recovery for m in peers[(month.process, month.period)] if m is not month]
        usual = _usual(month, own, others, settings)
        if usual is None:
            continue
        rise = month.recovery - usual.recovery
        if rise >= rise_least and rise >= z_least * usual.spread:
            alerts.append(_yield_alert(month, usual, others, settings))
    return alerts


def _yield_alert(
    month: PlantMonth, usual: Usual, others: list[float], settings: DetectionSettings
) -> Alert:
    in_g, out_g = _plant_figures(list(month.events))
    rise = month.recovery - usual.recovery
    return Alert(
        "yield_anomaly",
        "high",
        tuple(sorted({p.enterprise_id for p in month.events})),
        tuple(sorted(p.event_id for p in month.events)),
        month.period,
        f"plant {month.facility} ({month.process}) recovered {month.recovery:.2%} of its rare "
        f"earth input in {month.period}; its usual is {usual.recovery:.2%} ({usual.source})",
        {
            "facility_id": month.facility,
            "process": month.process,
            "input_re_kg": kg(in_g),
            "output_re_kg": kg(out_g),
            "unexplained_kg": kg(out_g - in_g * usual.recovery),
            "recovery": f"{month.recovery:.4f}",
            "baseline_recovery": f"{usual.recovery:.4f}",
            "baseline_from": usual.source,
            "baseline_months": str(usual.count),
            "baseline_spread": f"{usual.spread:.4f}",
            "peers_median": f"{median(others):.4f}" if others else "",
            "rise": f"{rise:.4f}",
            "z": f"{rise / usual.spread:.2f}",
            "alert_from_rise": str(settings.yield_rise_share),
            "alert_from_z": str(settings.yield_z),
        },
    )
