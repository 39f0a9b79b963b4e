"""One JSON error shape for every failure: ``{"error": {"code", "message", "details"}}``.

The error tree of :mod:`rareledger.errors` becomes HTTP here, in one handler: the status comes
from the nearest class in :data:`HTTP_STATUS`, the code, message and details from the error.
The web layer adds three branches of its own: :class:`Unauthenticated` (401),
:class:`RateLimited` (429) and :class:`TooLarge` (413); the accounts service's
:class:`~rareledger.services.accounts.Throttled` (a lock-out after failed sign-ins) is 429
too. Framework errors (an unknown route, a
bad query parameter) keep the same shape through their own two handlers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rareledger.errors import Conflict, Forbidden, Invalid, LedgerError, NotFound
from rareledger.services.accounts import Throttled
from rareledger.services.reporting import Acknowledgement

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


class Unauthenticated(LedgerError):
    """No credentials, or credentials that are not valid (401, ``WWW-Authenticate``)."""

    code: str = "unauthenticated"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": "Bearer"}


class RateLimited(LedgerError):
    """Over the request rate limit (429 with ``Retry-After``)."""

    code: str = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s})
        self.headers = {"Retry-After": str(retry_after_s)}


class TooLarge(Invalid):
    """A body or a batch over its limit (413)."""

    code: str = "too_large"


HTTP_STATUS: dict[type[LedgerError], int] = {
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    TooLarge: 413,
    Forbidden: 403,
    Unauthenticated: 401,
    RateLimited: 429,
    Throttled: 429,
}


def status_of(error: LedgerError) -> int:
    """The HTTP status of an error: that of its nearest class in the table, else 500."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 500


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


async def _ledger_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, LedgerError)
    status = status_of(error)
    if status == 500:  # a failure the caller cannot act on: say nothing about it
        return _internal()
    return JSONResponse(
        error_body(error.code, error.message, error.details),
        status_code=status,
        headers=getattr(error, "headers", None),
    )


def _field(location: tuple[Any, ...]) -> str:
    parts = [p for p in location if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


async def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = [
        {
            "field": _field(tuple(e.get("loc", ()))),
            "code": e.get("type", "invalid"),
            "message": e.get("msg", "invalid"),
        }
        for e in error.errors()
    ]
    first = details[0] if details else {"field": "", "message": "invalid request"}
    message = f"{first['field'] or 'request'}: {first['message']}"
    return JSONResponse(error_body("validation_error", message, details), status_code=422)


async def _http(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = STATUS_CODES.get(error.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(error.detail)),
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


def _internal() -> JSONResponse:
    return JSONResponse(
        error_body("internal_error", "an unexpected error occurred"), status_code=500
    )


async def _unexpected(_request: Request, _error: Exception) -> JSONResponse:
    return _internal()


def install(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


def refusal(acknowledgement: Acknowledgement, subject: str) -> LedgerError:
    """The error that answers a single record the ledger did not accept: 409 when its id is
    already used for another record, 422 otherwise; the code and message of its first
    problem, and the whole acknowledgement as the details."""
    problems = acknowledgement.errors or [
        {"code": "rejected", "field": "", "message": "the record was not accepted"}
    ]
    first = problems[0]
    kind = Conflict if any(p["code"] == "event_id_conflict" for p in problems) else Invalid
    return kind(
        f"{first['field'] or subject}: {first['message']}",
        code=first["code"],
        details=acknowledgement.as_dict(),
    )
