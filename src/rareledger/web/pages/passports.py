"""Lot passports: the public page a QR code opens (in Chinese and English), checking a
passport file, and issuing passports from the portal."""

from __future__ import annotations

import json
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from rareledger.domain.access import ENTERPRISE, REGULATOR, Principal
from rareledger.errors import NotFound
from rareledger.services import issued, passports
from rareledger.web import i18n
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import Column, Table, View, action, environment, page, render
from rareledger.web.security import ANONYMOUS, Context
from rareledger.web.sessions import CheckedForm, require

router = APIRouter()
ISSUERS = (ENTERPRISE, REGULATOR)
EVIDENCE_COLUMNS = [
    Column("position", N_("Ledger position"), "number"),
    Column("type", N_("Event"), "term:event"),
    Column("hash", N_("Hash")),
]
MAX_PASSPORT_BYTES = 200_000


def _bilingual(
    document: dict[str, Any], valid: bool, reasons: list[str]
) -> list[tuple[str, Markup]]:
    """The passport in plain words, once in each language."""
    passport = document["passport"]
    context = {
        "p": passport,
        "valid": valid,
        "reasons": reasons,
        "origins": issued.origin_summary(passport),
        "signature": document["signature"],
    }
    bodies = []
    for language in i18n.LANGUAGES:
        with i18n.speaking(language):
            body = environment().get_template("passport_body.html").render(**context)
        bodies.append((language, Markup(body)))
    return bodies


def _verified_view(document: dict[str, Any], check: passports.PassportCheck) -> View:
    passport = document["passport"]
    qr = Markup(segno.make(passport["verification_url"], error="m").svg_inline(scale=3))
    data = {
        "passport": passport,
        "signature": document["signature"],
        "valid": check.valid,
        "reasons": check.reasons,
    }
    context = {"bodies": _bilingual(document, check.valid, check.reasons), "qr": qr}
    return View(
        "passport_page.html",
        data,
        {"evidence": Table(EVIDENCE_COLUMNS, list(passport.get("evidence", [])))},
        title=gettext("Lot passport %(id)s") % {"id": passport["lot"]["lot_id"]},
        context=context,
    )


@page(router, "/passports/verify", twins=False)
def verify_form(request: Request, _p: Principal | None = require(ANONYMOUS)) -> View:
    return View("passport_check.html", {}, title=gettext("Check a lot passport"))


@action(router, "/passports/verify")
async def verify_file(
    request: Request, ctx: Context, form: CheckedForm, _p: Principal | None = require(ANONYMOUS)
) -> Response:
    upload = form.get("file")
    raw = b""
    if upload is not None and hasattr(upload, "read"):
        raw = await upload.read(MAX_PASSPORT_BYTES + 1)
        await upload.close()
    text = raw.decode("utf-8", "replace") if raw else str(form.get("document") or "")
    try:
        document = json.loads(text)
    except ValueError:
        return render(
            request,
            "passport_check.html",
            422,
            problem=gettext("This is not a passport file (JSON)."),
        )
    keys = passports.public_key_map(passports.list_keys(ctx.database))
    check = passports.verify(document, keys, ctx.database)
    if not check.valid and check.reasons == ["not a passport document"]:
        return render(
            request,
            "passport_check.html",
            422,
            problem=gettext("This is not a passport file (JSON)."),
        )
    view = _verified_view(document, check)
    return render(request, view.template, data=view.data, title=view.title, **view.context)


@page(router, "/passports/{passport_id}")
def passport_page(
    request: Request, passport_id: str, ctx: Context, _p: Principal | None = require(ANONYMOUS)
) -> View:
    found = issued.check_issued(ctx.database, passport_id)
    if found is None:
        raise NotFound(gettext("No passport has this number."))
    return _verified_view(*found)


@page(router, "/passports")
def issued_passports(
    request: Request, ctx: Context, principal: Principal = require(*ISSUERS)
) -> View:
    issuer = principal.enterprise_id if principal.role == ENTERPRISE else None
    rows = issued.issued_by(ctx.database, issuer)
    table = Table(
        [
            Column("passport_id", N_("Passport"), "link:/passports/{passport_id}"),
            Column("lot_id", N_("Lot")),
            Column("issued_at", N_("Issued"), "moment"),
            Column("issued_by", N_("Issued by")),
        ],
        rows,
    )
    context = {"lot": request.query_params.get("lot", "")[:128], "problem": None}
    return View(
        "passports.html", {"items": rows}, {"passports": table}, gettext("Passports"), context
    )


@action(router, "/passports")
def issue(
    request: Request, ctx: Context, form: CheckedForm, principal: Principal = require(*ISSUERS)
) -> Response:
    lot_id = str(form.get("lot_id") or "").strip()[:128]
    try:
        document = issued.issue_for(
            ctx.database,
            principal,
            lot_id,
            passphrase=ctx.settings.key_passphrase,
            base_url=ctx.settings.public_url,
        )
    except passports.SigningKeyError:
        problem = gettext(
            "Passports cannot be signed now: the operator has not set up a signing key."
        )
        return render(
            request,
            "passports.html",
            409,
            tables={},
            lot=lot_id,
            problem=problem,
            data={"items": []},
        )
    request.session["notice"] = gettext("The passport is issued. Its QR code opens this page.")
    return RedirectResponse(f"/passports/{document['passport']['passport_id']}", status_code=303)
