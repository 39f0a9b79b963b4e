"""The pages of the web application (server-rendered, in Chinese and English)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from rareledger.web.pages import (
    alerts,
    auth,
    customs,
    docs,
    licences,
    national,
    passports,
    portal,
    registry,
    reports,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    docs.router,
    national.router,
    alerts.router,
    licences.router,
    registry.router,
    reports.router,
    portal.router,
    customs.router,
    passports.router,
)


def mount_static(app: FastAPI) -> None:
    """Our stylesheet and scripts, and the API docs' files from the fastapi-offline package."""
    docs_files = resources.files("fastapi_offline") / "static"
    own_files = resources.files("rareledger.web") / "static"
    app.mount("/static/docs", StaticFiles(directory=str(docs_files)), name="docs-static")
    app.mount("/static", StaticFiles(directory=str(own_files)), name="static")
