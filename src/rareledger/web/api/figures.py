"""National figures: the same JSON as ``rareledger figures national --json``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from rareledger.domain.access import AUDITOR, REGULATOR, Principal
from rareledger.errors import NotFound
from rareledger.services import figures
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["figures"])


@router.get("/figures/national", summary="Production against quota, imports and exports")
def national(
    ctx: Context,
    _principal: Principal = allow(REGULATOR, AUDITOR),
    year: Annotated[int | None, Query(ge=1900, le=2999, description="default: latest")] = None,
) -> dict[str, Any]:
    """By ``occurred_at`` in the regulator's time zone, corrections applied: t REO mined and
    separated against quota, goods kg imported by origin and exported by destination, element
    kg exported by element and destination."""
    year = year or figures.latest_year(ctx.database, ctx.settings.rules)
    if year is None:
        raise NotFound("year: the ledger holds no production or trade yet")
    return figures.national(ctx.database, year, ctx.settings.rules)
