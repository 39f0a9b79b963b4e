"""Enterprises (look-up, profiles), lots (lineage, origins, custody) and findings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.domain.findings import FINDING_CODES
from rareledger.errors import NotFound
from rareledger.services import directory, reads, traceability
from rareledger.web import charts, i18n
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import Column, PageNo, Table, View, page, paged
from rareledger.web.security import Context
from rareledger.web.sessions import require
from rareledger.web.terms import term

router = APIRouter()
READERS = (REGULATOR, AUDITOR)
ENTERPRISE_COLUMNS = [
    Column("id", N_("Enterprise code"), "link:/enterprises/{id}"),
    Column("name", N_("Name")),
    Column("name_local", N_("Chinese name")),
    Column("roles_shown", N_("Roles")),
    Column("province_shown", N_("Province")),
    Column("status", N_("Status"), "term:enterprise_status"),
]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    roles = ", ".join(term("enterprise_role", r) for r in row.get("roles", []))
    return {**row, "roles_shown": roles, "province_shown": i18n.province(row.get("province"))}


@page(router, "/enterprises")
def enterprise_list(
    request: Request,
    ctx: Context,
    _principal: Principal = require(*READERS),
    q: Annotated[str | None, Query(max_length=200)] = None,
    page_no: PageNo = 1,
) -> View:
    known = directory.directory(ctx.database)
    if q:
        found = known.lookup(q, limit=200)
        rows, suggestions = found["matches"], found["suggestions"]
    else:
        rows, suggestions = [e.summary() for e in known.enterprises.values()], []
    rows, meta = paged(rows, page_no)
    tables = {"enterprises": Table(ENTERPRISE_COLUMNS, [_shown(r) for r in rows])}
    data = {"query": q, "items": rows, "suggestions": suggestions, **meta}
    return View("enterprises.html", data, tables, gettext("Enterprises"))


@page(router, "/enterprises/{enterprise_id}")
def enterprise_profile(
    request: Request, enterprise_id: str, ctx: Context, _principal: Principal = require(*READERS)
) -> View:
    found = directory.profile(ctx.database, enterprise_id)
    if found is None:
        raise NotFound(f"no enterprise {enterprise_id!r}")
    tables = {
        "facilities": Table(
            [
                Column("id", N_("Facility")),
                Column("name", N_("Name")),
                Column("kind", N_("Kind"), "term:facility_kind"),
                Column("region", N_("Region")),
            ],
            found["facilities"],
        ),
        "partners": Table(
            [
                Column("enterprise_id", N_("Enterprise code"), "link:/enterprises/{enterprise_id}"),
                Column("name", N_("Name")),
                Column("direction", N_("Trade"), "term:trade_direction"),
                Column("shipments", N_("Shipments"), "number"),
                Column("mass_kg", N_("Mass, kg"), "kg"),
            ],
            found["partners"],
        ),
        "stock": Table(
            [
                Column("element", N_("Element"), "element"),
                Column("kg", N_("Held, kg"), "kg"),
                Column("reo_kg", N_("Held, kg REO"), "kg"),
            ],
            [{"element": s, **v} for s, v in found["balance"]["elements"].items()],
        ),
        "lots": Table(
            [
                Column("lot_id", N_("Lot"), "link:/lots/{lot_id}"),
                Column("mass_kg", N_("Mass, kg"), "kg"),
            ],
            found["balance"]["lots"],
        ),
    }
    return View("enterprise.html", found, tables, found["name"])


@page(router, "/lots/{lot_id}")
def lot_page(
    request: Request,
    lot_id: str,
    ctx: Context,
    principal: Principal = require(REGULATOR, AUDITOR, CUSTOMS, ENTERPRISE),
) -> View:
    if principal.role == ENTERPRISE:
        own = reads.lot(ctx.database, principal, lot_id)
        return View("lot.html", {"lot": own, "trace": None}, title=lot_id)
    lot = reads.lot(ctx.database, principal, lot_id)
    trace = traceability.trace_up(ctx.database, lot_id)
    origins = [
        {
            "origin": o["lot_id"],
            "kind": o["kind"],
            "country": o["country"],
            "enterprise_id": o["enterprise_id"],
            "element": e,
            "share": share,
        }
        for o in trace["origins"]
        for e, share in sorted(o["shares"].items())
    ]
    tables = {
        "origins": Table(
            [
                Column("element", N_("Element"), "element"),
                Column("country", N_("Country"), "country"),
                Column("kind", N_("Origin"), "term:event"),
                Column("origin", N_("Lot of origin"), "link:/lots/{origin}"),
                Column("enterprise_id", N_("Enterprise code")),
                Column("share", N_("Share"), "percent"),
            ],
            origins,
        ),
        "custody": Table(
            [
                Column("occurred_at", N_("When"), "moment"),
                Column("lot_id", N_("Lot")),
                Column("kind", N_("Movement")),
                Column("from", N_("From")),
                Column("to", N_("To")),
                Column("mass_kg", N_("Mass, kg"), "kg"),
            ],
            [m for m in trace["custody"] if m["lot_id"] == lot_id] or trace["custody"][:200],
        ),
    }
    graph = charts.lineage(
        trace["lots"], lot_id, gettext("What lot %(id)s was made from") % {"id": lot_id}
    )
    return View("lot.html", {"lot": lot, "trace": trace}, tables, lot_id, {"graph": graph})


@page(router, "/findings")
def findings_page(
    request: Request,
    ctx: Context,
    principal: Principal = require(REGULATOR, AUDITOR, ENTERPRISE),
    code: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=128)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> View:
    found = reads.findings(
        ctx.database,
        principal,
        code=code or None,
        enterprise_id=enterprise or None,
        cursor=cursor,
        limit=100,
    )
    columns = [
        Column("event_id", N_("Event")),
        Column("event_type", N_("Event type"), "term:event"),
        Column("code", N_("Finding"), "term:finding"),
        Column("enterprise_id", N_("Enterprise code")),
        Column("lot_id", N_("Lot")),
        Column("message", N_("What was found")),
    ]
    context = {
        "filters": {"code": code or "", "enterprise": enterprise or ""},
        "codes": FINDING_CODES,
    }
    return View(
        "findings.html",
        found.as_dict(),
        {"findings": Table(columns, found.items)},
        gettext("Findings"),
        context,
    )
