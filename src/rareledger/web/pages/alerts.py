"""The alert queue: alerts with enterprise names, evidence, history and case actions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from rareledger.domain.access import AUDITOR, REGULATOR, Principal
from rareledger.errors import Invalid
from rareledger.services import casework, directory
from rareledger.web import i18n
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import Column, Table, View, action, page
from rareledger.web.security import Context
from rareledger.web.sessions import CheckedForm, require

router = APIRouter()
READERS = (REGULATOR, AUDITOR)
PAGE_SIZE = 100
Status = Literal["open", "under_review", "confirmed", "dismissed", "resolved"]
Severity = Literal["high", "medium", "low"]
COLUMNS = [
    Column("alert_id", N_("Alert"), "link:/alerts/{alert_id}"),
    Column("code", N_("Kind"), "term:alert_or_finding"),
    Column("severity", N_("Severity"), "term:severity"),
    Column("period", N_("Period")),
    Column("enterprises", N_("Enterprises")),
    Column("status", N_("Case status"), "term:case_status"),
    Column("assignee", N_("Assigned to")),
]


def _names(known: directory.Directory, ids: list[str]) -> str:
    return "; ".join(known.name(e, i18n.language()) for e in ids)


@dataclass
class AlertFilters:
    status: Status | None = None
    code: Annotated[str | None, Query(max_length=64)] = None
    severity: Severity | None = None
    enterprise: Annotated[str | None, Query(max_length=128)] = None
    page: Annotated[int, Query(ge=1, le=100_000)] = 1


@page(router, "/alerts")
def alert_queue(
    request: Request,
    ctx: Context,
    filters: Annotated[AlertFilters, Depends()],
    _principal: Principal = require(*READERS),
) -> View:
    query = casework.AlertQuery(
        filters.code or None, filters.status, filters.severity, filters.enterprise or None
    )
    found = casework.alert_page(ctx.database, query, (filters.page - 1) * PAGE_SIZE, PAGE_SIZE)
    known = directory.directory(ctx.database)
    rows = [{**a, "enterprises": _names(known, a["enterprise_ids"])} for a in found.items]
    data = {"total": found.total, "page": filters.page, "page_size": PAGE_SIZE, "items": rows}
    chosen = {k: v for k, v in asdict(filters).items() if k != "page"}
    codes = sorted(set(found.codes) | {filters.code or ""} - {""})
    context = {"filters": chosen, "codes": codes}
    return View("alerts.html", data, {"alerts": Table(COLUMNS, rows)}, gettext("Alerts"), context)


@page(router, "/alerts/{alert_id}")
def alert_case(
    request: Request, alert_id: str, ctx: Context, _principal: Principal = require(*READERS)
) -> View:
    found = _case(casework.show_alert, ctx, alert_id)
    known = directory.directory(ctx.database)
    found["enterprises"] = [
        {"enterprise_id": e, "name": known.name(e, i18n.language())}
        for e in found["enterprise_ids"]
    ]
    rows = [
        {**h, "details": "; ".join(f"{k}: {v}" for k, v in h["detail"].items() if v)}
        for h in found["history"]
    ]
    history = Table(
        [
            Column("at", N_("When"), "moment"),
            Column("actor", N_("Who")),
            Column("action", N_("What"), "term:case_action"),
            Column("details", N_("Details")),
        ],
        rows,
    )
    return View(
        "alert.html", found, {"history": history}, gettext("Alert %(id)s") % {"id": alert_id}
    )


def _case(service: Any, ctx: Any, alert_id: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """A case-work service's answer (its NotFound and Conflict become error pages)."""
    result: dict[str, Any] = service(ctx.database, alert_id, *args, **kwargs)
    return result


def _text(form: Any, name: str, limit: int = 4000) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _back(alert_id: str, request: Request, message: str) -> Response:
    request.session["notice"] = message
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@action(router, "/alerts/{alert_id}/assignment")
def assign(
    request: Request,
    alert_id: str,
    ctx: Context,
    form: CheckedForm,
    principal: Principal = require(REGULATOR),
) -> Response:
    assignee = _text(form, "assignee", 128)
    if not assignee:
        raise Invalid(gettext("assignee: say who takes the case"))
    _case(casework.assign, ctx, alert_id, principal.name, assignee, _text(form, "note") or None)
    return _back(alert_id, request, gettext("The alert is assigned and under review."))


@action(router, "/alerts/{alert_id}/notes")
def note(
    request: Request,
    alert_id: str,
    ctx: Context,
    form: CheckedForm,
    principal: Principal = require(REGULATOR),
) -> Response:
    text = _text(form, "note")
    if not text:
        raise Invalid(gettext("note: write the note"))
    _case(casework.change, ctx, alert_id, principal.name, note=text)
    return _back(alert_id, request, gettext("The note is added to the case history."))


@action(router, "/alerts/{alert_id}/closing")
def close(
    request: Request,
    alert_id: str,
    ctx: Context,
    form: CheckedForm,
    principal: Principal = require(REGULATOR),
) -> Response:
    outcome, text = _text(form, "outcome"), _text(form, "note")
    if outcome not in ("confirmed", "dismissed"):
        raise Invalid(gettext("outcome: choose confirmed or dismissed"))
    if not text:
        raise Invalid(gettext("note: say why"))
    _case(casework.change, ctx, alert_id, principal.name, status=outcome, note=text)
    return _back(alert_id, request, gettext("The case is closed."))
