"""Lineage by recursive SQL over the ``lot_edges`` table: the same query on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, TextClause, text

from rareledger.store import schema
from rareledger.store.queries import LotRow, lot_row


def _walk(direction: str, answer: str) -> TextClause:
    """A recursive walk over ``lot_edges`` from ``:lot_id``, up (to parents) or down."""
    near, far = (
        ("child_lot_id", "parent_lot_id")
        if direction == "up"
        else ("parent_lot_id", "child_lot_id")
    )
    return text(f"""
WITH RECURSIVE walk(lot_id) AS (
    SELECT CAST(:lot_id AS VARCHAR(128))
    UNION
    SELECT e.{far} FROM lot_edges e JOIN walk ON e.{near} = walk.lot_id
)
{answer.format(near=near)}
""")


_EDGES = (
    "SELECT e.parent_lot_id, e.child_lot_id, e.event_id, e.mass_g "
    "FROM lot_edges e JOIN walk ON e.{near} = walk.lot_id"
)
_LOTS = "SELECT l.* FROM lots l JOIN walk ON l.lot_id = walk.lot_id"
_UP, _DOWN = _walk("up", _EDGES), _walk("down", _EDGES)
_UP_LOTS, _DOWN_LOTS = _walk("up", _LOTS), _walk("down", _LOTS)


def upstream_lots(connection: Connection, lot_id: str) -> dict[str, LotRow]:
    """The lot and every lot it descends from (retracted ones left out)."""
    rows = (lot_row(r) for r in connection.execute(_UP_LOTS, {"lot_id": lot_id}))
    return {r.lot_id: r for r in rows if not r.retracted}


def downstream_lots(connection: Connection, lot_id: str) -> dict[str, LotRow]:
    """The lot and every lot made from it (retracted ones left out)."""
    rows = (lot_row(r) for r in connection.execute(_DOWN_LOTS, {"lot_id": lot_id}))
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
