"""Rules on exports: split consignments, exports without source, headings, mirror gaps."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rareledger.domain.detection.baselines import Materials, median, quartiles
from rareledger.domain.detection.facts import Exported, Facts
from rareledger.domain.detection.model import (
    Alert,
    DetectionSettings,
    PartnerImport,
    Reference,
    kg,
    period_of,
    rule,
)

MIRROR_MIN_PARTNERS = 3  # partner statistics needed to say what partners usually record


def _norm(name: str) -> str:
    """A party's name as the licence check compares it: no case, punctuation or spaces."""
    return re.sub(r"[\W_]+", "", name.casefold())


@dataclass(frozen=True, slots=True)
class Usual:
    """An exporter's usual parcel of a class of material, and where the figure comes from."""

    grams: float
    source: str  # consignee | exporter | peers


Key = tuple[str, str, str]  # exporter, consignee (as compared), material
Parcel = tuple[Exported, Key, int]  # an export, its key and its grams


def _parcels(facts: Facts, materials: Materials) -> list[Parcel]:
    """Each export with its key and its mass, worked out once (a consignee's name is
    compared once per name)."""
    exports = facts.exports.values()
    compared = {name: _norm(name) for name in {e.consignee for e in exports}}
    return [
        (e, (e.exporter, compared[e.consignee], materials.of(e.items)), e.mass_g) for e in exports
    ]


def _usual_parcels(parcels: list[Parcel], settings: DetectionSettings) -> dict[Key, Usual]:
    """What each exporter usually sends each consignee of each material: the upper quartile
    of its parcels of the material to that consignee, to anyone, or of all exporters' parcels
    of the material, whichever is largest (the first two from at least ``split_min_history``
    parcels). A split, even one making a third of the parcels, does not move an upper
    quartile; a new consignee's short history does not make the yardstick."""
    by_pair: dict[Key, list[int]] = defaultdict(list)
    by_firm: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_class: dict[str, list[int]] = defaultdict(list)
    for _export, key, grams in parcels:
        by_pair[key].append(grams)
        by_firm[(key[0], key[2])].append(grams)
        by_class[key[2]].append(grams)
    least = settings.split_min_history
    # Each firm's and each class's upper quartile once, not once per consignee.
    firm_upper = {key: quartiles(v)[1] for key, v in by_firm.items() if len(v) >= least}
    class_upper = {material: quartiles(v)[1] for material, v in by_class.items()}
    usual = {}
    for (firm, consignee, material), masses in by_pair.items():
        found = [Usual(class_upper[material], "peers")]
        if (firm, material) in firm_upper:
            found.insert(0, Usual(firm_upper[(firm, material)], "exporter"))
        if len(masses) >= least:
            found.insert(0, Usual(quartiles(masses)[1], "consignee"))
        usual[(firm, consignee, material)] = max(found, key=lambda u: u.grams)
    return usual


def _small(
    parcels: list[Parcel], usual: dict[Key, Usual], settings: DetectionSettings
) -> dict[tuple[str, str], list[Exported]]:
    """Per exporter and consignee, its exports small against its usual parcel of the material
    (or, when ``split_licence_kg`` is set, just under that size)."""
    share = float(settings.split_size_share)
    under = settings.split_licence_kg
    low_g = float(under * (1 - settings.split_licence_margin) * 1000) if under else 0.0
    high_g = float(under * 1000) if under else 0.0
    found: dict[tuple[str, str], list[Exported]] = defaultdict(list)
    for export, key, grams in parcels:
        small = grams <= share * usual[key].grams
        if small or (under is not None and low_g <= grams < high_g):
            found[(key[0], key[1])].append(export)
    return found


def _trading_days(parcels: list[Parcel]) -> dict[tuple[str, str], float]:
    """Per exporter and consignee: days from the first export to it to the last."""
    moments: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for export, key, _grams in parcels:
        moments[(key[0], key[1])].append(export.occurred_at)
    return {
        pair: (max(found) - min(found)).total_seconds() / 86400 for pair, found in moments.items()
    }


@rule(
    "split_consignments",
    "medium",
    "Many parcels to one consignee in a few weeks, small against the exporter's usual parcel "
    "and more than it usually sends (licensed or not)",
)
def split_consignments(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    window = timedelta(days=settings.split_window_days)
    rate_factor = float(settings.split_rate_factor)
    materials = Materials(facts)
    parcels = _parcels(facts, materials)
    usual = _usual_parcels(parcels, settings)
    trading = _trading_days(parcels)
    alerts = []
    for (exporter, consignee), exports in sorted(_small(parcels, usual, settings).items()):
        exports.sort(key=lambda e: (e.occurred_at, e.event_id))
        # The small parcels it sends that consignee in a window, the rest of the time it
        # trades with it.
        days = trading[(exporter, consignee)]
        span = max(days - settings.split_window_days, settings.split_window_days)
        start = end = 0
        while start < len(exports):
            end = max(end, start)
            while end + 1 < len(exports) and (
                exports[end + 1].occurred_at - exports[start].occurred_at <= window
            ):
                end += 1
            count = end + 1 - start
            expected = (len(exports) - count) / span * settings.split_window_days
            least = max(settings.split_min_count, rate_factor * expected)
            if count >= least:
                run = exports[start : end + 1]
                yardstick = usual[(exporter, consignee, materials.of(run[0].items))]
                alerts.append(_split_alert(run, yardstick, expected, least, settings))
                start = end + 1
            else:
                start += 1
    return alerts


def _split_alert(
    run: list[Exported],
    yardstick: Usual,
    expected: float,
    least: float,
    settings: DetectionSettings,
) -> Alert:
    exporter = run[0].exporter
    total_g = sum(e.mass_g for e in run)
    days = (run[-1].occurred_at - run[0].occurred_at).days
    return Alert(
        "split_consignments",
        "medium",
        (exporter,),
        tuple(e.event_id for e in run),
        period_of(run[0].occurred_at),
        f"{exporter} sent {len(run)} parcels ({kg(total_g)} kg in all) to {run[0].consignee} "
        f"within {days} days; its usual parcel is {kg(yardstick.grams)} kg and it usually sends "
        f"{expected:.1f} small ones in {settings.split_window_days} days",
        {
            "count": str(len(run)),
            "total_kg": kg(total_g),
            "consignee": run[0].consignee,
            "licensed": str(sum(1 for e in run if e.licence_no)),
            "median_parcel_kg": kg(median([e.mass_g for e in run])),
            "usual_parcel_kg": kg(yardstick.grams),
            "usual_from": yardstick.source,
            "small_below_kg": kg(float(settings.split_size_share) * yardstick.grams),
            "usual_small_per_window": f"{expected:.2f}",
            "alert_from_count": f"{least:.1f}",
            "window_days": str(settings.split_window_days),
            "licence_kg": str(settings.split_licence_kg or ""),
        },
    )


@rule("exporter_without_source", "high", "Exports not covered by production or purchases")
def exporter_without_source(
    facts: Facts, settings: DetectionSettings, _ref: Reference
) -> list[Alert]:
    exported: dict[str, list[Exported]] = defaultdict(list)
    for export in facts.exports.values():
        exported[export.exporter].append(export)
    acquired: dict[str, int] = defaultdict(int)
    for firm, grams in facts.acquisitions():
        if firm in exported:  # only exporters' are compared
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


@rule(
    "heading_mismatch",
    "high",
    "An export declared under a tariff heading that does not fit the form of goods in it",
)
def heading_mismatch(
    facts: Facts, _settings: DetectionSettings, reference: Reference
) -> list[Alert]:
    alerts = []
    for export in sorted(facts.exports.values(), key=lambda e: e.event_id):
        if not export.hs_code:
            continue
        heading = export.hs_code[:4]
        wrong: list[dict[str, str]] = []
        for lot, grams in export.items:
            form = facts.form_of(lot) or ""
            expected = reference.form_headings.get(form)
            if expected and heading not in expected:
                listed = ", ".join(expected)
                wrong.append({"lot_id": lot, "form": form, "kg": kg(grams), "headings": listed})
        if not wrong:
            continue
        alerts.append(
            Alert(
                "heading_mismatch",
                "high",
                (export.exporter,),
                (export.event_id,),
                period_of(export.occurred_at),
                f"export {export.event_id} is declared under {export.hs_code}, but "
                f"{len(wrong)} of its lots are goods of another heading "
                f"({', '.join(sorted({w['form'] for w in wrong}))})",
                {
                    "hs_code": export.hs_code,
                    "lots": wrong,
                    "share_kg": kg(sum(g for _l, g in export.items)),
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
    rows = []
    for row in sorted(reference.partner_imports, key=lambda r: (r.country, r.period)):
        sent = [
            e
            for e in facts.exports.values()
            if e.destination == row.country and _in_period(e, row.period)
        ]
        rows.append((row, sent, Decimal(sum(e.mass_g for e in sent)) / 1000))
    normal = _mirror_baseline(rows, settings)
    alerts = []
    for row, sent, exported_kg in rows:
        usual = normal.get(len(row.period), Decimal(1))
        gap_kg = row.mass_kg - exported_kg * usual
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
                    "baseline_ratio": f"{usual:.4f}",
                    "exports": str(len(sent)),
                    "tolerance": str(settings.mirror_tolerance),
                    "min_kg": str(settings.mirror_min_kg),
                    "source": row.source,
                },
                subject=row.country,
            )
        )
    return alerts


def _mirror_baseline(
    rows: list[tuple[PartnerImport, list[Exported], Decimal]], settings: DetectionSettings
) -> dict[int, Decimal]:
    """What partners usually record against reported exports, by the length of the period (a
    year or a month): the lower quartile of their ratios, which holds even when half the
    destinations see smuggling, from three or more statistics; else 1."""
    ratios: dict[int, list[float]] = defaultdict(list)
    for row, _sent, exported_kg in rows:
        if exported_kg >= settings.mirror_min_kg:
            ratios[len(row.period)].append(float(row.mass_kg / exported_kg))
    return {
        length: Decimal(repr(round(quartiles(found)[0], 4)))
        for length, found in ratios.items()
        if len(found) >= MIRROR_MIN_PARTNERS
    }
