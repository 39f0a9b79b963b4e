"""Passport verification for anyone, and the published public keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from rareledger.domain.access import ENTERPRISE, REGULATOR, Principal
from rareledger.errors import Conflict
from rareledger.services import issued, passports
from rareledger.web.body import body_schema, read_json
from rareledger.web.security import ANONYMOUS, Context, allow

router = APIRouter(prefix="/api/v1", tags=["passports"])


@router.get("/keys", summary="The public keys that sign passports")
def public_keys(ctx: Context, _principal: Principal | None = allow(ANONYMOUS)) -> dict[str, Any]:
    return {"items": passports.list_keys(ctx.database)}


@router.get(
    "/passports/verify",
    summary="Where a person checks a passport (the page, for links in older passports)",
    response_class=RedirectResponse,
    status_code=303,
)
def verify_page(_principal: Principal | None = allow(ANONYMOUS)) -> RedirectResponse:
    """Passports issued before the public page existed link here: send the reader to it."""
    return RedirectResponse("/passports/verify", status_code=303)


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


class PassportRequest(BaseModel):
    lot_id: str = Field(min_length=1, max_length=128)


@router.post("/passports", summary="Issue a signed passport for a lot", status_code=201)
async def issue_passport(
    body: PassportRequest, ctx: Context, principal: Principal = allow(ENTERPRISE, REGULATOR)
) -> dict[str, Any]:
    """An enterprise issues passports for lots it created, held or traded; the answer is the
    signed passport, whose ``verification_url`` opens its public page (the QR code's link)."""
    try:
        return await run_in_threadpool(
            issued.issue_for,
            ctx.database,
            principal,
            body.lot_id,
            passphrase=ctx.settings.key_passphrase,
            base_url=ctx.settings.public_url,
        )
    except passports.SigningKeyError as error:
        raise Conflict(error.message, code="no_signing_key") from error
