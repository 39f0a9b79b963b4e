"""The web application factory: nothing is built at import time."""

from __future__ import annotations

import gc
import secrets
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.sessions import SessionMiddleware

from rareledger import __version__
from rareledger.config import Settings, check_secret, load_settings
from rareledger.services import figures
from rareledger.store.database import Database
from rareledger.web import checkpointing, errors, pages
from rareledger.web.api import (
    control,
    enforcement,
    epcis,
    passports,
    reading,
    reporting,
    system,
)
from rareledger.web.api import figures as figures_api
from rareledger.web.middleware import BodyLimit, CarefulPaths
from rareledger.web.pages import errors as page_errors
from rareledger.web.security import make_context
from rareledger.web.sessions import SESSION_COOKIE, PageHeaders


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app; refuses a default or empty secret outside development mode."""
    settings = settings or load_settings()
    check_secret(settings)
    secret = settings.secret_key or secrets.token_urlsafe(32)  # dev mode: per process
    database = database or Database(settings.database_url)
    checkpointing.check_ready(settings, database)
    app = FastAPI(
        lifespan=checkpointing.lifespan(settings, database),
        title="rareledger",
        version=__version__,
        description="National traceability and export-control ledger for rare "
        "earths: the reporting API.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = make_context(settings, database, secret)
    errors.install(app)
    for router in ROUTERS:
        publish_access_rules(router.routes)
        app.include_router(router)
    for router in pages.ROUTERS:
        app.include_router(router)
    page_errors.install(app)
    pages.mount_static(app)
    app.add_middleware(PageHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.token_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(CarefulPaths)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app


def prepare_to_serve(database: Database) -> None:
    """Ready a serving process before its first request.

    The national figures are folded up to the ledger's head (a year's first fold takes about a
    minute, which no visitor should wait for). Then what start-up made (modules, templates,
    caches, the fold's leftovers) is moved to the collector's permanent generation
    (:func:`gc.freeze`): a full collection, which a list page's many short-lived rows can
    set off, then walks only what requests made, not the whole start-up heap again.
    """
    figures.refresh(database)
    gc.collect()
    gc.freeze()


ROUTERS = (
    system.router,
    reporting.router,
    reading.router,
    control.router,
    passports.router,
    enforcement.router,
    figures_api.router,
    epcis.router,
)


def api_routes() -> list[APIRoute]:
    """Every route of the API."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def page_routes() -> list[APIRoute]:
    """Every page, twin and form handler."""
    return [r for router in pages.ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def access_rule(route: APIRoute) -> tuple[str, ...] | None:
    """The roles a route admits, read from its ``allow(...)`` dependency."""
    for dependency in route.dependant.dependencies:
        roles = getattr(dependency.call, "access", None)
        if roles is not None:
            return tuple(roles)
    return None


def publish_access_rules(routes: list[Any]) -> None:
    """Put each route's access rule into the OpenAPI document as ``x-access``."""
    for route in routes:
        if isinstance(route, APIRoute):
            rule = access_rule(route)
            if rule is not None:
                route.openapi_extra = {**(route.openapi_extra or {}), "x-access": list(rule)}
