"""Lineage by recursive SQL over ``lot_links``: the same query on both databases.

A processing event links its input lots (side ``in``) to its output lots (side ``out``); every
output is made from all the inputs. Walking up goes from a lot to the events that made it and
on to their inputs; walking down, from a lot to the events it fed and on to their outputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, TextClause, select, text

from rareledger.domain.lots import Lot, cause_event, unresolved
from rareledger.store import schema
from rareledger.store.lot_rows import lot_from_row
from rareledger.store.queries import master_page

_SIDES = {"up": ("out", "in"), "down": ("in", "out")}  # (side of the known lot, side reached)


def _walk(direction: str, answer: str) -> TextClause:
    """A recursive walk from ``:lot_id`` through processing events, up or down."""
    near, far = _SIDES[direction]
    return text(f"""
WITH RECURSIVE walk(lot_id) AS (
    SELECT CAST(:lot_id AS VARCHAR(128))
    UNION
    SELECT f.lot_id FROM lot_links n
    JOIN walk ON n.lot_id = walk.lot_id AND n.side = '{near}'
    JOIN lot_links f ON f.event_id = n.event_id AND f.side = '{far}'
)
{answer}
""")


# The edges the walk passed: (input lot, output lot, event, mass of the input taken). The walk
# is a subquery so that the planner starts from its few lots, not from the whole table.
_EDGES_UP = (
    "SELECT i.lot_id, n.lot_id, n.event_id, i.mass_g FROM lot_links n "
    "JOIN lot_links i ON i.event_id = n.event_id AND i.side = 'in' "
    "WHERE n.side = 'out' AND n.lot_id IN (SELECT lot_id FROM walk)"
)
_EDGES_DOWN = (
    "SELECT n.lot_id, o.lot_id, n.event_id, n.mass_g FROM lot_links n "
    "JOIN lot_links o ON o.event_id = n.event_id AND o.side = 'out' "
    "WHERE n.side = 'in' AND n.lot_id IN (SELECT lot_id FROM walk)"
)
_LOTS = "SELECT l.* FROM lots l JOIN walk ON l.lot_id = walk.lot_id"
_UP, _DOWN = _walk("up", _EDGES_UP), _walk("down", _EDGES_DOWN)
_UP_LOTS, _DOWN_LOTS = _walk("up", _LOTS), _walk("down", _LOTS)


def upstream_lots(connection: Connection, lot_id: str) -> dict[str, Lot]:
    """The lot and every lot it descends from (retracted ones left out)."""
    rows = (lot_from_row(r) for r in connection.execute(_UP_LOTS, {"lot_id": lot_id}))
    return {r.lot_id: r for r in rows if not r.retracted}


def downstream_lots(connection: Connection, lot_id: str) -> dict[str, Lot]:
    """The lot and every lot made from it (retracted ones left out)."""
    rows = (lot_from_row(r) for r in connection.execute(_DOWN_LOTS, {"lot_id": lot_id}))
    return {r.lot_id: r for r in rows if not r.retracted}


@dataclass(frozen=True, slots=True)
class EdgeRow:
    parent: str
    child: str
    event_id: str
    mass_g: int


def upstream_edges(connection: Connection, lot_id: str) -> list[EdgeRow]:
    """Every processing edge the lot descends through (splits and merges included)."""
    return [EdgeRow(*row) for row in connection.execute(_UP, {"lot_id": lot_id})]


def downstream_edges(connection: Connection, lot_id: str) -> list[EdgeRow]:
    """Every processing edge from the lot to its descendants."""
    return [EdgeRow(*row) for row in connection.execute(_DOWN, {"lot_id": lot_id})]


def movements(connection: Connection, lot_ids: list[str]) -> list[dict[str, Any]]:
    """The chain of custody of these lots, in ledger order."""
    t = schema.lot_movements
    found: list[dict[str, Any]] = []
    for start in range(0, len(lot_ids), 500):
        query = t.select().where(t.c.lot_id.in_(lot_ids[start : start + 500]))
        found.extend(dict(row._mapping) for row in connection.execute(query))
    return sorted(found, key=lambda m: (m["position"], m["lot_id"], m["kind"]))


def provenance(connection: Connection, lot_id: str) -> dict[str, Any]:
    """``clean``, or ``gap`` with the unresolved problems (upstream included) of a lot."""
    row = connection.execute(
        select(schema.lots.c.gap_causes).where(schema.lots.c.lot_id == lot_id)
    ).first()
    named = tuple(row.gap_causes.split()) if row else ()
    return _status(named, _retracted(connection, named))


def provenances(connection: Connection, lots: Iterable[Lot]) -> dict[str, dict[str, Any]]:
    """:func:`provenance` of each of these lots (as read already), with one look-up of the
    problems that corrections have resolved."""
    chosen = list(lots)
    retracted = _retracted(connection, [n for lot in chosen for n in lot.gap_causes])
    return {lot.lot_id: _status(lot.gap_causes, retracted) for lot in chosen}


def _status(named: Iterable[str], retracted: set[str]) -> dict[str, Any]:
    causes = unresolved(named, retracted.__contains__)
    return {"status": "gap" if causes else "clean", "causes": causes}


def _retracted(connection: Connection, named: Iterable[str]) -> set[str]:
    """The events of these named problems that a correction has retracted."""
    events = schema.events
    wanted = sorted({cause_event(n) for n in named})
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        query = select(events.c.event_id).where(
            events.c.event_id.in_(wanted[start : start + 500]),
            events.c.retracted_by.is_not(None),
        )
        found.update(r.event_id for r in connection.execute(query))
    return found


def holders_of(connection: Connection, lot_ids: list[str]) -> list[tuple[str, str, int]]:
    """(holder, lot, grams) of every non-zero balance of these lots, by lot and holder."""
    b = schema.balances
    found: list[tuple[str, str, int]] = []
    for start in range(0, len(lot_ids), 500):
        query = select(b.c.holder, b.c.lot_id, b.c.mass_g).where(
            b.c.lot_id.in_(lot_ids[start : start + 500]), b.c.mass_g != 0
        )
        found.extend((r.holder, r.lot_id, r.mass_g) for r in connection.execute(query))
    return sorted(found, key=lambda h: (h[1], h[0]))


def home_country(connection: Connection, enterprise_id: str) -> str | None:
    """The country of an enterprise's master record (where the lots it mined come from)."""
    found = master_page(connection, "enterprise", after=None, limit=1, enterprise_id=enterprise_id)
    return str(found[0]["country"]) if found else None
