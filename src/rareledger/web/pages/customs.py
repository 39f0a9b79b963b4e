"""The customs desk: a proposed export entered or uploaded, and the decision with its reasons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from rareledger.domain.access import CUSTOMS, REGULATOR, Principal
from rareledger.services import export_control
from rareledger.web.forms import (
    EVENT_FORMS,
    Field,
    FieldErrors,
    Form,
    FormError,
    errors_by_field,
    record_from_form,
)
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import View, page, render
from rareledger.web.pages.upload_files import UNREADABLE, read_sheets
from rareledger.web.security import Context
from rareledger.web.sessions import CheckedForm, require

router = APIRouter()
DESK = (CUSTOMS, REGULATOR)
_EXPORT = EVENT_FORMS["export"]
CHECK_FORM = Form(
    "export",
    (
        Field("reporter", N_("Exporter (enterprise code)"), "enterprise"),
        *(f for f in _EXPORT.fields if f.name not in ("event_id", "facility_id", "note")),
    ),
    _EXPORT.rows,
)
ROWS = 3


def _check(ctx: Any, principal: Principal, proposed: dict[str, Any]) -> dict[str, Any]:
    receipt, outcome = export_control.customs_check(ctx.database, principal.actor(), proposed)
    return {"receipt": receipt.as_dict(), "outcome": outcome, "proposed": proposed}


@page(router, "/customs", twins=False)
def desk(request: Request, _principal: Principal = require(*DESK)) -> View:
    return View("customs.html", {}, title=gettext("Customs check"), context=_context({}, {}, None))


def _context(values: dict[str, Any], errors: FieldErrors, result: Any) -> dict[str, Any]:
    return {
        "spec": CHECK_FORM,
        "values": values,
        "errors": errors,
        "rows": ROWS,
        "result": result,
        "results": None,
    }


@router.post("/customs", include_in_schema=False, response_class=Response)
def check(
    request: Request, ctx: Context, form: CheckedForm, principal: Principal = require(*DESK)
) -> Response:
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        proposed = record_from_form(CHECK_FORM, values, None)
    except FormError as error:
        context = _context(values, {error.name: str(error)}, None)
        return render(request, "customs.html", 422, title=gettext("Customs check"), **context)
    result = _check(ctx, principal, proposed)
    errors = errors_by_field(result["receipt"]["errors"]) if result["outcome"] is None else {}
    status = 422 if result["outcome"] is None else 200
    return render(
        request,
        "customs.html",
        status,
        title=gettext("Customs check"),
        **_context(values, errors, result),
    )


@router.post("/customs/upload", include_in_schema=False, response_class=Response)
async def check_upload(
    request: Request, ctx: Context, form: CheckedForm, principal: Principal = require(*DESK)
) -> Response:
    file = form.get("file")
    context = _context({}, {}, None)
    if file is None or not hasattr(file, "read"):
        context["problem"] = gettext("Choose a file to upload.")
        return render(request, "customs.html", 422, title=gettext("Customs check"), **context)
    try:
        sheets = await read_sheets(ctx, file)
    except UNREADABLE as error:
        context["problem"] = str(error)
        return render(request, "customs.html", 422, title=gettext("Customs check"), **context)
    exports = [s.record for s in sheets if s.record.get("type") == "export"][:100]
    context["results"] = [await run_in_threadpool(_check, ctx, principal, r) for r in exports]
    return render(request, "customs.html", title=gettext("Customs check"), **context)
