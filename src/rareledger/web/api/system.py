"""Health, sign-in, the caller's identity, and the ledger's verification status."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from rareledger import __version__
from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.services import accounts, reads
from rareledger.web.body import body, body_schema
from rareledger.web.errors import Unauthenticated
from rareledger.web.security import ANONYMOUS, Context, allow, client_address, issue_token

router = APIRouter(prefix="/api/v1", tags=["system"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


@router.get("/health", summary="Liveness")
def health(_principal: Principal | None = allow(ANONYMOUS)) -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.post(
    "/auth/token",
    summary="Sign in with a username and password",
    openapi_extra=body_schema(Credentials),
)
async def token(
    request: Request,
    ctx: Context,
    _principal: Principal | None = allow(ANONYMOUS),
    credentials: Credentials = body(Credentials),
) -> dict[str, Any]:
    """A session token to send as ``Authorization: Bearer TOKEN``. Failed sign-ins are
    counted per account and per client address: past the limit, 429 with ``Retry-After``."""
    principal = await run_in_threadpool(
        partial(
            accounts.authenticate_user,
            client=client_address(request),
            throttle=ctx.throttle,
        ),
        ctx.database,
        credentials.username,
        credentials.password,
    )
    if principal is None:
        raise Unauthenticated("wrong username or password, or disabled")
    return {
        "access_token": issue_token(ctx, credentials.username),
        "token_type": "bearer",
        "expires_in": ctx.settings.token_hours * 3600,
    }


@router.get("/me", summary="Who am I")
def me(principal: Principal = allow(REGULATOR, CUSTOMS, ENTERPRISE, AUDITOR)) -> dict[str, Any]:
    return {
        "name": principal.name,
        "role": principal.role,
        "enterprise_id": principal.enterprise_id,
    }


@router.get("/ledger/verification", summary="Walk the hash chain")
def verification(ctx: Context, _principal: Principal = allow(REGULATOR, AUDITOR)) -> dict[str, Any]:
    return reads.verification(ctx.database)


@router.get("/lockouts", summary="Accounts, keys and addresses locked out after failures")
def list_lockouts(ctx: Context, _principal: Principal = allow(REGULATOR)) -> dict[str, Any]:
    return {"items": accounts.lockouts_now(ctx.database)}


@router.delete(
    "/lockouts/{kind}/{name:ledger_id}",
    summary="Lift a lock-out (kind: account, key or address)",
    status_code=204,
)
def lift_lockout(
    kind: str, name: str, ctx: Context, _principal: Principal = allow(REGULATOR)
) -> Response:
    accounts.lift_lockout(ctx.database, kind, name)
    return Response(status_code=204)
