"""Export-control endpoints: classification, customs checks, regimes, licences, figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.domain.vocabulary import FORMS
from rareledger.services import export_control
from rareledger.services.reporting import Recorder
from rareledger.web.api.reporting import MasterBatch, _body_schema, _json, _list_of
from rareledger.web.errors import ApiError
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["export control"])
SIGNED_IN = (REGULATOR, AUDITOR, CUSTOMS, ENTERPRISE)


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ApiError(422, "validation_error", "on: must be a date YYYY-MM-DD") from error


@router.get("/classification", summary="Is an item controlled on a date, and why")
def classification(
    ctx: Context,
    _principal: Principal = allow(*SIGNED_IN),
    form: Annotated[str, Query(max_length=32)] = "oxide",
    composition: Annotated[
        str, Query(max_length=2000, description='JSON, e.g. {"Dy": 0.04}')
    ] = "{}",
    on: Annotated[str | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    if form not in FORMS:
        raise ApiError(422, "unknown_form", f"form: must be one of {', '.join(FORMS)}")
    try:
        fractions = {
            str(k): Decimal(str(v)) for k, v in json.loads(composition, parse_float=Decimal).items()
        }
    except (ValueError, AttributeError, ArithmeticError) as error:
        raise ApiError(
            422, "validation_error", "composition: must be a JSON object of element fractions"
        ) from error
    found = export_control.classify_item(ctx.database, form, fractions, _day(on))
    return found.as_dict()


@router.post(
    "/customs/checks", summary="Release or hold a proposed export", openapi_extra=_body_schema(None)
)
async def customs_check(
    request: Request, ctx: Context, principal: Principal = allow(CUSTOMS, REGULATOR)
) -> dict[str, Any]:
    """The proposed export in the spec's export fields; a release draws the licence down."""
    proposed = await _json(request)
    if not isinstance(proposed, dict):
        raise ApiError(422, "validation_error", "body: must be an export object")
    receipt, outcome = await run_in_threadpool(
        export_control.customs_check, ctx.database, principal.actor(), proposed
    )
    if outcome is None:
        first = receipt.errors[0]
        raise ApiError(
            422,
            first["code"],
            f"{first['field'] or 'export'}: {first['message']}",
            receipt.as_dict(),
        )
    return outcome


@router.get("/regimes", summary="Control regimes in force, as data")
def list_regimes(ctx: Context, _principal: Principal = allow(*SIGNED_IN)) -> dict[str, Any]:
    return {"items": export_control.regimes(ctx.database)}


@router.post(
    "/licence-applications",
    summary="Apply for a licence (or resubmit)",
    openapi_extra=_body_schema(MasterBatch),
)
async def apply(
    request: Request, ctx: Context, principal: Principal = allow(ENTERPRISE, REGULATOR)
) -> dict[str, Any]:
    """``{"records": [...]}`` of licence_application records; an exporter applies for itself."""
    records = _list_of(await _json(request), "records", ctx.settings.max_batch)
    if any(not isinstance(r, dict) or r.get("type") != "licence_application" for r in records):
        raise ApiError(422, "validation_error", "records: each must be a licence_application")
    recorder = Recorder(ctx.database, principal.actor(), settings=ctx.settings.rules)
    receipts = await run_in_threadpool(recorder.submit, records)
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
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["element", "destination_country", "licence_kg", "exported_kg"]
    )
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv")
