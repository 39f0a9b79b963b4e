"""The EPCIS 2.0 REST binding: capture (jobs and single events) and the query interface.

Same keys and roles as the rest of the API; errors in the binding's RFC 7807 shape
(``application/problem+json``) with the field and the rule of each problem.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from rareledger.domain.access import AUDITOR, ENTERPRISE, REGULATOR, Principal
from rareledger.services import epcis_index, epcis_jobs
from rareledger.services.epcis import Capture, DocumentError, Outcome, read_body
from rareledger.services.epcis_query import QueryError, read_query
from rareledger.services.reads import BadCursor
from rareledger.store import epcis as store
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/epcis", tags=["EPCIS 2.0"])
PROBLEM = "application/problem+json"
JSON_LD = "application/ld+json"
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/ld+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
            "application/xml": {"schema": {"type": "string"}},
        },
    }
}
BEHAVIOURS = ("rollback", "proceed")


def problem(status: int, kind: str, title: str, errors: list[dict[str, Any]]) -> JSONResponse:
    """An RFC 7807 problem: the binding's exception type, and each problem's field and rule."""
    first = errors[0] if errors else {"field": "", "message": title}
    detail = f"{first.get('field') or 'document'}: {first.get('message')}"
    body = {"type": f"epcisException:{kind}", "title": title, "status": status, "detail": detail}
    return JSONResponse({**body, "errors": errors}, status_code=status, media_type=PROBLEM)


def _document_problem(error: DocumentError) -> JSONResponse:
    return problem(400, "ValidationException", "the document cannot be read", [error.as_dict()])


def _behaviour(value: str | None) -> str | JSONResponse:
    behaviour = (value or "rollback").strip().lower()
    if behaviour not in BEHAVIOURS:
        error = {
            "code": "invalid",
            "field": "GS1-Capture-Error-Behaviour",
            "message": "must be rollback or proceed",
            "value": value,
        }
        return problem(400, "ValidationException", "unknown capture error behaviour", [error])
    return behaviour


def _capture(ctx: Any, principal: Principal) -> Capture:
    return Capture(ctx.database, principal.actor(), settings=ctx.settings.rules)


@router.post(
    "/capture",
    summary="Capture an EPCIS document (a capture job)",
    openapi_extra=BODY,
    status_code=202,
)
async def capture(
    request: Request,
    ctx: Context,
    behaviour_header: Annotated[str | None, Header(alias="GS1-Capture-Error-Behaviour")] = None,
    principal: Principal = allow(REGULATOR, ENTERPRISE),
) -> Response:
    """202 with the capture job's URL in ``Location``; the job says what became of each event."""
    behaviour = _behaviour(behaviour_header)
    if isinstance(behaviour, JSONResponse):
        return behaviour
    data = await request.body()
    try:
        document = read_body(data, request.headers.get("content-type", ""))
    except DocumentError as error:
        return _document_problem(error)
    if len(document.events) > ctx.settings.max_batch:
        limit = {
            "code": "too_large",
            "field": "eventList",
            "message": f"at most {ctx.settings.max_batch} events per capture",
            "value": len(document.events),
        }
        return problem(413, "CaptureLimitExceededException", "too many events", [limit])
    job = epcis_jobs.start(principal, behaviour, len(document.events))
    outcomes = await run_in_threadpool(
        _capture(ctx, principal).capture, document, rollback=behaviour == "rollback"
    )
    finished = epcis_jobs.finish(ctx.database, job, outcomes)
    return JSONResponse(
        finished,
        status_code=202,
        headers={"Location": f"/epcis/capture/{job['capture_id']}"},
    )


@router.get("/capture", summary="Capture jobs")
def capture_jobs(
    ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE, AUDITOR)
) -> list[dict[str, Any]]:
    return epcis_jobs.listing(ctx.database, principal)


@router.get("/capture/{capture_id}", summary="One capture job's status")
def capture_job(
    capture_id: str, ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE, AUDITOR)
) -> Response:
    job = epcis_jobs.get(ctx.database, principal, capture_id)
    if job is None:
        error = {
            "code": "not_found",
            "field": "captureID",
            "message": "no such capture job",
            "value": capture_id,
        }
        return problem(404, "NoSuchResourceException", "no such capture job", [error])
    return JSONResponse(job)


@router.post("/events", summary="Capture one EPCIS event", openapi_extra=BODY, status_code=201)
async def capture_event(
    request: Request, ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE)
) -> Response:
    """201 with the event's URL; 409 when an event with its hash ID is stored; 400 naming the
    field and rule of each problem otherwise."""
    try:
        document = read_body(await request.body(), request.headers.get("content-type", ""))
    except DocumentError as error:
        return _document_problem(error)
    if len(document.events) != 1:
        count = {
            "code": "invalid",
            "field": "",
            "message": "POST /epcis/events takes one event",
            "value": len(document.events),
        }
        return problem(400, "ValidationException", "one event expected", [count])
    outcome: Outcome = (await run_in_threadpool(_capture(ctx, principal).capture, document))[0]
    if outcome.status == "duplicate":
        return problem(409, "ConflictException", "the event is already stored", outcome.errors)
    if outcome.status == "rejected":
        return problem(400, "ValidationException", "the event is rejected", outcome.errors)
    location = f"/epcis/events/{quote(outcome.event_id or outcome.hash_id or '', safe='')}"
    return JSONResponse(outcome.as_dict(), status_code=201, headers={"Location": location})


@router.get("/events", summary="Query events (SimpleEventQuery parameters)")
def query_events(
    request: Request, ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE, AUDITOR)
) -> Response:
    """An EPCISQueryDocument; ``Link: <…>; rel="next"`` when there is a next page."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    try:
        wanted, per_page, token = read_query(params)
        found = epcis_index.page(ctx.database, principal, wanted, token=token, per_page=per_page)
    except QueryError as error:
        problem_item = {
            "code": "invalid",
            "field": error.field,
            "message": error.message,
            "value": error.value,
        }
        return problem(400, "QueryParameterException", "invalid query", [problem_item])
    except BadCursor as error:
        item = {"code": "invalid", "field": "nextPageToken", "message": str(error), "value": token}
        return problem(400, "QueryParameterException", "invalid page token", [item])
    headers = {}
    if found.next_token is not None:
        following = {k: v for k, v in params.items() if k != "nextPageToken"}
        following["nextPageToken"] = [found.next_token]
        headers["Link"] = f'</epcis/events?{urlencode(following, doseq=True)}>; rel="next"'
    return JSONResponse(
        epcis_index.document(found.events, query=True), headers=headers, media_type=JSON_LD
    )


@router.get("/events/{event_id:path}", summary="One event by its eventID or hash ID")
def get_event(
    event_id: str, ctx: Context, principal: Principal = allow(REGULATOR, ENTERPRISE, AUDITOR)
) -> Response:
    found = epcis_index.page(
        ctx.database, principal, store.EventFilter(event_ids=[event_id]), token=None, per_page=1
    )
    if not found.events:
        error = {
            "code": "not_found",
            "field": "eventID",
            "message": "no such event",
            "value": event_id,
        }
        return problem(404, "NoSuchResourceException", "no such event", [error])
    return JSONResponse(epcis_index.document(found.events, query=True), media_type=JSON_LD)
