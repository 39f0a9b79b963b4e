"""Enforcement: detection runs, alerts and their case work, risk scores.

Reading alerts, detection runs and risk is for the regulator and auditors; running detection
and case work (assigning, noting, confirming or dismissing) is for the regulator only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rareledger.domain.access import AUDITOR, REGULATOR, Principal
from rareledger.domain.detection import RULES, Rulebook
from rareledger.errors import Invalid
from rareledger.formats.tables import csv_text
from rareledger.formats.values import parse_day
from rareledger.services import casework, detection, detection_runs
from rareledger.web.body import body, body_schema
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["enforcement"])
READERS = (REGULATOR, AUDITOR)
Status = Literal["open", "under_review", "confirmed", "dismissed", "resolved"]
Severity = Literal["high", "medium", "low"]


class DetectionRun(BaseModel):
    as_of: str | None = Field(
        None,
        description="judge the ledger as it stood at the end of this day, YYYY-MM-DD "
        "(default: now)",
        json_schema_extra={"format": "date"},
    )
    rule: str | None = Field(None, description="one rule's code; default: every rule")
    full: bool = Field(False, description="read the whole ledger, not only what is new")


class Assignment(BaseModel):
    assignee: str = Field(min_length=1, max_length=128)
    note: str | None = Field(None, max_length=4000)


class Note(BaseModel):
    note: str = Field(min_length=1, max_length=4000)


class Closing(BaseModel):
    outcome: Literal["confirmed", "dismissed"]
    note: str = Field(min_length=1, max_length=4000, description="why")


@router.post(
    "/detection/runs",
    summary="Run the detection rules now",
    status_code=201,
    openapi_extra=body_schema(DetectionRun),
)
async def run_detection(
    ctx: Context,
    principal: Principal = allow(REGULATOR),
    wanted: DetectionRun = body(DetectionRun),
) -> dict[str, Any]:
    """Runs every rule (or one) as of a day and stores the alerts; answers a summary."""
    if wanted.rule is not None and wanted.rule not in RULES:
        raise Invalid(f"rule: no rule {wanted.rule!r}", details={"known": sorted(RULES)})
    day = parse_day(wanted.as_of, "as_of") if wanted.as_of is not None else None
    moment = detection.moment_of(day)
    rulebook = Rulebook(reference=detection.load_reference())
    run = await run_in_threadpool(
        detection.detect,
        ctx.database,
        moment,
        only=wanted.rule,
        rulebook=rulebook,
        full=wanted.full,
        actor=principal.name,
    )
    counts = Counter(alert.code for alert in run.alerts)
    return {
        "run_id": run.run_id,
        "as_of": moment.isoformat(),
        "alerts": len(run.alerts),
        "new_alerts": run.new_alerts,
        "resolved": run.resolved,
        "reopened": run.reopened,
        "incremental": run.incremental,
        "entries_read": run.entries_read,
        "by_code": dict(sorted(counts.items())),
    }


@router.get("/detection/runs", summary="Detection runs, the latest first")
def list_detection_runs(
    ctx: Context,
    limit: Annotated[
        int, Query(ge=1, le=detection_runs.MAX_LIMIT, description="how many runs")
    ] = 50,
    before: Annotated[
        int | None,
        Query(
            ge=1, le=detection_runs.MAX_RUN_ID, description="runs before this run id (paging back)"
        ),
    ] = None,
    _principal: Principal = allow(*READERS),
) -> dict[str, Any]:
    """Each run with its as-of moment, rules and parameters, counts and duration."""
    items = detection_runs.list_runs(ctx.database, limit=limit, before=before)
    following = items[-1]["run_id"] if len(items) == limit else None
    return {"items": items, "next_before": following}


Limit = Annotated[
    int | None,
    Query(ge=1, le=1000, description="at most this many alerts (default: every alert)"),
]
Offset = Annotated[
    int, Query(ge=0, le=1_000_000_000, description="skip this many first (with limit)")
]


def _alerts(
    ctx: Context, query: casework.AlertQuery, limit: int | None, offset: int
) -> dict[str, Any]:
    """Every alert (no ``limit``), or one page of them with the total and the next offset."""
    if limit is None:
        if offset:
            raise Invalid("offset: give limit too")
        return {"items": casework.list_alerts(ctx.database, **asdict(query))}
    page = casework.alert_page(ctx.database, query, offset, limit)
    following = offset + len(page.items)
    return {
        "items": page.items,
        "total": page.total,
        "next_offset": following if following < page.total else None,
    }


@router.get("/alerts", summary="Alerts, with their evidence and case status")
def list_alerts(  # noqa: PLR0913 (the filters and the page are the query string)
    ctx: Context,
    code: str | None = None,
    status: Status | None = None,
    severity: Severity | None = None,
    enterprise_id: str | None = None,
    limit: Limit = None,
    offset: Offset = 0,
    _principal: Principal = allow(*READERS),
) -> dict[str, Any]:
    """In the queue's order (period, code, id). With ``limit``, one page: ``total`` counts
    every alert that matches, ``next_offset`` is the next page's ``offset`` (null at the end)."""
    query = casework.AlertQuery(code, status, severity, enterprise_id)
    return _alerts(ctx, query, limit, offset)


@router.get("/alerts.csv", summary="Alerts as CSV", response_class=Response)
def alerts_csv(  # noqa: PLR0913 (the filters and the page are the query string)
    ctx: Context,
    code: str | None = None,
    status: Status | None = None,
    severity: Severity | None = None,
    enterprise_id: str | None = None,
    limit: Limit = None,
    offset: Offset = 0,
    _principal: Principal = allow(*READERS),
) -> Response:
    query = casework.AlertQuery(code, status, severity, enterprise_id)
    return _csv(_alerts(ctx, query, limit, offset)["items"])


@router.get("/alerts/{alert_id:ledger_id}", summary="One alert with its evidence and history")
def show_alert(
    alert_id: str, ctx: Context, _principal: Principal = allow(*READERS)
) -> dict[str, Any]:
    return casework.show_alert(ctx.database, alert_id)


@router.post(
    "/alerts/{alert_id:ledger_id}/assignment",
    summary="Assign an alert; an open one goes under review",
    openapi_extra=body_schema(Assignment),
)
def assign_alert(
    alert_id: str,
    ctx: Context,
    principal: Principal = allow(REGULATOR),
    given: Assignment = body(Assignment),
) -> dict[str, Any]:
    return casework.assign(ctx.database, alert_id, principal.name, given.assignee, given.note)


@router.post(
    "/alerts/{alert_id:ledger_id}/notes",
    summary="Add a note to an alert's history",
    openapi_extra=body_schema(Note),
)
def note_alert(
    alert_id: str, ctx: Context, principal: Principal = allow(REGULATOR), given: Note = body(Note)
) -> dict[str, Any]:
    return casework.change(ctx.database, alert_id, principal.name, note=given.note)


@router.post(
    "/alerts/{alert_id:ledger_id}/closing",
    summary="Confirm or dismiss an alert, saying why",
    openapi_extra=body_schema(Closing),
)
def close_alert(
    alert_id: str,
    ctx: Context,
    principal: Principal = allow(REGULATOR),
    given: Closing = body(Closing),
) -> dict[str, Any]:
    return casework.change(
        ctx.database, alert_id, principal.name, status=given.outcome, note=given.note
    )


@router.get("/risk", summary="Risk score per enterprise from its alerts")
def risk(
    ctx: Context, enterprise_id: str | None = None, _principal: Principal = allow(*READERS)
) -> dict[str, Any]:
    return {"items": casework.risk(ctx.database, enterprise_id)}


@router.get("/risk.csv", summary="Risk scores as CSV", response_class=Response)
def risk_csv(
    ctx: Context, enterprise_id: str | None = None, _principal: Principal = allow(*READERS)
) -> Response:
    return _csv(casework.risk(ctx.database, enterprise_id))


def _csv(rows: list[dict[str, Any]]) -> Response:
    return Response(csv_text(rows), media_type="text/csv")
