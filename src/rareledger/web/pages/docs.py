"""The API's interactive documentation, served with the files of the fastapi-offline package."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rareledger.domain.access import Principal
from rareledger.web.pages.base import environment
from rareledger.web.security import ANONYMOUS
from rareledger.web.sessions import require

router = APIRouter()
OPENAPI_URL = "/api/v1/openapi.json"
# ReDoc's footer shows its maker's logo from a CDN; the page shows our own icon instead.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@lru_cache(maxsize=1)
def _redoc_script() -> bytes:
    path = resources.files("fastapi_offline") / "static" / "redoc.standalone.js"
    return path.read_bytes().replace(REDOC_LOGO.encode(), b"/static/favicon.svg")


@router.get("/static/docs/redoc.standalone.js", include_in_schema=False)
def redoc_script(_p: Principal | None = require(ANONYMOUS)) -> Response:
    """ReDoc from the fastapi-offline package, with nothing left to fetch from another host."""
    return Response(
        _redoc_script(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _page(template: str) -> HTMLResponse:
    return HTMLResponse(environment().get_template(template).render(openapi_url=OPENAPI_URL))


@router.get("/api/docs", include_in_schema=False)
def swagger(request: Request, _p: Principal | None = require(ANONYMOUS)) -> HTMLResponse:
    return _page("docs_swagger.html")


@router.get("/api/redoc", include_in_schema=False)
def redoc(request: Request, _p: Principal | None = require(ANONYMOUS)) -> HTMLResponse:
    return _page("docs_redoc.html")
