"""The regulator's national overview as of a date, and the flow of material through the chain.

Everything is read from the national figures (kept up to date as the ledger grows), the master
data, the findings and the alerts: no ledger entry is read again to draw the overview.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from rareledger.domain.elements import ELEMENT_SYMBOLS
from rareledger.domain.figures import EXPORT_PREFIX, GROUP_NAMES, STAGES, TRANSIT, year_days
from rareledger.domain.findings import RuleSettings
from rareledger.domain.quantities import utc_text
from rareledger.services import detection, figures
from rareledger.services.directory import Directory, directory
from rareledger.services.figures import kg, tonnes
from rareledger.store import figures as store
from rareledger.store.database import Database

TOP_DESTINATIONS = 8


def overview(
    database: Database, as_of: date, settings: RuleSettings | None = None
) -> dict[str, Any]:
    """Production against quota, trade, stocks, findings and alerts of the year up to the end
    of a day."""
    first, _last = year_days(as_of.year, as_of)
    return between(database, date.fromisoformat(first), as_of, settings)


def between(
    database: Database, start: date, end: date, settings: RuleSettings | None = None
) -> dict[str, Any]:
    """The same figures for the days from ``start`` to ``end`` (quotas of ``end``'s year;
    stocks and findings as they stood at the end of ``end``)."""
    figures.refresh(database, settings)
    known = directory(database)
    as_of, first, last = end, start.isoformat(), end.isoformat()
    with database.read() as connection:

        def sums(measure: str, by: tuple[str, ...], since: str = first) -> list[tuple[Any, ...]]:
            return store.sums(connection, measure, since, last, by)

        quotas = store.quotas(connection, as_of.year)
        production = {k: sums(f"{k}_reo", ("key1", "key2")) for k in ("mined", "separated")}
        monthly = {
            m: dict(sums(m, ("month",)))
            for m in ("mined_reo", "separated_reo", "imported", "exported")
        }
        imports = sums("imported", ("key1",))
        exports = sums("exported", ("key1",))
        elements = sums("exported_element", ("key1", "key2"))
        stocks = store.stocks(connection, last)
        until = utc_text(detection.end_of(as_of).astimezone(UTC))
        found = store.findings_by_code(connection, until)
        alerts = store.alerts_by_code(connection, as_of.isoformat()[:7])
    by_enterprise = _by_enterprise(known, production, quotas)
    return {
        "as_of": as_of.isoformat(),
        "from": first,
        "year": as_of.year,
        "production": _totals(production, quotas),
        "production_by_enterprise": by_enterprise,
        "production_by_group": _by_group(production),
        "production_by_province": _by_province(by_enterprise),
        "by_month": [
            {
                "month": m,
                "mining_t_reo": tonnes(monthly["mined_reo"].get(m, 0)),
                "separation_t_reo": tonnes(monthly["separated_reo"].get(m, 0)),
                "imports_kg": kg(monthly["imported"].get(m, 0)),
                "exports_kg": kg(monthly["exported"].get(m, 0)),
            }
            for m in sorted(set().union(*monthly.values()))
        ],
        "imports_by_origin": [{"country": c, "kg": kg(a)} for c, a in _largest(imports)],
        "exports_by_destination": _destinations(exports, elements),
        "exports_by_element": _elements(elements),
        "stocks_by_role": _stocks(known, stocks),
        "findings_by_code": [{"code": c, "count": n} for c, n in found.items()],
        "alerts_by_code": _alerts(alerts),
    }


def _largest(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda r: -r[-1])


def _quota_of(quotas: list[dict[str, Any]], enterprise_id: str | None, kind: str) -> Decimal:
    return sum(
        (
            Decimal(str(q["reo_t"]))
            for q in quotas
            if q["kind"] == kind and enterprise_id in (None, q["enterprise_id"])
        ),
        Decimal(0),
    )


def _totals(
    production: dict[str, list[tuple[Any, ...]]], quotas: list[dict[str, Any]]
) -> dict[str, Any]:
    totals = {}
    for measure, kind in (("mined", "mining"), ("separated", "separation")):
        produced = sum(r[-1] for r in production[measure])
        quota = _quota_of(quotas, None, kind)
        totals[kind] = {
            "produced_t_reo": tonnes(produced),
            "quota_t_reo": float(quota),
            "used": _share(produced, quota),
        }
    return totals


def _share(produced_ug: int, quota_t: Decimal) -> float | None:
    if not quota_t:
        return None
    return float((Decimal(produced_ug) / figures.UG_PER_T / quota_t).quantize(Decimal("0.0001")))


def _by_enterprise(
    known: Directory, production: dict[str, list[tuple[Any, ...]]], quotas: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    produced: Counter[tuple[str, str]] = Counter()
    for measure, kind in (("mined", "mining"), ("separated", "separation")):
        for enterprise_id, _group, amount in production[measure]:
            produced[(enterprise_id, kind)] += amount
    for q in quotas:
        produced[(q["enterprise_id"], q["kind"])] += 0
    rows = []
    for (enterprise_id, kind), amount in sorted(produced.items(), key=lambda i: (i[0][1], -i[1])):
        found = known.get(enterprise_id)
        quota = _quota_of(quotas, enterprise_id, kind)
        rows.append(
            {
                "enterprise_id": enterprise_id,
                "name": found.name if found else enterprise_id,
                "name_local": found.name_local if found else None,
                "province": found.province.code if found and found.province else None,
                "kind": kind,
                "produced_t_reo": tonnes(amount),
                "quota_t_reo": float(quota),
                "used": _share(amount, quota),
            }
        )
    return rows


def _by_group(production: dict[str, list[tuple[Any, ...]]]) -> list[dict[str, Any]]:
    sums = {m: Counter[str]() for m in production}
    for measure, rows in production.items():
        for _enterprise, group, amount in rows:
            sums[measure][group] += amount
    return [
        {
            "group": group,
            "mining_t_reo": tonnes(sums["mined"][group]),
            "separation_t_reo": tonnes(sums["separated"][group]),
        }
        for group in GROUP_NAMES
    ]


def _by_province(by_enterprise: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, float]] = {}
    for row in by_enterprise:
        entry = totals.setdefault(row["province"] or "", {"mining": 0.0, "separation": 0.0})
        entry[row["kind"]] += row["produced_t_reo"]
    return [
        {
            "province": province or None,
            "mining_t_reo": round(t["mining"], 3),
            "separation_t_reo": round(t["separation"], 3),
        }
        for province, t in sorted(
            totals.items(), key=lambda i: -(i[1]["mining"] + i[1]["separation"])
        )
    ]


def _destinations(
    exports: list[tuple[Any, ...]], elements: list[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    element_kg: Counter[str] = Counter()
    for _element, country, amount in elements:
        element_kg[country] += amount
    return [
        {"country": country, "kg": kg(amount), "element_kg": kg(element_kg[country])}
        for country, amount in _largest(exports)
    ]


def _elements(elements: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    totals: Counter[str] = Counter()
    for element, _country, amount in elements:
        totals[element] += amount
    return [{"element": e, "kg": kg(totals[e])} for e in ELEMENT_SYMBOLS if totals[e]]


def _stocks(known: Directory, stocks: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    by_role: Counter[str] = Counter()
    holders: Counter[str] = Counter()
    for holder, amount in stocks:
        role = "~transit" if holder == TRANSIT else known.role(holder)
        by_role[role] += amount
        holders[role] += 1 if amount > 0 else 0
    return [
        {"role": role, "t_reo": tonnes(amount), "holders": holders[role]}
        for role, amount in sorted(by_role.items(), key=lambda i: -i[1])
    ]


def _alerts(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for code, status, count in rows:
        entry = table.setdefault(
            code, {"code": code, "open": 0, "under_review": 0, "confirmed": 0, "dismissed": 0}
        )
        entry[status] = count
    for entry in table.values():
        entry["total"] = sum(entry[s] for s in ("open", "under_review", "confirmed", "dismissed"))
    return sorted(table.values(), key=lambda e: -e["total"])


def flows(database: Database, year: int, settings: RuleSettings | None = None) -> dict[str, Any]:
    """The year's flow of material between stages, in t REO (a Sankey diagram's links)."""
    figures.refresh(database, settings)
    first, last = year_days(year)
    with database.read() as connection:
        rows = store.sums(connection, "flow_reo", first, last, ("key1", "key2"))
    destinations: Counter[str] = Counter()
    links: Counter[tuple[str, str]] = Counter()
    for source, target, amount in rows:
        if target.startswith(EXPORT_PREFIX):
            destinations[target[len(EXPORT_PREFIX) :]] += amount
        links[(source, target)] += amount
    kept = {c for c, _ in destinations.most_common(TOP_DESTINATIONS)}
    merged: Counter[tuple[str, str]] = Counter()
    for (source, target), amount in links.items():
        country = target[len(EXPORT_PREFIX) :]
        if target.startswith(EXPORT_PREFIX) and country not in kept:
            target = EXPORT_PREFIX + "other"
        merged[(source, target)] += amount
    return {
        "year": year,
        "stages": list(STAGES),
        "links": [
            {"source": s, "target": t, "t_reo": tonnes(a)}
            for (s, t), a in sorted(merged.items(), key=lambda i: -i[1])
            if tonnes(a) > 0
        ],
    }
