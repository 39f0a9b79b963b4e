"""Errors on pages answer a page (in the reader's language); on the API and twins, JSON."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rareledger.errors import LedgerError
from rareledger.web import errors
from rareledger.web.i18n import N_, gettext
from rareledger.web.pages.base import render
from rareledger.web.sessions import CsrfFailed, PageForbidden, SignInRequired, sign_in_url

MACHINE_SUFFIXES = (".json", ".csv", ".xlsx", ".graphml")
MACHINE_PREFIXES = ("/api/", "/epcis/")  # the API and the EPCIS binding answer JSON
HEADINGS = {
    400: N_("The request could not be understood"),
    401: N_("Please sign in"),
    403: N_("You may not open this page"),
    404: N_("Not found"),
    405: N_("This address does not take that kind of request"),
    409: N_("This cannot be done now"),
    413: N_("The upload is too large"),
    422: N_("Please check what you entered"),
    429: N_("Too many requests: wait a moment"),
    500: N_("Something went wrong on our side"),
}


def is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(MACHINE_PREFIXES) and not path.endswith(MACHINE_SUFFIXES)


def _page(request: Request, status: int, message: str) -> Response:
    heading = gettext(HEADINGS.get(status, HEADINGS[400]))
    return render(request, "error.html", status, heading=heading, message=message, status=status)


def _json_twin(status: int, code: str, message: str) -> Response:
    return JSONResponse(errors.error_body(code, message), status_code=status)


async def _ledger_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, LedgerError)
    status = errors.status_of(error)
    if not is_page(request) or status == 500:
        return await errors._ledger_error(request, error)
    return _page(request, status, error.message)


async def _validation(request: Request, error: Exception) -> Response:
    if not is_page(request):
        return await errors._validation(request, error)
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    return _page(request, 422, f"{field}: {first.get('msg', 'invalid')}")


async def _http(request: Request, error: Exception) -> Response:
    if not is_page(request):
        return await errors._http(request, error)
    assert isinstance(error, StarletteHTTPException)
    return _page(request, error.status_code, str(error.detail))


async def _sign_in(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    if not is_page(request):
        return _json_twin(401, "unauthenticated", "sign in first")
    return RedirectResponse(sign_in_url(error.back_to), status_code=303)


async def _forbidden(request: Request, error: Exception) -> Response:
    if not is_page(request):
        return _json_twin(403, "forbidden", str(error))
    return _page(request, 403, gettext("Your role may not open this page."))


async def _csrf(request: Request, error: Exception) -> Response:
    if not is_page(request):
        return _json_twin(403, "forbidden", str(error))
    return _page(request, 403, gettext("The form has expired. Go back, reload it and try again."))


async def _unexpected(request: Request, error: Exception) -> Response:
    if not is_page(request):
        return await errors._unexpected(request, error)
    return _page(request, 500, gettext("The error has been noted. Please try again later."))


HANDLERS: dict[Any, Any] = {
    LedgerError: _ledger_error,
    RequestValidationError: _validation,
    StarletteHTTPException: _http,
    SignInRequired: _sign_in,
    PageForbidden: _forbidden,
    CsrfFailed: _csrf,
    Exception: _unexpected,
}


def install(app: FastAPI) -> None:
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
