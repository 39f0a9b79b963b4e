"""Authentication (API keys and signed session tokens), access rules and rate limits.

Every route names who may call it with :func:`allow`; the rule is also published in the
OpenAPI document as ``x-access``, and the test matrix checks every route against it. Requests
are rate-limited per key or account, and anonymous ones per client address; a key or token
that does not authenticate is counted against the client's address (and the key it names),
which is locked out past the limit (:func:`rareledger.services.accounts.refuse_credentials`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from rareledger.config import Settings
from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.errors import Forbidden
from rareledger.services import accounts
from rareledger.store.database import Database
from rareledger.web.errors import RateLimited, Unauthenticated

ANONYMOUS = "anonymous"
EVERYONE = (ANONYMOUS, REGULATOR, CUSTOMS, ENTERPRISE, AUDITOR)
_bearer = HTTPBearer(auto_error=False, description="An API key or a session token")


@dataclass
class WebContext:
    """What the routes share, built once by the app factory."""

    settings: Settings
    database: Database
    tokens: URLSafeTimedSerializer
    limiter: MovingWindowRateLimiter
    rate: Any
    throttle: accounts.Throttle


def make_context(settings: Settings, database: Database, secret: str) -> WebContext:
    return WebContext(
        settings,
        database,
        URLSafeTimedSerializer(secret, salt="rareledger-session"),
        MovingWindowRateLimiter(MemoryStorage()),
        parse(settings.rate_limit),
        accounts.throttle_from(settings),
    )


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.context
    return ctx


Context = Annotated[WebContext, Depends(context)]


def issue_token(ctx: WebContext, username: str) -> str:
    return ctx.tokens.dumps({"user": username})


def _principal(ctx: WebContext, token: str) -> Principal | None:
    if token.startswith(f"{accounts.KEY_PREFIX}_"):
        return accounts.authenticate_key(ctx.database, token)
    try:
        data = ctx.tokens.loads(token, max_age=ctx.settings.token_hours * 3600)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), str):
        return None
    return accounts.user_principal(ctx.database, data["user"])


def client_address(request: Request) -> str | None:
    """The client's address as the server (or a trusted proxy, see docs/api.md) gives it."""
    return request.client.host if request.client else None


def _rate_limit(ctx: WebContext, who: str) -> None:
    if ctx.limiter.hit(ctx.rate, who):
        return
    reset_at, _remaining = ctx.limiter.get_window_stats(ctx.rate, who)
    wait = max(1, math.ceil(reset_at - time.time()))
    raise RateLimited(f"too many requests: the limit is {ctx.rate}", retry_after_s=wait)


def authenticate(
    request: Request,
    ctx: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller, or None when no credentials were sent; 401 for bad credentials (429 once
    the client's address, or the key named, is locked out)."""
    address = client_address(request)
    if credentials is None:
        _rate_limit(ctx, f"address:{address}")
        return None
    principal = _principal(ctx, credentials.credentials)
    if principal is None:
        accounts.refuse_credentials(
            ctx.database, credentials.credentials, client=address, throttle=ctx.throttle
        )
        raise Unauthenticated("the key or token is not valid")
    _rate_limit(ctx, principal.name)
    return principal


def allow(*roles: str) -> Any:
    """A dependency that admits only these roles (``anonymous`` admits everyone)."""

    def check(principal: Annotated[Principal | None, Depends(authenticate)]) -> Principal | None:
        if ANONYMOUS in roles:
            return principal
        if principal is None:
            raise Unauthenticated("send an API key or token as a Bearer token")
        if principal.role not in roles:
            raise Forbidden(
                f"the {principal.role} role may not do this (allowed: {', '.join(roles)})"
            )
        return principal

    check.access = tuple(roles)  # type: ignore[attr-defined]
    return Depends(check)
