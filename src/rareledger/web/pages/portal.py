"""The enterprise portal: its page, a form for each event type (with a dry run), its stock,
client look-up, and spreadsheet uploads answered row by row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from rareledger.domain.access import ENTERPRISE, Principal
from rareledger.errors import NotFound
from rareledger.formats import spreadsheet
from rareledger.services import directory, holdings, portal, submissions, uploads
from rareledger.web.forms import (
    EVENT_FORMS,
    FieldErrors,
    FormError,
    errors_by_field,
    new_event_id,
    record_from_form,
)
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import Column, Table, View, page, render
from rareledger.web.pages.upload_files import UNREADABLE, read_sheets
from rareledger.web.security import Context
from rareledger.web.sessions import CheckedForm, require

router = APIRouter()
ROWS = 3
MAX_ROWS = 50


@page(router, "/portal")
def enterprise_home(
    request: Request, ctx: Context, principal: Principal = require(ENTERPRISE)
) -> View:
    found = portal.home(ctx.database, principal)
    waiting = Table(
        [
            Column("shipment_event_id", N_("Shipment")),
            Column("seller_name", N_("Seller")),
            Column("lot_id", N_("Lot")),
            Column("mass_kg", N_("Mass, kg"), "kg"),
        ],
        found["awaiting_receipt"],
    )
    return View("portal.html", found, {"awaiting_receipt": waiting}, gettext("My enterprise"))


@page(router, "/report", csv=False)
def choose_event(
    request: Request, ctx: Context, principal: Principal = require(ENTERPRISE)
) -> View:
    found = portal.home(ctx.database, principal)
    return View(
        "report_choice.html", {"reportable": found["reportable"]}, title=gettext("Report an event")
    )


@dataclass
class FormState:
    rows: int = ROWS
    errors: FieldErrors = field(default_factory=dict)
    outcome: dict[str, Any] | None = None
    status_code: int = 200


def _form_view(
    request: Request, event_type: str, values: dict[str, Any], state: FormState | None = None
) -> Response:
    spec = EVENT_FORMS.get(event_type)
    if spec is None:
        raise NotFound(gettext("No such form."))
    state = state or FormState()
    return render(
        request,
        "report_form.html",
        state.status_code,
        spec=spec,
        event_type=event_type,
        values=values,
        rows=state.rows,
        errors=state.errors,
        outcome=state.outcome,
        title=gettext("Report an event"),
    )


@page(router, "/report/{event_type}", twins=False)
def event_form(
    request: Request,
    event_type: str,
    principal: Principal = require(ENTERPRISE),
    rows: Annotated[int, Query(ge=1, le=MAX_ROWS)] = ROWS,
) -> Response:
    return _form_view(request, event_type, {"event_id": new_event_id()}, FormState(rows))


def _suggest(ctx: Any, record: dict[str, Any], errors: FieldErrors) -> dict[str, Any] | None:
    """Near misses for a buyer the ledger does not know."""
    if "buyer" not in errors or not record.get("buyer"):
        return None
    return directory.directory(ctx.database).lookup(str(record["buyer"]), limit=5)


@router.post("/report/{event_type}", include_in_schema=False, response_class=Response)
def report_event(
    request: Request,
    event_type: str,
    ctx: Context,
    form: CheckedForm,
    principal: Principal = require(ENTERPRISE),
) -> Response:
    spec = EVENT_FORMS.get(event_type)
    if spec is None:
        raise NotFound(gettext("No such form."))
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    rows = max(
        ROWS, min(MAX_ROWS, int(values["rows"]) if values.get("rows", "").isdigit() else ROWS)
    )
    try:
        record = record_from_form(spec, values, principal.enterprise_id)
    except FormError as error:
        state = FormState(rows, {error.name: str(error)}, None, 422)
        return _form_view(request, event_type, values, state)
    dry_run = values.get("action") == "dry_run"
    receipt = submissions.submit(
        ctx.database, principal, [record], ctx.settings.rules, dry_run=dry_run
    )[0]
    errors = errors_by_field(receipt.errors)
    outcome = {
        "dry_run": dry_run,
        "receipt": receipt.as_dict(),
        "suggestions": _suggest(ctx, record, errors),
    }
    if receipt.status != "rejected" and not dry_run:
        values = {"event_id": new_event_id()}
    status = 422 if receipt.status == "rejected" else 200
    return _form_view(request, event_type, values, FormState(rows, errors, outcome, status))


@page(router, "/stock")
def stock(request: Request, ctx: Context, principal: Principal = require(ENTERPRISE)) -> View:
    found = holdings.enterprise_balance(ctx.database, str(principal.enterprise_id))
    tables = {
        "elements": Table(
            [
                Column("element", N_("Element"), "element"),
                Column("kg", N_("Held, kg"), "kg"),
                Column("reo_kg", N_("Held, kg REO"), "kg"),
            ],
            [{"element": s, **v} for s, v in found["elements"].items()],
        ),
        "lots": Table(
            [
                Column("lot_id", N_("Lot"), "link:/lots/{lot_id}"),
                Column("mass_kg", N_("Mass, kg"), "kg"),
            ],
            found["lots"],
        ),
        "in_transit": Table(
            [
                Column("shipment_event_id", N_("Shipment")),
                Column("buyer", N_("Buyer")),
                Column("lot_id", N_("Lot")),
                Column("mass_kg", N_("Mass, kg"), "kg"),
            ],
            found["in_transit"],
        ),
    }
    return View("stock.html", found, tables, gettext("Stock"))


@page(router, "/clients")
def clients(
    request: Request,
    ctx: Context,
    principal: Principal = require(ENTERPRISE),
    q: Annotated[str, Query(max_length=200)] = "",
) -> View:
    found = directory.directory(ctx.database).lookup(q)
    columns = [
        Column("id", N_("Enterprise code")),
        Column("name", N_("Name")),
        Column("name_local", N_("Chinese name")),
        Column("status", N_("Status"), "term:enterprise_status"),
    ]
    tables = {
        "matches": Table(columns, found["matches"]),
        "suggestions": Table(columns, found["suggestions"]),
    }
    return View("clients.html", found, tables, gettext("Find a client"))


@page(router, "/upload", twins=False)
def upload_form(request: Request, principal: Principal = require(ENTERPRISE)) -> View:
    return View(
        "upload.html",
        {},
        title=gettext("Upload a spreadsheet"),
        context={"types": list(spreadsheet.LAYOUTS)},
    )


@router.post("/upload", include_in_schema=False, response_class=Response)
async def upload(
    request: Request, ctx: Context, form: CheckedForm, principal: Principal = require(ENTERPRISE)
) -> Response:
    file = form.get("file")
    if file is None or not hasattr(file, "read"):
        return render(
            request,
            "upload.html",
            422,
            problem=gettext("Choose a file to upload."),
            types=list(spreadsheet.LAYOUTS),
        )
    try:
        sheets = await read_sheets(ctx, file)
    except UNREADABLE as error:
        return render(
            request, "upload.html", 422, problem=str(error), types=list(spreadsheet.LAYOUTS)
        )
    recorder = submissions.recorder(ctx.database, principal, ctx.settings.rules)
    result = await run_in_threadpool(
        uploads.submit_sheets, recorder, sheets, ctx.settings.max_batch
    )
    return render(
        request,
        "upload_result.html",
        data=result,
        title=gettext("Upload a spreadsheet"),
        filename=file.filename,
    )
