"""Signing in and out, the language switch, and where each role starts."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from limits import parse

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.services import accounts
from rareledger.web import i18n
from rareledger.web.pages.base import View, action, page, render
from rareledger.web.security import ANONYMOUS, EVERYONE, Context, client_address
from rareledger.web.sessions import CheckedForm, require, safe_next

router = APIRouter()
HOMES = {REGULATOR: "/overview", AUDITOR: "/overview", ENTERPRISE: "/portal", CUSTOMS: "/customs"}
LOGIN_RATE = parse("10/minute")  # sign-in attempts per username


@page(router, "/", twins=False)
def home(request: Request, principal: Principal | None = require(ANONYMOUS)) -> Response:
    return RedirectResponse(HOMES[principal.role] if principal else "/login", status_code=303)


@page(router, "/login", twins=False)
def login_form(
    request: Request,
    principal: Principal | None = require(ANONYMOUS),
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> View:
    return View("login.html", {}, context={"next": safe_next(next) or "", "failed": False})


@action(router, "/login")
async def login(
    request: Request, ctx: Context, form: CheckedForm, _p: Principal | None = require(ANONYMOUS)
) -> Response:
    username = str(form.get("username", ""))[:128]
    password = str(form.get("password", ""))[:1024]
    allowed = ctx.limiter.hit(LOGIN_RATE, f"login:{username}")
    principal = None
    if allowed and username and password:
        principal = await run_in_threadpool(
            accounts.authenticate_user,
            ctx.database,
            username,
            password,
            client=client_address(request),
            throttle=ctx.throttle,
        )
    if principal is None:
        context = {"next": safe_next(str(form.get("next", ""))) or "", "failed": True}
        return render(request, "login.html", 401 if allowed else 429, **context)
    preferred = accounts.preferred_language(ctx.database, username)
    request.session.clear()
    request.session.update(
        {"user": username, "csrf": secrets.token_urlsafe(32), "lang": preferred or i18n.language()}
    )
    target = safe_next(str(form.get("next", ""))) or HOMES[principal.role]
    return RedirectResponse(target, status_code=303)


@action(router, "/logout")
def logout(
    request: Request, form: CheckedForm, _p: Principal | None = require(*EVERYONE)
) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@action(router, "/language")
def choose_language(
    request: Request,
    ctx: Context,
    form: CheckedForm,
    principal: Principal | None = require(*EVERYONE),
) -> Response:
    chosen = str(form.get("language", ""))
    if chosen in i18n.LANGUAGES:
        request.session["lang"] = chosen
        if principal is not None and principal.name.startswith("user:"):
            accounts.set_preferred_language(ctx.database, principal.name[5:], chosen)
    return RedirectResponse(safe_next(str(form.get("next", ""))) or "/", status_code=303)
