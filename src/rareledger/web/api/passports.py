"""Passport verification for anyone, and the published public keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from rareledger.domain.access import Principal
from rareledger.services import passports
from rareledger.web.body import body_schema, read_json
from rareledger.web.security import ANONYMOUS, Context, allow

router = APIRouter(prefix="/api/v1", tags=["passports"])


@router.get("/keys", summary="The public keys that sign passports")
def public_keys(ctx: Context, _principal: Principal | None = allow(ANONYMOUS)) -> dict[str, Any]:
    return {"items": passports.list_keys(ctx.database)}


@router.post(
    "/passports/verify",
    summary="Verify a passport against the ledger",
    openapi_extra=body_schema(None, "a signed passport: {passport, signature}"),
)
async def verify_passport(
    request: Request, ctx: Context, _principal: Principal | None = allow(ANONYMOUS)
) -> dict[str, Any]:
    """The signature against the published keys, and the evidence against this ledger."""
    document = await read_json(request)
    keys = passports.public_key_map(passports.list_keys(ctx.database))
    result = await run_in_threadpool(passports.verify, document, keys, ctx.database)
    return {"valid": result.valid, "reasons": result.reasons}
