"""Licence applications with their working-day clocks, decisions, applying, licence look-up."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.domain.vocabulary import FORMS
from rareledger.services import directory, licensing, submissions
from rareledger.web import i18n
from rareledger.web.forms import FieldErrors, FormError, errors_by_field
from rareledger.web.i18n import N_, gettext
from rareledger.web.licence_forms import application_record, decision_record
from rareledger.web.pages.base import Column, PageNo, Table, View, action, page, paged, render
from rareledger.web.security import Context
from rareledger.web.sessions import CheckedForm, require

router = APIRouter()
READERS = (REGULATOR, AUDITOR, ENTERPRISE)
Status = Literal["submitted", "approved", "denied", "info_requested", "revoked"]
APPLICATION_COLUMNS = [
    Column("application_id", N_("Application"), "link:/licence-applications/{application_id}"),
    Column("applicant_name", N_("Applicant")),
    Column("licence_type", N_("Licence type"), "term:licence_type"),
    Column("status", N_("Status"), "term:application_status"),
    Column("submitted_at", N_("Submitted"), "date"),
    Column("review_working_days", N_("Working days in review"), "number"),
    Column("days_left", N_("Working days left"), "number"),
    Column("overdue", N_("Overdue"), "bool"),
    Column("licence_no", N_("Licence")),
]
LICENCE_COLUMNS = [
    Column("licence_no", N_("Licence")),
    Column("exporter_name", N_("Exporter")),
    Column("licence_type", N_("Licence type"), "term:licence_type"),
    Column("destination_country", N_("Destination"), "country"),
    Column("end_user", N_("End user")),
    Column("elements", N_("Elements")),
    Column("valid_from", N_("Valid from"), "date"),
    Column("valid_to", N_("Valid to"), "date"),
    Column("quantity_kg", N_("Quantity, kg"), "kg"),
    Column("remaining_kg", N_("Left, kg"), "kg"),
    Column("status", N_("Status"), "term:licence_status"),
]


def _named(ctx: Any, rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    known = directory.directory(ctx.database)
    return [{**r, f"{key}_name": known.name(r[key], i18n.language())} for r in rows]


@page(router, "/licence-applications")
def application_queue(
    request: Request,
    ctx: Context,
    principal: Principal = require(*READERS),
    status: Status | None = None,
    overdue: bool = False,
    page_no: PageNo = 1,
) -> View:
    found = licensing.applications(ctx.database, principal, status=status, overdue_only=overdue)
    rows, meta = paged(found, page_no)
    table = Table(APPLICATION_COLUMNS, _named(ctx, rows, "applicant"))
    context = {"filters": {"status": status, "overdue": overdue}}
    return View(
        "applications.html",
        {"items": table.rows, **meta},
        {"applications": table},
        gettext("Licence applications"),
        context,
    )


@page(router, "/licence-applications/new", twins=False)
def application_form(
    request: Request, ctx: Context, principal: Principal = require(ENTERPRISE)
) -> View:
    values = {"application_id": f"APP-{uuid.uuid4().hex[:10].upper()}", "licence_type": "single"}
    return View(
        "apply.html",
        {},
        title=gettext("Apply for an export licence"),
        context={"values": values, "errors": {}, "forms": FORMS},
    )


ITEM_COLUMNS = [
    Column("form", N_("Form"), "term:form"),
    Column("elements_shown", N_("Elements")),
    Column("description", N_("Description")),
    Column("hs_code", N_("Tariff code (HS)")),
    Column("quantity_kg", N_("Quantity, kg"), "kg"),
]


def _application_view(ctx: Context, found: dict[str, Any]) -> View:
    found["applicant_name"] = directory.directory(ctx.database).name(
        found["applicant"], i18n.language()
    )
    items = (found.get("record") or {}).get("items", [])
    rows = [{**item, "elements_shown": ", ".join(item.get("elements", []))} for item in items]
    return View(
        "application.html",
        found,
        {"items": Table(ITEM_COLUMNS, rows)},
        title=gettext("Licence application %(id)s") % {"id": found["application_id"]},
    )


@page(router, "/licence-applications/{application_id}")
def application_page(
    request: Request, application_id: str, ctx: Context, principal: Principal = require(*READERS)
) -> View:
    return _application_view(ctx, licensing.application(ctx.database, principal, application_id))


@action(router, "/licence-applications/{application_id}/decision")
def decide(
    request: Request,
    application_id: str,
    ctx: Context,
    form: CheckedForm,
    principal: Principal = require(REGULATOR),
) -> Response:
    found = licensing.application(ctx.database, principal, application_id)
    record = decision_record(form, found)
    receipt = submissions.submit(ctx.database, principal, [record], ctx.settings.rules)[0]
    if receipt.status == "rejected":
        view = _application_view(ctx, found)
        return render(
            request,
            view.template,
            422,
            data=view.data,
            tables=view.tables,
            page_path=f"/licence-applications/{application_id}",  # where the twins are
            values=dict(form),
            errors=errors_by_field(receipt.errors),
            title=view.title,
        )
    request.session["notice"] = gettext("The decision is recorded in the ledger.")
    return RedirectResponse(f"/licence-applications/{application_id}", status_code=303)


def _on_apply_form(errors: FieldErrors) -> FieldErrors:
    """The application form has one item, whose fields have bare names (``quantity_kg``)."""
    return {name.removeprefix("items.0."): error for name, error in errors.items()}


@action(router, "/licence-applications")
def apply(
    request: Request, ctx: Context, form: CheckedForm, principal: Principal = require(ENTERPRISE)
) -> Response:
    values = dict(form)
    try:
        record = application_record(values, str(principal.enterprise_id))
    except FormError as error:
        return render(
            request, "apply.html", 422, values=values, errors={error.name: str(error)}, forms=FORMS
        )
    receipt = submissions.submit(ctx.database, principal, [record], ctx.settings.rules)[0]
    if receipt.status == "rejected":
        return render(
            request,
            "apply.html",
            422,
            values=values,
            errors=_on_apply_form(errors_by_field(receipt.errors)),
            forms=FORMS,
        )
    request.session["notice"] = gettext(
        "Your application is recorded; the review clock has started."
    )
    return RedirectResponse(f"/licence-applications/{record['application_id']}", status_code=303)


@page(router, "/licences")
def licence_lookup(
    request: Request,
    ctx: Context,
    principal: Principal = require(REGULATOR, AUDITOR, CUSTOMS, ENTERPRISE),
    number: Annotated[str | None, Query(max_length=128)] = None,
    exporter: Annotated[str | None, Query(max_length=128)] = None,
    page_no: PageNo = 1,
) -> View:
    found = licensing.licences(ctx.database, principal, number=number, exporter=exporter)
    rows, meta = paged(found, page_no)
    rows = [{**r, "elements": ", ".join(r["elements"])} for r in _named(ctx, rows, "exporter")]
    context = {"filters": {"number": number or "", "exporter": exporter or ""}}
    return View(
        "licences.html",
        {"items": rows, **meta},
        {"licences": Table(LICENCE_COLUMNS, rows)},
        gettext("Licences"),
        context,
    )
