"""Reporting endpoints: events (one or a batch), master data, spreadsheet uploads."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.formats import spreadsheet
from rareledger.services import uploads
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.web.errors import ApiError
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["reporting"])


class EventBatch(BaseModel):
    """A batch of events in the reporting contract's format, judged one by one."""

    events: list[dict[str, Any]] = Field(description="up to 10,000 events")


class MasterBatch(BaseModel):
    records: list[dict[str, Any]] = Field(description="enterprise, facility or quota records")


def _body_schema(model: type[BaseModel] | None) -> dict[str, Any]:
    schema = (
        model.model_json_schema()
        if model
        else {"type": "object", "description": "one event in the reporting contract's format"}
    )
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def _json(request: Request) -> Any:
    """The request body as JSON, non-integer numbers as exact decimals."""
    raw = await request.body()
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(422, "malformed_json", f"the body is not valid JSON: {error}") from error


def _list_of(body: Any, name: str, limit: int) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get(name), list):
        raise ApiError(
            422,
            "validation_error",
            f'{name}: the body must be {{"{name}": [...]}}',
            [{"field": name, "code": "type", "message": "must be a list"}],
        )
    unknown = sorted(set(body) - {name})
    if unknown:
        raise ApiError(
            422,
            "validation_error",
            f"{unknown[0]}: field is not part of the API",
            [{"field": f, "code": "unknown_field", "message": "not allowed"} for f in unknown],
        )
    if len(body[name]) > limit:
        raise ApiError(
            413,
            "batch_too_large",
            f"{name}: a batch holds at most {limit} records, not {len(body[name])}",
        )
    return list(body[name])


async def _submit(ctx: Any, principal: Principal, records: list[Any]) -> list[Acknowledgement]:
    recorder = Recorder(ctx.database, principal.actor(), settings=ctx.settings.rules)
    return await run_in_threadpool(recorder.submit, records)


@router.post("/events", summary="Submit a batch of events", openapi_extra=_body_schema(EventBatch))
async def submit_events(
    request: Request, ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE)
) -> dict[str, Any]:
    """One receipt per event, in order; a rejected event rejects nothing else."""
    events = _list_of(await _json(request), "events", ctx.settings.max_batch)
    receipts = await _submit(ctx, principal, events)
    return {"receipts": [r.as_dict() for r in receipts]}


@router.put(
    "/events/{event_id}",
    summary="Submit one event",
    openapi_extra=_body_schema(None),
    status_code=201,
)
async def put_event(
    event_id: str,
    request: Request,
    response: Response,
    ctx: Context,
    principal: Principal = allow(REGULATOR, ENTERPRISE),
) -> dict[str, Any]:
    """201 when accepted, 200 for an identical re-send, 409 when the id is used for another
    event, 422 when rejected (the receipt is in ``details``)."""
    record = await _json(request)
    if not isinstance(record, dict) or record.get("event_id") != event_id:
        raise ApiError(
            422,
            "validation_error",
            "event_id: must equal the id in the URL",
            [{"field": "event_id", "code": "mismatch", "message": "differs"}],
        )
    receipt = (await _submit(ctx, principal, [record]))[0]
    if receipt.status == "rejected":
        conflict = any(e["code"] == "event_id_conflict" for e in receipt.errors)
        first = receipt.errors[0]
        raise ApiError(
            409 if conflict else 422,
            first["code"],
            f"{first['field'] or 'event'}: {first['message']}",
            receipt.as_dict(),
        )
    response.status_code = 201 if receipt.status == "accepted" else 200
    return receipt.as_dict()


@router.post(
    "/master-data",
    summary="Record enterprises, facilities and quotas",
    openapi_extra=_body_schema(MasterBatch),
)
async def submit_master_data(
    request: Request, ctx: Context, principal: Principal = allow(REGULATOR)
) -> dict[str, Any]:
    records = _list_of(await _json(request), "records", ctx.settings.max_batch)
    receipts = await _submit(ctx, principal, records)
    return {"receipts": [r.as_dict() for r in receipts]}


@router.post("/uploads", summary="Report from an .xlsx workbook or a .csv file")
async def upload(
    file: Annotated[UploadFile, File(description="an .xlsx workbook or a .csv file")],
    ctx: Context,
    principal: Principal = allow(REGULATOR, ENTERPRISE),
) -> dict[str, Any]:
    """Row by row: accepted, duplicate, or rejected with the column and the rule."""
    data = await file.read()
    try:
        sheets = spreadsheet.read_upload(file.filename or "", data)
    except spreadsheet.SheetError as error:
        raise ApiError(422, "unreadable_spreadsheet", str(error)) from error
    recorder = Recorder(ctx.database, principal.actor(), settings=ctx.settings.rules)
    result = await run_in_threadpool(
        uploads.submit_sheets, recorder, sheets, ctx.settings.max_batch
    )
    return result


@router.get(
    "/uploads/templates/{record_type}.{fmt}",
    summary="An empty template sheet",
    response_class=Response,
)
def upload_template(
    record_type: str,
    fmt: str,
    _principal: Principal = allow(REGULATOR, ENTERPRISE, CUSTOMS, AUDITOR),
) -> Response:
    if record_type not in spreadsheet.LAYOUTS or fmt not in ("xlsx", "csv"):
        raise ApiError(404, "not_found", f"no template {record_type}.{fmt}")
    media = (
        "text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        spreadsheet.template(record_type, fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{record_type}.{fmt}"'},
    )
