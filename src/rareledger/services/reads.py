"""Reads through the eyes of a principal: the regulator sees everything, an enterprise its own.

An enterprise reads its own events, lots, balances and findings. Of a counterparty it sees
only what a shipment or receipt it took part in says: the shipments sold to it, the receipts
of what it sold, and of a lot only what it holds and moved, never the other holders.
Anything it may not see is answered as not found (:class:`~rareledger.errors.NotFound`), so
that its existence does not leak.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from rareledger.domain.access import Principal
from rareledger.errors import Invalid, NotFound
from rareledger.services import holdings, integrity
from rareledger.store import queries
from rareledger.store.database import Database


class BadCursor(Invalid):
    """A pagination cursor that this service did not make."""

    def __init__(self) -> None:
        super().__init__("cursor: the cursor is not one this service issued")


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor from error


MAX_POSITION = 2**63 - 1  # a ledger position fits a signed 64-bit integer
MAX_KEY_CHARS = 128  # the longest identifier the contract allows


def _is_position(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_POSITION  # not a bool, not out of range


def _is_key(value: Any) -> bool:
    """An id to page after: text the databases can compare (no NUL, valid Unicode)."""
    if not isinstance(value, str) or len(value) > MAX_KEY_CHARS or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def position_cursor(cursor: str | None) -> int | None:
    """The ledger position a cursor points after."""
    after = decode_cursor(cursor)
    if after is not None and not _is_position(after):
        raise BadCursor
    return after  # type: ignore[no-any-return]


def finding_cursor(cursor: str | None) -> tuple[int, int] | None:
    """The (position, sequence) of the finding a cursor points after."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if not (isinstance(after, list) and len(after) == 2 and all(map(_is_position, after))):
        raise BadCursor
    return after[0], after[1]


def key_cursor(cursor: str | None) -> str | None:
    """The id a cursor points after."""
    after = decode_cursor(cursor)
    if after is not None and not _is_key(after):
        raise BadCursor
    return after  # type: ignore[no-any-return]


def _page(items: list[dict[str, Any]], limit: int, key: Any) -> Page:
    if len(items) < limit:
        return Page(items, None)
    return Page(items, encode_cursor(key(items[-1])))


def findings(
    database: Database,
    principal: Principal,
    *,
    code: str | None,
    enterprise_id: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    after = finding_cursor(cursor)
    if not principal.reads_all:
        enterprise_id = principal.enterprise_id
    with database.read() as connection:
        items = queries.findings_page(
            connection,
            after=after,
            limit=limit,
            code=code,
            enterprise_id=enterprise_id,
        )
    return _page(items, limit, lambda i: [i["position"], i["seq"]])


def all_findings(
    database: Database, *, code: str | None, enterprise_id: str | None, limit: int | None
) -> list[dict[str, Any]]:
    """Findings on accepted reports for the operator (retracted events' findings left out)."""
    with database.read() as connection:
        return queries.findings(connection, code, enterprise_id, limit=limit)


def events(
    database: Database,
    principal: Principal,
    *,
    reporter: str | None,
    event_type: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    after = position_cursor(cursor)
    if not principal.reads_all:
        reporter = principal.enterprise_id
    with database.read() as connection:
        items = queries.events_page(
            connection, after=after, limit=limit, reporter=reporter, event_type=event_type
        )
    return _page(items, limit, lambda i: i["position"])


def event(database: Database, principal: Principal, event_id: str) -> dict[str, Any]:
    with database.read() as connection:
        found = queries.event_record(connection, event_id)
        if found is None or not _may_see_event(connection, principal, found):
            raise NotFound(f"no event {event_id!r}")
    return found


def _may_see_event(connection: Any, principal: Principal, found: dict[str, Any]) -> bool:
    me = principal.enterprise_id
    if principal.reads_all or found["reporter"] == me:
        return True
    record = found["record"]
    if found["type"] == "shipment":
        return bool(record.get("buyer") == me)
    if found["type"] == "receipt":
        parties = queries.shipment_parties(connection, record.get("shipment_event_id", ""))
        return parties is not None and parties[0] == me
    return False


def exports(database: Database, *, cursor: str | None, limit: int) -> Page:
    """Export events, for customs and the regulator."""
    after = position_cursor(cursor)
    with database.read() as connection:
        items = queries.events_page(connection, after=after, limit=limit, event_type="export")
        detailed = [queries.event_record(connection, i["event_id"]) for i in items]
    return _page([d for d in detailed if d is not None], limit, lambda i: i["position"])


def lot(database: Database, principal: Principal, lot_id: str) -> dict[str, Any]:
    report = holdings.lot_report(database, lot_id)  # NotFound for an unknown lot
    if principal.reads_all:
        return report
    me = principal.enterprise_id or ""
    with database.read() as connection:
        if not queries.lot_involves(connection, lot_id, me):
            raise NotFound(f"no lot {lot_id!r}")
    own = [h for h in report["holders"] if h["enterprise_id"] == me]
    moving = [t for t in report["in_transit"] if me in (t["seller"], t["buyer"])]
    return {
        "lot_id": report["lot_id"],
        "form": report["form"],
        "composition": report["composition"],
        "reo_fraction": report["reo_fraction"],
        "retracted": report["retracted"],
        "provenance": holdings.cause_codes(report["provenance"]),
        "control": report["control"],
        "created_by": report["created_by"] if report["created_by"]["enterprise_id"] == me else None,
        "holders": own,
        "in_transit": moving,
    }


def lots(
    database: Database,
    principal: Principal,
    *,
    form: str | None,
    holder: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Lots; an enterprise sees only those it holds."""
    after = key_cursor(cursor)
    if not principal.reads_all:
        holder = principal.enterprise_id
    with database.read() as connection:
        items = queries.lots_page(connection, after=after, limit=limit, form=form, holder=holder)
    return _page(items, limit, lambda i: i["lot_id"])


def balance(database: Database, principal: Principal, enterprise_id: str) -> dict[str, Any]:
    if not principal.may_see_enterprise(enterprise_id):
        raise NotFound(f"no enterprise {enterprise_id!r}")
    return holdings.enterprise_balance(database, enterprise_id)


def master(
    database: Database, principal: Principal, record_type: str, *, cursor: str | None, limit: int
) -> Page:
    after = key_cursor(cursor)
    scope = None if principal.reads_all else principal.enterprise_id
    with database.read() as connection:
        items = queries.master_page(
            connection, record_type, after=after, limit=limit, enterprise_id=scope
        )
    return _page(items, limit, lambda i: i["id"])


def verification(database: Database) -> dict[str, Any]:
    result = integrity.verify(database)
    first = result.first_break
    return {
        "intact": result.intact,
        "entries": result.entries,
        "head_position": result.head_position,
        "first_bad_position": first.position if first else None,
        "reason": first.reason if first else None,
    }
