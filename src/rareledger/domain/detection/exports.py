"""Rules on exports: split consignments, exports without source, under-invoicing, mirror gaps."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from rareledger.domain.detection.facts import Exported, Facts
from rareledger.domain.detection.model import (
    Alert,
    DetectionSettings,
    Reference,
    kg,
    period_of,
    rule,
)
from rareledger.domain.elements import ELEMENTS


def _split_candidates(facts: Facts, settings: DetectionSettings) -> list[Exported]:
    """Small unlicensed exports, and (when a licence size is set) exports just under it."""
    small_g = int(settings.split_max_kg * 1000)
    under = settings.split_licence_kg
    low_g = int(under * (1 - settings.split_licence_margin) * 1000) if under else 0
    high_g = int(under * 1000) if under else 0
    return [
        e
        for e in facts.exports.values()
        if (e.mass_g <= small_g and e.event_id in facts.unlicensed)
        or (under is not None and low_g <= e.mass_g < high_g)
    ]


@rule(
    "split_consignments",
    "medium",
    "Many small exports by one exporter to one consignee, or many just under a licence's size",
)
def split_consignments(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    groups: dict[tuple[str, str], list[Exported]] = defaultdict(list)
    for export in _split_candidates(facts, settings):
        groups[(export.exporter, export.consignee.casefold())].append(export)
    window = timedelta(days=settings.split_window_days)
    alerts = []
    for (exporter, _), exports in sorted(groups.items()):
        exports.sort(key=lambda e: (e.occurred_at, e.event_id))
        start = 0
        for end, export in enumerate(exports):
            while export.occurred_at - exports[start].occurred_at > window:
                start += 1
            if end - start + 1 < settings.split_min_count:
                continue
            run = exports[start : end + 1]
            total_g = sum(e.mass_g for e in run)
            alerts.append(
                Alert(
                    "split_consignments",
                    "medium",
                    (exporter,),
                    tuple(e.event_id for e in run),
                    period_of(run[0].occurred_at),
                    f"{exporter} sent {len(run)} consignments ({kg(total_g)} kg in all) to "
                    f"{run[0].consignee} within {settings.split_window_days} days",
                    {
                        "count": str(len(run)),
                        "total_kg": kg(total_g),
                        "consignee": run[0].consignee,
                        "max_kg": str(settings.split_max_kg),
                        "licence_kg": str(settings.split_licence_kg or ""),
                        "min_count": str(settings.split_min_count),
                        "window_days": str(settings.split_window_days),
                    },
                )
            )
            start = end + 1
    return alerts


@rule("exporter_without_source", "high", "Exports not covered by production or purchases")
def exporter_without_source(
    facts: Facts, settings: DetectionSettings, _ref: Reference
) -> list[Alert]:
    exported: dict[str, list[Exported]] = defaultdict(list)
    for export in facts.exports.values():
        exported[export.exporter].append(export)
    acquired: dict[str, int] = defaultdict(int)
    for firm, grams in facts.acquired.values():
        acquired[firm] += grams
    alerts = []
    for firm, exports in sorted(exported.items()):
        out_g = sum(e.mass_g for e in exports)
        in_g = acquired.get(firm, 0)
        if out_g <= in_g * (1 + settings.source_tolerance):
            continue
        alerts.append(
            Alert(
                "exporter_without_source",
                "high",
                (firm,),
                tuple(sorted(e.event_id for e in exports)),
                str(facts.as_of.year),
                f"{firm} exported {kg(out_g)} kg but produced, imported or bought {kg(in_g)} kg",
                {
                    "exported_kg": kg(out_g),
                    "acquired_kg": kg(in_g),
                    "tolerance": str(settings.source_tolerance),
                },
            )
        )
    return alerts


def benchmark_usd(
    facts: Facts, export: Exported, reference: Reference
) -> tuple[float, dict[str, float]]:
    """What the export's rare earth content is worth at benchmark prices, by element."""
    worth: dict[str, float] = defaultdict(float)
    for lot, grams in export.items:
        form = facts.form_of(lot) or ""
        for element, fraction in facts.composition_of(lot):
            price = reference.prices_usd_per_kg_reo.get((element, form))
            if price is not None:
                reo_kg = grams / 1000 * fraction * float(ELEMENTS[element].reo_factor)
                worth[element] += reo_kg * float(price)
    return sum(worth.values()), dict(worth)


@rule(
    "under_invoicing",
    "high",
    "An export invoiced far below what its rare earth content is worth at benchmark prices",
)
def under_invoicing(facts: Facts, settings: DetectionSettings, reference: Reference) -> list[Alert]:
    alerts = []
    for export in sorted(facts.exports.values(), key=lambda e: e.event_id):
        if export.value is None or export.value[1] not in reference.usd_per_unit:
            continue
        amount, currency = export.value
        declared = float(amount * reference.usd_per_unit[currency])
        benchmark, by_element = benchmark_usd(facts, export, reference)
        if benchmark <= 0 or declared >= benchmark * float(settings.price_share):
            continue
        alerts.append(
            Alert(
                "under_invoicing",
                "high",
                (export.exporter,),
                (export.event_id,),
                period_of(export.occurred_at),
                f"export {export.event_id} is invoiced at {declared:,.0f} USD; its rare earth "
                f"content is worth {benchmark:,.0f} USD at benchmark prices",
                {
                    "declared": f"{amount} {currency}",
                    "declared_usd": f"{declared:.2f}",
                    "benchmark_usd": f"{benchmark:.2f}",
                    "ratio": f"{declared / benchmark:.4f}",
                    "alert_below_ratio": str(settings.price_share),
                    "benchmark_by_element_usd": {e: f"{v:.2f}" for e, v in by_element.items()},
                },
            )
        )
    return alerts


def _in_period(export: Exported, period: str) -> bool:
    return period_of(export.occurred_at).startswith(period)


@rule(
    "mirror_gap",
    "high",
    "A partner country records more imports from China than was reported as exported there",
)
def mirror_gap(facts: Facts, settings: DetectionSettings, reference: Reference) -> list[Alert]:
    alerts = []
    for row in sorted(reference.partner_imports, key=lambda r: (r.country, r.period)):
        sent = [
            e
            for e in facts.exports.values()
            if e.destination == row.country and _in_period(e, row.period)
        ]
        exported_kg = Decimal(sum(e.mass_g for e in sent)) / 1000
        gap_kg = row.mass_kg - exported_kg
        if gap_kg <= exported_kg * settings.mirror_tolerance or gap_kg < settings.mirror_min_kg:
            continue
        alerts.append(
            Alert(
                "mirror_gap",
                "high",
                tuple(sorted({e.exporter for e in sent})),
                (),
                row.period,
                f"{row.country} recorded {row.mass_kg:,.0f} kg of imports from China in "
                f"{row.period}; exports reported there total {exported_kg:,.0f} kg",
                {
                    "country": row.country,
                    "partner_kg": f"{row.mass_kg:.3f}",
                    "exported_kg": f"{exported_kg:.3f}",
                    "gap_kg": f"{gap_kg:.3f}",
                    "exports": str(len(sent)),
                    "tolerance": str(settings.mirror_tolerance),
                    "min_kg": str(settings.mirror_min_kg),
                    "source": row.source,
                },
                subject=row.country,
            )
        )
    return alerts
