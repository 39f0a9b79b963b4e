"""Rules on production: quotas, outputs that inputs do not explain, recoveries far below norms."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

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
