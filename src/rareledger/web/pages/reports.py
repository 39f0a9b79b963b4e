"""Monthly and annual reports for the regulator, as .xlsx workbooks."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rareledger.domain.access import AUDITOR, REGULATOR, Principal
from rareledger.errors import Invalid
from rareledger.formats import report_xlsx
from rareledger.services import figures, overview
from rareledger.web import i18n
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import Column, Table, View, page
from rareledger.web.pages.national import OVERVIEW_TABLES, shown_rows
from rareledger.web.security import Context
from rareledger.web.sessions import require
from rareledger.web.terms import term

router = APIRouter()
READERS = (REGULATOR, AUDITOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = {
    "production_by_enterprise": N_("Production by enterprise"),
    "production_by_group": N_("Production by element group"),
    "production_by_province": N_("Production by province"),
    "by_month": N_("By month"),
    "imports_by_origin": N_("Imports by origin"),
    "exports_by_destination": N_("Exports by destination"),
    "exports_by_element": N_("Exports by element"),
    "stocks_by_role": N_("Stocks by holder"),
    "findings_by_code": N_("Findings by code"),
    "alerts_by_code": N_("Alerts by code"),
}


@page(router, "/reports")
def report_list(request: Request, ctx: Context, _principal: Principal = require(*READERS)) -> View:
    latest = figures.latest_day(ctx.database, ctx.settings.rules) or date.today()
    rows: list[dict[str, Any]] = []
    for year in (latest.year, latest.year - 1):
        rows.append(
            {"period": str(year), "kind": "annual", "href": f"/reports/annual.xlsx?year={year}"}
        )
        last_month = latest.month if year == latest.year else 12
        rows.extend(
            {
                "period": f"{year}-{m:02d}",
                "kind": "monthly",
                "href": f"/reports/monthly.xlsx?month={year}-{m:02d}",
            }
            for m in range(last_month, 0, -1)
        )
    table = Table(
        [
            Column("period", N_("Period")),
            Column("kind", N_("Report"), "term:report_kind"),
            Column("href", N_("Workbook")),
        ],
        rows,
    )
    return View("reports.html", {"items": rows}, {"reports": table}, gettext("Reports"))


def _value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind.startswith("term:"):
        return term(column.kind[5:], value)
    converters = {"country": i18n.country, "element": i18n.element, "month": i18n.month}
    return converters[column.kind](value) if column.kind in converters else value


def _workbook(title: str, found: dict[str, Any]) -> bytes:
    sheets = []
    for name, columns in OVERVIEW_TABLES.items():
        rows = shown_rows(found[name])
        sheets.append(
            (
                gettext(SHEETS[name]),
                [gettext(c.label) for c in columns if not c.kind.startswith("link")],
                [
                    [_value(c, r.get(c.key)) for c in columns if not c.kind.startswith("link")]
                    for r in rows
                ],
            )
        )
    facts = [
        (gettext("From"), found["from"]),
        (gettext("To"), found["as_of"]),
        (gettext("Mining, t REO"), found["production"]["mining"]["produced_t_reo"]),
        (gettext("Mining quota, t REO"), found["production"]["mining"]["quota_t_reo"]),
        (gettext("Separation, t REO"), found["production"]["separation"]["produced_t_reo"]),
        (gettext("Separation quota, t REO"), found["production"]["separation"]["quota_t_reo"]),
    ]
    return report_xlsx.workbook(title, facts, sheets)


def _download(body: bytes, name: str) -> Response:
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/reports/monthly.xlsx", include_in_schema=False, response_class=Response)
def monthly_report(
    request: Request,
    ctx: Context,
    _principal: Principal = require(*READERS),
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = "",
) -> Response:
    if not month:
        raise Invalid("month: give a month YYYY-MM")
    year, number = int(month[:4]), int(month[5:])
    start, end = date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    found = overview.between(ctx.database, start, end, ctx.settings.rules)
    title = gettext("Rare earth monthly report %(month)s") % {"month": month}
    return _download(_workbook(title, found), f"rareledger-{month}.xlsx")


@router.get("/reports/annual.xlsx", include_in_schema=False, response_class=Response)
def annual_report(
    request: Request,
    ctx: Context,
    _principal: Principal = require(*READERS),
    year: Annotated[int, Query(ge=1900, le=2999)] = 0,
) -> Response:
    if not year:
        raise Invalid("year: give a year")
    found = overview.between(ctx.database, date(year, 1, 1), date(year, 12, 31), ctx.settings.rules)
    title = gettext("Rare earth annual report %(year)s") % {"year": year}
    return _download(_workbook(title, found), f"rareledger-{year}.xlsx")
