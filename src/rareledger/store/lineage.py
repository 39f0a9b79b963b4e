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
from rareledger.store.lot_rows import LOT_COLUMNS, lot_from_tuple
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


# One page of a lineage: the lots after a cursor, in lot id order, and how many there are in
# all (the lot itself left out). Only ids travel through the walk and its count.
_PAGE = f"""
, counted AS (SELECT lot_id, COUNT(*) OVER () AS total FROM walk WHERE lot_id <> :lot_id)
, paged AS (SELECT lot_id, total FROM counted WHERE lot_id > :after ORDER BY lot_id LIMIT :limit)
SELECT paged.total, {", ".join("l." + c for c in LOT_COLUMNS.split(", "))}
FROM paged JOIN lots l ON l.lot_id = paged.lot_id ORDER BY l.lot_id
"""
_PAGES = {direction: _walk(direction, _PAGE) for direction in _SIDES}
_IDS = {direction: _walk(direction, "SELECT lot_id FROM walk") for direction in _SIDES}


@dataclass(frozen=True, slots=True)
class Page:
    lots: list[Lot]  # in id order, after the cursor
    total: int  # lots in the whole lineage, the traced lot left out
    next_cursor: str | None  # the last id of this page, when there are more


def page(connection: Connection, lot_id: str, direction: str, after: str, limit: int) -> Page:
    """One page of the lots a lot descends from (``up``) or that were made from it (``down``).

    Every page walks the lineage again (a recursive query cannot resume), but only ids travel
    through the walk; the lots' rows are read for the lots of the page only."""
    rows = connection.execute(
        _PAGES[direction], {"lot_id": lot_id, "after": after, "limit": limit + 1}
    ).all()
    lots = [lot_from_tuple(row[1:]) for row in rows[:limit]]
    total = rows[0][0] if rows else 0
    return Page(lots, total, lots[-1].lot_id if len(rows) > limit else None)


def walk(connection: Connection, lot_id: str, direction: str) -> list[str]:
    """The bare recursive walk (every lot id, the lot included): unbounded, for benchmarks and
    tests that measure or check the paged answers against it."""
    return [row[0] for row in connection.execute(_IDS[direction], {"lot_id": lot_id})]


def rows_in(connection: Connection, query: str, ids: list[str]) -> list[Any]:
    """Driver rows of ``query`` with its ``{ids}`` filled by these ids, 500 at a time: the
    reads of one page are a few small queries, run straight on the driver."""
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    found: list[Any] = []
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            cursor.execute(query.format(ids=",".join([marker] * len(batch))), batch)
            found.extend(cursor.fetchall())
    finally:
        cursor.close()
    return found


_INPUTS = (
    "SELECT made.lot_id, taken.lot_id, taken.mass_g FROM lot_links made "
    "JOIN lot_links taken ON taken.event_id = made.event_id AND taken.side = 'in' "
    "WHERE made.side = 'out' AND made.lot_id IN ({ids})"
)


def inputs_of(connection: Connection, lot_ids: list[str]) -> dict[str, list[tuple[str, int]]]:
    """For each of these lots made by processing: the inputs of the event that made it, as
    (lot, grams taken), in lot id order."""
    found: dict[str, list[tuple[str, int]]] = {}
    for lot_id, parent, mass_g in rows_in(connection, _INPUTS, lot_ids):
        found.setdefault(lot_id, []).append((parent, mass_g))
    return {k: sorted(v) for k, v in found.items()}


_MOVES = (
    "SELECT lot_id, event_id, kind, from_holder, to_holder, mass_g, position, occurred_at "
    "FROM lot_movements WHERE lot_id IN ({ids})"
)
_MOVE_FIELDS = ("lot_id", "event_id", "kind", "from_holder", "to_holder", "mass_g", "position")


def movements(
    connection: Connection, lot_ids: list[str], *, limit: int, kind: str | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The chain of custody of these lots (only moves of ``kind`` if given), in ledger order:
    the first ``limit`` moves of each lot, and whether none was left out."""
    query = _MOVES + (f" AND kind = '{kind}'" if kind in ("exported", "shipped") else "")
    found = [
        {**dict(zip(_MOVE_FIELDS, row, strict=False)), "occurred_at": row[7]}
        for row in rows_in(connection, query, lot_ids)
    ]
    found.sort(key=lambda m: (m["position"], m["lot_id"], m["kind"]))
    kept: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for move in found:
        counts[move["lot_id"]] = counts.get(move["lot_id"], 0) + 1
        if counts[move["lot_id"]] <= limit:
            kept.append(move)
    return kept, len(kept) == len(found)


def provenance(connection: Connection, lot_id: str, *, limit: int = 100) -> dict[str, Any]:
    """``clean``, or ``gap`` with the unresolved problems (upstream included) of a lot: the
    first ``limit`` of them, and how many there are."""
    row = connection.execute(
        select(schema.lots.c.gap_causes).where(schema.lots.c.lot_id == lot_id)
    ).first()
    named = tuple(row.gap_causes.split()) if row else ()
    return _status(named, _retracted(connection, named), limit)


def provenances(
    connection: Connection, lots: Iterable[Lot], *, limit: int = 100
) -> dict[str, dict[str, Any]]:
    """:func:`provenance` of each of these lots (as read already), with one look-up of the
    problems that corrections have resolved."""
    chosen = list(lots)
    retracted = _retracted(connection, [n for lot in chosen for n in lot.gap_causes])
    return {lot.lot_id: _status(lot.gap_causes, retracted, limit) for lot in chosen}


def _status(named: Iterable[str], retracted: set[str], limit: int) -> dict[str, Any]:
    causes = unresolved(named, retracted.__contains__)
    return {
        "status": "gap" if causes else "clean",
        "causes": causes[:limit],
        "causes_total": len(causes),
    }


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
