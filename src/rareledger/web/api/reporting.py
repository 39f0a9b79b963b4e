"""Reporting endpoints: events (one or a batch), master data, spreadsheet uploads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.errors import Invalid, NotFound
from rareledger.formats import spreadsheet
from rareledger.formats.upload_limits import UploadLimits
from rareledger.services import uploads
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.web.body import body_schema, read_json, records_in
from rareledger.web.errors import TooLarge, refusal
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["reporting"])


class EventBatch(BaseModel):
    """A batch of events in the reporting contract's format, judged one by one."""

    events: list[dict[str, Any]] = Field(description="up to 10,000 events")


class MasterBatch(BaseModel):
    records: list[dict[str, Any]] = Field(description="enterprise, facility or quota records")


ONE_EVENT = body_schema(None, "one event in the reporting contract's format")


def recorder_for(ctx: Any, principal: Principal) -> Recorder:
    """The one way the API records reports: as the caller, under the configured rules."""
    return Recorder(ctx.database, principal.actor(), settings=ctx.settings.rules)


async def submit(ctx: Any, principal: Principal, records: list[Any]) -> list[Acknowledgement]:
    return await run_in_threadpool(recorder_for(ctx, principal).submit, records)


@router.post("/events", summary="Submit a batch of events", openapi_extra=body_schema(EventBatch))
async def submit_events(
    request: Request, ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE)
) -> dict[str, Any]:
    """One receipt per event, in order; a rejected event rejects nothing else."""
    events = records_in(await read_json(request), "events", ctx.settings.max_batch)
    receipts = await submit(ctx, principal, events)
    return {"receipts": [r.as_dict() for r in receipts]}


@router.put(
    "/events/{event_id:slashed_id}",
    summary="Submit one event",
    openapi_extra=ONE_EVENT,
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
    record = await read_json(request)
    if not isinstance(record, dict) or record.get("event_id") != event_id:
        raise Invalid(
            "event_id: must equal the id in the URL",
            details=[{"field": "event_id", "code": "mismatch", "message": "differs"}],
        )
    receipt = (await submit(ctx, principal, [record]))[0]
    if receipt.status == "rejected":
        raise refusal(receipt, "event")
    response.status_code = 201 if receipt.status == "accepted" else 200
    return receipt.as_dict()


@router.post(
    "/master-data",
    summary="Record enterprises, facilities and quotas",
    openapi_extra=body_schema(MasterBatch),
)
async def submit_master_data(
    request: Request, ctx: Context, principal: Principal = allow(REGULATOR)
) -> dict[str, Any]:
    records = records_in(await read_json(request), "records", ctx.settings.max_batch)
    receipts = await submit(ctx, principal, records)
    return {"receipts": [r.as_dict() for r in receipts]}


@router.post("/uploads", summary="Report from an .xlsx workbook or a .csv file")
async def upload(
    file: Annotated[UploadFile, File(description="an .xlsx workbook or a .csv file")],
    ctx: Context,
    principal: Principal = allow(REGULATOR, ENTERPRISE),
) -> dict[str, Any]:
    """Row by row: accepted, duplicate, or rejected with the column and the rule. The file is
    read within the upload limits, in a child process, before anything is submitted."""
    limits = UploadLimits.from_settings(ctx.settings)
    data = await file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise TooLarge(
            f"file: an upload holds at most {limits.max_bytes} bytes",
            code="upload_too_large",
            details={"limit": "upload_too_large", "max_bytes": limits.max_bytes},
        )
    name = file.filename or ""
    sheets = await run_in_threadpool(uploads.read_sheets, name, data, limits)
    return await run_in_threadpool(
        uploads.submit_sheets, recorder_for(ctx, principal), sheets, ctx.settings.max_batch
    )


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
        raise NotFound(f"no template {record_type}.{fmt}")
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
