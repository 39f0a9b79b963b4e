"""The API's interactive documentation, served with the files of the fastapi-offline package."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rareledger.domain.access import Principal
from rareledger.web.pages.base import environment
from rareledger.web.security import ANONYMOUS
from rareledger.web.sessions import require

router = APIRouter()
OPENAPI_URL = "/api/v1/openapi.json"


def _page(template: str) -> HTMLResponse:
    return HTMLResponse(environment().get_template(template).render(openapi_url=OPENAPI_URL))


@router.get("/api/docs", include_in_schema=False)
def swagger(request: Request, _p: Principal | None = require(ANONYMOUS)) -> HTMLResponse:
    return _page("docs_swagger.html")


@router.get("/api/redoc", include_in_schema=False)
def redoc(request: Request, _p: Principal | None = require(ANONYMOUS)) -> HTMLResponse:
    return _page("docs_redoc.html")
