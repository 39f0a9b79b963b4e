"""The regulator's national picture: overview as of a date, national figures, flows, map."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from rareledger.domain.access import AUDITOR, REGULATOR, Principal
from rareledger.domain.figures import EXPORT_PREFIX
from rareledger.errors import Invalid
from rareledger.services import directory, figures, geography, overview
from rareledger.web import charts, i18n
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import Column, Table, View, page
from rareledger.web.security import Context
from rareledger.web.sessions import require
from rareledger.web.terms import term

router = APIRouter()
READERS = (REGULATOR, AUDITOR)
Year = Annotated[int | None, Query(ge=1900, le=2999)]


def _as_of(ctx: Any, text: str | None) -> date:
    """The day asked for; by default today, or the last day with reports if that is earlier."""
    if not text:
        today = datetime.now(UTC).date()
        latest = figures.latest_day(ctx.database, ctx.settings.rules)
        return min(today, latest) if latest else today
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise Invalid("as_of: must be a date YYYY-MM-DD") from error


def _year(ctx: Any, year: int | None) -> int:
    found = year or figures.latest_year(ctx.database, ctx.settings.rules)
    return found or datetime.now(UTC).year


def _name(row: dict[str, Any]) -> str:
    return (row.get("name_local") if i18n.language() == "zh" else None) or row.get("name") or ""


OVERVIEW_TABLES = {
    "production_by_enterprise": [
        Column("enterprise_id", N_("Enterprise code"), "link:/enterprises/{enterprise_id}"),
        Column("shown_name", N_("Enterprise")),
        Column("shown_province", N_("Province")),
        Column("kind", N_("Quota"), "term:quota_kind"),
        Column("produced_t_reo", N_("Produced, t REO"), "t"),
        Column("quota_t_reo", N_("Quota, t REO"), "t"),
        Column("used", N_("Share of quota"), "percent"),
    ],
    "production_by_group": [
        Column("group", N_("Element group"), "term:element_group"),
        Column("mining_t_reo", N_("Mined, t REO"), "t"),
        Column("separation_t_reo", N_("Separated, t REO"), "t"),
    ],
    "production_by_province": [
        Column("shown_province", N_("Province")),
        Column("mining_t_reo", N_("Mined, t REO"), "t"),
        Column("separation_t_reo", N_("Separated, t REO"), "t"),
    ],
    "by_month": [
        Column("month", N_("Month"), "month"),
        Column("mining_t_reo", N_("Mined, t REO"), "t"),
        Column("separation_t_reo", N_("Separated, t REO"), "t"),
        Column("imports_kg", N_("Imports, kg"), "kg"),
        Column("exports_kg", N_("Exports, kg"), "kg"),
    ],
    "imports_by_origin": [
        Column("country", N_("Origin"), "country"),
        Column("kg", N_("Imports, kg of goods"), "kg"),
    ],
    "exports_by_destination": [
        Column("country", N_("Destination"), "country"),
        Column("kg", N_("Exports, kg of goods"), "kg"),
        Column("element_kg", N_("Rare earth elements, kg"), "kg"),
    ],
    "exports_by_element": [
        Column("element", N_("Element"), "element"),
        Column("kg", N_("Exported, kg of element"), "kg"),
    ],
    "stocks_by_role": [
        Column("role", N_("Held by"), "term:holder_role"),
        Column("t_reo", N_("Stock, t REO"), "t"),
        Column("holders", N_("Holders"), "number"),
    ],
    "findings_by_code": [
        Column("code", N_("Finding"), "term:finding"),
        Column("count", N_("Findings"), "number"),
    ],
    "alerts_by_code": [
        Column("code", N_("Alert"), "term:alert_or_finding"),
        Column("open", N_("Open"), "number"),
        Column("under_review", N_("Under review"), "number"),
        Column("confirmed", N_("Confirmed"), "number"),
        Column("dismissed", N_("Dismissed"), "number"),
        Column("total", N_("Total"), "number"),
    ],
}


def shown_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their enterprise's name and province in the reader's language."""
    return [
        {**row, "shown_name": _name(row), "shown_province": i18n.province(row.get("province"))}
        for row in rows
    ]


@page(router, "/overview")
def national_overview(
    request: Request,
    ctx: Context,
    _principal: Principal = require(*READERS),
    as_of: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")] = None,
) -> View:
    found = overview.overview(ctx.database, _as_of(ctx, as_of), ctx.settings.rules)
    tables = {
        name: Table(columns, shown_rows(found[name])) for name, columns in OVERVIEW_TABLES.items()
    }
    production = tables["production_by_enterprise"].rows
    context = {
        "production_chart": charts.bars(
            production,
            lambda r: f"{r['shown_name']} ({term('quota_kind', r['kind'])})",
            "produced_t_reo",
            lambda v: i18n.number(v, 1) + " t",
            gettext("Production against quota, t REO"),
            mark="quota_t_reo",
        ),
        "exports_chart": charts.bars(
            found["exports_by_destination"],
            lambda r: i18n.country(r["country"]),
            "kg",
            lambda v: i18n.number(v) + " kg",
            gettext("Exports by destination, kg of goods"),
        ),
    }
    return View("overview.html", found, tables, gettext("National overview"), context)


@page(router, "/figures/national")
def national_figures(
    request: Request, ctx: Context, _principal: Principal = require(*READERS), year: Year = None
) -> View:
    found = figures.national(ctx.database, _year(ctx, year), ctx.settings.rules)
    elements = [
        {"element": e, "country": c, "kg": v}
        for e, by_country in found["exports_element_kg"].items()
        for c, v in by_country.items()
    ]
    tables = {
        "production": Table(
            [
                Column("kind", N_("Quota"), "term:quota_kind"),
                Column("produced_t_reo", N_("Produced, t REO"), "t"),
                Column("quota_t_reo", N_("Quota, t REO"), "t"),
            ],
            [{"kind": k, **found[k]} for k in ("mining", "separation")],
        ),
        "imports_kg": Table(
            [Column("country", N_("Origin"), "country"), Column("kg", N_("kg of goods"), "kg")],
            [{"country": c, "kg": v} for c, v in found["imports_kg"].items()],
        ),
        "exports_kg": Table(
            [
                Column("country", N_("Destination"), "country"),
                Column("kg", N_("kg of goods"), "kg"),
            ],
            [{"country": c, "kg": v} for c, v in found["exports_kg"].items()],
        ),
        "exports_element_kg": Table(
            [
                Column("element", N_("Element"), "element"),
                Column("country", N_("Destination"), "country"),
                Column("kg", N_("kg of element"), "kg"),
            ],
            elements,
        ),
    }
    return View("figures.html", found, tables, gettext("National figures"))


def _stage(key: str) -> str:
    if key.startswith(EXPORT_PREFIX):
        country = key[len(EXPORT_PREFIX) :]
        place = gettext("other countries") if country == "other" else i18n.country(country)
        return f"{term('stage', 'export')}: {place}"
    return term("stage", key)


@page(router, "/flows")
def material_flows(
    request: Request, ctx: Context, _principal: Principal = require(*READERS), year: Year = None
) -> View:
    found = overview.flows(ctx.database, _year(ctx, year), ctx.settings.rules)
    rows = [
        {
            **link,
            "from": _stage(link["source"]),
            "to": _stage(link["target"]),
            "shown": i18n.number(link["t_reo"], 1) + " t REO",
        }
        for link in found["links"]
    ]
    table = Table(
        [Column("from", N_("From")), Column("to", N_("To")), Column("t_reo", N_("t REO"), "t")],
        rows,
    )
    diagram = charts.sankey(rows, _stage, gettext("Flow of material, t REO"))
    return View(
        "flows.html", found, {"links": table}, gettext("Material flows"), {"diagram": diagram}
    )


@page(router, "/map")
def facility_map(request: Request, ctx: Context, _principal: Principal = require(*READERS)) -> View:
    known = directory.directory(ctx.database)
    about, provinces = geography.base_map()
    sites = []
    for enterprise in known.enterprises.values():
        for facility in enterprise.facilities:
            province = geography.locate(facility.get("region"), enterprise.id)
            where = geography.place(facility, province)
            if where is None:
                continue
            sites.append(
                {
                    "facility_id": facility["id"],
                    "enterprise_id": enterprise.id,
                    "enterprise": enterprise.shown(i18n.language()),
                    "kind": facility.get("kind", "plant"),
                    "region": facility.get("region"),
                    "province": province.code if province else None,
                    "lon": round(where[0], 4),
                    "lat": round(where[1], 4),
                    "reported_coordinates": where[2],
                    "label": f"{enterprise.shown(i18n.language())} · {facility.get('name', '')}",
                }
            )
    drawing = charts.china_map(
        provinces,
        sites,
        lambda p: p.zh if i18n.language() == "zh" else p.en,
        gettext("Facilities on a map of China's provinces"),
    )
    table = Table(
        [
            Column("facility_id", N_("Facility")),
            Column("enterprise", N_("Enterprise")),
            Column("kind", N_("Kind"), "term:facility_kind"),
            Column("region", N_("Region")),
            Column("lon", N_("Longitude")),
            Column("lat", N_("Latitude")),
            Column("reported_coordinates", N_("Coordinates reported"), "bool"),
        ],
        sites,
    )
    data = {"base_map": about, "facilities": sites}
    return View(
        "map.html", data, {"facilities": table}, gettext("Facility map"), {"drawing": drawing}
    )
