"""Reading endpoints: events, lots, balances, findings, exports, master data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.services import reads, traceability
from rareledger.web.security import Context, allow

router = APIRouter(prefix="/api/v1", tags=["reading"])
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")]
READERS = (REGULATOR, AUDITOR, ENTERPRISE)


@router.get("/events", summary="Accepted events, in ledger order")
def list_events(
    ctx: Context,
    principal: Principal = allow(*READERS),
    reporter: Annotated[str | None, Query(max_length=128)] = None,
    type: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """An enterprise sees the events it reported."""
    return reads.events(
        ctx.database, principal, reporter=reporter, event_type=type, cursor=cursor, limit=limit
    ).as_dict()


@router.get("/events/{event_id:slashed_id}", summary="One event as reported")
def get_event(
    event_id: str, ctx: Context, principal: Principal = allow(*READERS)
) -> dict[str, Any]:
    """An enterprise sees its own events, shipments sold to it and receipts of its sales."""
    return reads.event(ctx.database, principal, event_id)


@router.get("/lots", summary="Lots, in id order")
def list_lots(
    ctx: Context,
    principal: Principal = allow(*READERS),
    form: Annotated[str | None, Query(max_length=32)] = None,
    holder: Annotated[str | None, Query(max_length=128)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """An enterprise sees the lots it holds."""
    return reads.lots(
        ctx.database, principal, form=form, holder=holder, cursor=cursor, limit=limit
    ).as_dict()


@dataclass
class TracePaging:
    """Which page of a lineage a trace answers, and whether to count the whole lineage."""

    cursor: Cursor = None
    limit: Annotated[
        int, Query(ge=1, le=traceability.MAX_LIMIT, description="lineage lots on one page")
    ] = traceability.DEFAULT_LIMIT
    count: Annotated[
        bool, Query(description="also count the whole lineage (total_lots): the full walk")
    ] = False
    custody: Annotated[
        str,
        Query(
            pattern="^(lot|page)$",
            description="upstream: the chain of custody of the lot (default) or of every lot "
            "on the page",
        ),
    ] = "lot"


@router.get(
    "/lots/{lot_id:slashed_id}/trace",
    summary="A lot's lineage: up to origins, down to exports",
)
def trace_lot(
    lot_id: str,
    ctx: Context,
    paging: Annotated[TracePaging, Depends()],
    _principal: Principal = allow(REGULATOR, AUDITOR, CUSTOMS),
    direction: Annotated[str, Query(pattern="^(up|down)$")] = "up",
    format: Annotated[str, Query(pattern="^(json|graphml)$")] = "json",
) -> Any:
    """The same JSON as ``rareledger trace LOT --up|--down --json``, or GraphML: one page of
    the lineage, breadth-first (``limit`` lots after ``cursor``; ``more`` says whether lots
    follow, ``next_cursor`` names the next page). Upstream, ``custody`` lists the chain of
    custody of the lot, or with ``custody=page`` of every lot on the page."""
    if direction == "up":
        trace = traceability.trace_up(
            ctx.database,
            lot_id,
            cursor=paging.cursor,
            limit=paging.limit,
            count=paging.count,
            custody=paging.custody,
        )
    else:
        trace = traceability.trace_down(
            ctx.database, lot_id, cursor=paging.cursor, limit=paging.limit, count=paging.count
        )
    if format == "graphml":
        return Response(traceability.graphml(trace), media_type="application/graphml+xml")
    return trace


@router.get("/lots/{lot_id:slashed_id}", summary="A lot: form, composition, holders, transit")
def get_lot(lot_id: str, ctx: Context, principal: Principal = allow(*READERS)) -> dict[str, Any]:
    """An enterprise sees a lot it created, held or traded, and only its own part of it."""
    return reads.lot(ctx.database, principal, lot_id)


@router.get("/enterprises/{enterprise_id:slashed_id}/balance", summary="Holdings of an enterprise")
def get_balance(
    enterprise_id: str, ctx: Context, principal: Principal = allow(*READERS)
) -> dict[str, Any]:
    """The same JSON as ``rareledger balance --json``."""
    return reads.balance(ctx.database, principal, enterprise_id)


@router.get("/findings", summary="Findings on accepted reports")
def list_findings(
    ctx: Context,
    principal: Principal = allow(*READERS),
    code: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=128)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """An enterprise sees only the findings about itself."""
    return reads.findings(
        ctx.database, principal, code=code, enterprise_id=enterprise, cursor=cursor, limit=limit
    ).as_dict()


@router.get("/exports", summary="Export events")
def list_exports(
    ctx: Context,
    _principal: Principal = allow(REGULATOR, AUDITOR, CUSTOMS),
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    return reads.exports(ctx.database, cursor=cursor, limit=limit).as_dict()


def _master(record_type: str) -> Any:
    def listing(
        ctx: Context,
        principal: Principal = allow(*READERS),
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        return reads.master(
            ctx.database, principal, record_type, cursor=cursor, limit=limit
        ).as_dict()

    listing.__doc__ = f"Current {record_type} records (an enterprise sees its own)."
    return listing


for _type, _path in (
    ("enterprise", "enterprises"),
    ("facility", "facilities"),
    ("quota", "quotas"),
):
    router.add_api_route(
        f"/{_path}",
        _master(_type),
        methods=["GET"],
        summary=f"Current {_path}",
        name=f"list_{_path}",
    )
