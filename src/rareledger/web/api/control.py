"""Export-control endpoints: classification, customs checks, regimes, licences, figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.domain.vocabulary import FORMS
from rareledger.errors import Invalid
from rareledger.formats.tables import csv_text
from rareledger.formats.values import COMPOSITION_FORMS, parse_composition, parse_day
from rareledger.services import export_control
from rareledger.web.api.reporting import MasterBatch, submit
from rareledger.web.body import body_schema, json_object, read_json, records_in
from rareledger.web.errors import refusal
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["export control"])
SIGNED_IN = (REGULATOR, AUDITOR, CUSTOMS, ENTERPRISE)


def _day(text: str | None) -> date:
    return datetime.now(UTC).date() if text is None else parse_day(text, "on")


@router.get("/classification", summary="Is an item controlled on a date, and why")
def classification(
    ctx: Context,
    _principal: Principal = allow(*SIGNED_IN),
    form: Annotated[str, Query(max_length=32)] = "oxide",
    composition: Annotated[
        str, Query(max_length=2000, description=f"element mass fractions: {COMPOSITION_FORMS}")
    ] = "{}",
    on: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD; default today")] = None,
) -> dict[str, Any]:
    if form not in FORMS:
        raise Invalid(f"form: must be one of {', '.join(FORMS)}", code="unknown_form")
    fractions = parse_composition(composition)
    found = export_control.classify_item(ctx.database, form, fractions, _day(on))
    return found.as_dict()


@router.post(
    "/customs/checks",
    summary="Release or hold a proposed export",
    openapi_extra=body_schema(None, "a proposed export in the spec's export fields"),
)
async def customs_check(
    request: Request, ctx: Context, principal: Principal = allow(CUSTOMS, REGULATOR)
) -> dict[str, Any]:
    """The proposed export in the spec's export fields; a release draws the licence down."""
    proposed = json_object(await read_json(request), "an export object")
    receipt, outcome = await run_in_threadpool(
        export_control.customs_check, ctx.database, principal.actor(), proposed
    )
    if outcome is None:
        raise refusal(receipt, "export")
    return outcome


@router.get("/regimes", summary="Control regimes in force, as data")
def list_regimes(ctx: Context, _principal: Principal = allow(*SIGNED_IN)) -> dict[str, Any]:
    return {"items": export_control.regimes(ctx.database)}


@router.post(
    "/licence-applications",
    summary="Apply for a licence (or resubmit)",
    openapi_extra=body_schema(MasterBatch),
)
async def apply(
    request: Request, ctx: Context, principal: Principal = allow(ENTERPRISE, REGULATOR)
) -> dict[str, Any]:
    """``{"records": [...]}`` of licence_application records; an exporter applies for itself."""
    records = records_in(await read_json(request), "records", ctx.settings.max_batch)
    if any(not isinstance(r, dict) or r.get("type") != "licence_application" for r in records):
        raise Invalid("records: each must be a licence_application")
    receipts = await submit(ctx, principal, records)
    return {"receipts": [r.as_dict() for r in receipts]}


@router.get("/licence-applications", summary="Applications and their review times")
def list_applications(
    ctx: Context,
    principal: Principal = allow(REGULATOR, AUDITOR, ENTERPRISE),
    overdue: bool = False,
) -> dict[str, Any]:
    applicant = None if principal.reads_all else principal.enterprise_id
    return {
        "items": export_control.applications(
            ctx.database, applicant=applicant, overdue_only=overdue
        )
    }


@router.get("/licences", summary="Licences with what is used and left")
def list_licences(
    ctx: Context, principal: Principal = allow(REGULATOR, AUDITOR, CUSTOMS, ENTERPRISE)
) -> dict[str, Any]:
    exporter = None if principal.role != ENTERPRISE else principal.enterprise_id
    return {"items": export_control.licences(ctx.database, exporter=exporter)}


@router.get("/figures/licences", summary="Licence figures for the regulator (JSON)")
def figures(ctx: Context, _principal: Principal = allow(REGULATOR, AUDITOR)) -> dict[str, Any]:
    return export_control.figures(ctx.database)


@router.get(
    "/figures/licences.csv",
    summary="Quantities under licence and exported (CSV)",
    response_class=Response,
)
def figures_csv(ctx: Context, _principal: Principal = allow(REGULATOR, AUDITOR)) -> Response:
    rows = export_control.figures(ctx.database)["quantities"]
    return Response(csv_text(rows, export_control.QUANTITY_COLUMNS), media_type="text/csv")
