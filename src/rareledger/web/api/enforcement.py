"""Enforcement: detection runs, alerts and their case work, risk scores.

Reading alerts and risk is for the regulator and auditors; running detection and case work
(assigning, noting, confirming or dismissing) is for the regulator only.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rareledger.domain.access import AUDITOR, REGULATOR, Principal
from rareledger.domain.detection import RULES, Rulebook
from rareledger.services import casework, detection
from rareledger.web.errors import ApiError
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["enforcement"])
READERS = (REGULATOR, AUDITOR)
Status = Literal["open", "under_review", "confirmed", "dismissed"]
Severity = Literal["high", "medium", "low"]


class DetectionRun(BaseModel):
    as_of: date | None = Field(
        None, description="judge the ledger as it stood at the end of this day (default: now)"
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


@router.post("/detection/runs", summary="Run the detection rules now", status_code=201)
async def run_detection(
    body: DetectionRun, ctx: Context, _principal: Principal = allow(REGULATOR)
) -> dict[str, Any]:
    """Runs every rule (or one) as of a day and stores the alerts; answers a summary."""
    if body.rule is not None and body.rule not in RULES:
        raise ApiError(
            422, "validation_error", f"rule: no rule {body.rule!r}", {"known": sorted(RULES)}
        )
    moment = detection.end_of(body.as_of) if body.as_of else datetime.now(UTC)
    rulebook = Rulebook(reference=detection.load_reference())
    run = await run_in_threadpool(
        detection.detect, ctx.database, moment, only=body.rule, rulebook=rulebook, full=body.full
    )
    counts = Counter(alert.code for alert in run.alerts)
    return {
        "as_of": moment.isoformat(),
        "alerts": len(run.alerts),
        "new_alerts": run.new_alerts,
        "incremental": run.incremental,
        "entries_read": run.entries_read,
        "by_code": dict(sorted(counts.items())),
    }


def _alerts(
    ctx: Context,
    code: str | None,
    status: Status | None,
    severity: Severity | None,
    enterprise_id: str | None,
) -> list[dict[str, Any]]:
    return casework.list_alerts(
        ctx.database, code=code, status=status, severity=severity, enterprise_id=enterprise_id
    )


@router.get("/alerts", summary="Alerts, with their evidence and case status")
def list_alerts(
    ctx: Context,
    code: str | None = None,
    status: Status | None = None,
    severity: Severity | None = None,
    enterprise_id: str | None = None,
    _principal: Principal = allow(*READERS),
) -> dict[str, Any]:
    return {"items": _alerts(ctx, code, status, severity, enterprise_id)}


@router.get("/alerts.csv", summary="Alerts as CSV", response_class=Response)
def alerts_csv(
    ctx: Context,
    code: str | None = None,
    status: Status | None = None,
    severity: Severity | None = None,
    enterprise_id: str | None = None,
    _principal: Principal = allow(*READERS),
) -> Response:
    return _csv(_alerts(ctx, code, status, severity, enterprise_id))


@router.get("/alerts/{alert_id}", summary="One alert with its evidence and history")
def show_alert(
    alert_id: str, ctx: Context, _principal: Principal = allow(*READERS)
) -> dict[str, Any]:
    return _case(casework.show_alert, ctx, alert_id)


@router.post(
    "/alerts/{alert_id}/assignment", summary="Assign an alert; an open one goes under review"
)
def assign_alert(
    alert_id: str, body: Assignment, ctx: Context, principal: Principal = allow(REGULATOR)
) -> dict[str, Any]:
    return _case(casework.assign, ctx, alert_id, principal.name, body.assignee, body.note)


@router.post("/alerts/{alert_id}/notes", summary="Add a note to an alert's history")
def note_alert(
    alert_id: str, body: Note, ctx: Context, principal: Principal = allow(REGULATOR)
) -> dict[str, Any]:
    return _case(casework.change, ctx, alert_id, principal.name, note=body.note)


@router.post("/alerts/{alert_id}/closing", summary="Confirm or dismiss an alert, saying why")
def close_alert(
    alert_id: str, body: Closing, ctx: Context, principal: Principal = allow(REGULATOR)
) -> dict[str, Any]:
    return _case(
        casework.change, ctx, alert_id, principal.name, status=body.outcome, note=body.note
    )


def _case(action: Any, ctx: Context, alert_id: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = action(ctx.database, alert_id, *args, **kwargs)
    except casework.NoSuchAlert as error:
        raise ApiError(404, "not_found", str(error)) from None
    except casework.CaseError as error:
        raise ApiError(409, "conflict", str(error)) from None
    return result


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
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                    for k, v in row.items()
                }
            )
    return Response(out.getvalue(), media_type="text/csv")
