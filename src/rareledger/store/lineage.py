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


_IDS = {direction: _walk(direction, "SELECT lot_id FROM walk") for direction in _SIDES}

# One level of a breadth-first walk: the lots one processing step away from these lots.
_STEPS = {
    direction: (
        f"SELECT DISTINCT f.lot_id FROM lot_links n JOIN lot_links f "
        f"ON f.event_id = n.event_id AND f.side = '{far}' "
        f"WHERE n.side = '{near}' AND n.lot_id IN ({{ids}})"
    )
    for direction, (near, far) in _SIDES.items()
}
# The rows of lots and, for a lot made by processing, the inputs of the event that made it (the
# lot's own ``event_id``): one row per input, or one row with no input.
_ROWS = (
    f"SELECT {', '.join('l.' + c for c in LOT_COLUMNS.split(', '))}, t.lot_id, t.mass_g "
    "FROM lots l LEFT JOIN lot_links t ON t.event_id = l.event_id AND t.side = 'in' "
    "WHERE l.lot_id IN ({ids})"
)

_INPUT = len(LOT_COLUMNS.split(", "))  # where the input's columns start in a row of _ROWS

Place = tuple[int, str]  # (depth, lot id): where a lot stands in a lineage's order
Inputs = list[tuple[str, int]]  # (input lot, grams taken), in lot id order


@dataclass(frozen=True, slots=True)
class Page:
    lot: Lot | None  # the traced lot (None if unknown)
    lots: list[Lot]  # in (depth, lot id) order, after the cursor
    places: list[Place]  # the (depth, lot id) of each of them
    more: bool  # whether lots follow this page
    inputs: dict[str, Inputs]  # of the traced lot and the page's lots made by processing


def page(
    connection: Connection, lot_id: str, direction: str, after: Place | None, limit: int
) -> Page:
    """One page of the lots a lot descends from (``up``) or that were made from it (``down``),
    breadth-first: by depth (processing steps from the lot, the fewest when a lot is reached by
    several paths), then by lot id; only the lots after ``after`` in that order.

    The walk goes one level at a time (one query of ids per level) and stops at the first level
    that fills the page, so a page reads the levels down to its last lot (and, when it ends on
    a level's last lot, the next level), never the lineage beyond them. Then one query reads
    the rows of the traced lot and of the page's lots, with their inputs."""
    places = _places(connection, lot_id, direction, after, limit)
    chosen = places[:limit]
    found, inputs = lots_with_inputs(connection, [lot_id, *(i for _, i in chosen)])
    kept = [place for place in chosen if place[1] in found]
    return Page(found.get(lot_id), [found[i] for _, i in kept], kept, len(places) > limit, inputs)


def _places(
    connection: Connection, lot_id: str, direction: str, after: Place | None, limit: int
) -> list[Place]:
    """The (depth, lot id) of the lineage's lots after ``after``, level by level, until a level
    brings them past ``limit`` (or the lineage ends)."""
    seen = {lot_id}
    level = [lot_id]
    places: list[Place] = []
    depth = 0
    while level and len(places) <= limit:
        level = sorted({row[0] for row in rows_in(connection, _STEPS[direction], level)} - seen)
        depth += 1
        seen.update(level)
        places.extend((depth, i) for i in level if after is None or (depth, i) > after)
    return places


def lots_with_inputs(
    connection: Connection, lot_ids: list[str]
) -> tuple[dict[str, Lot], dict[str, Inputs]]:
    """These lots (those that exist) and, for each made by processing, the inputs of the event
    that made it as (lot, grams taken), in lot id order: one query."""
    found: dict[str, Lot] = {}
    inputs: dict[str, Inputs] = {}
    for row in rows_in(connection, _ROWS, lot_ids):
        if row[0] not in found:
            found[row[0]] = lot_from_tuple(row)
        if row[_INPUT] is not None:
            inputs.setdefault(row[0], []).append((row[_INPUT], row[_INPUT + 1]))
    for listed in inputs.values():
        listed.sort()
    return found, inputs


def count(connection: Connection, lot_id: str, direction: str) -> int:
    """How many lots the whole lineage holds (the lot left out): the full walk, on request."""
    query = _walk(direction, "SELECT COUNT(*) FROM walk WHERE lot_id <> :lot_id")
    return int(connection.execute(query, {"lot_id": lot_id}).scalar_one())


def walk(connection: Connection, lot_id: str, direction: str) -> list[str]:
    """The bare recursive walk (every lot id, the lot included): unbounded, for benchmarks and
    tests that measure or check the paged answers against it."""
    return [row[0] for row in connection.execute(_IDS[direction], {"lot_id": lot_id})]


def creating_events(connection: Connection, lot_id: str) -> set[str]:
    """The events that made the lot and every lot upstream of it, in one walk (lots retracted
    upstream left out): what a document naming the whole lineage cites as evidence."""
    query = "SELECT lot_id, event_id, retracted FROM lots WHERE lot_id IN ({ids})"
    rows = rows_in(connection, query, walk(connection, lot_id, "up"))
    return {event for lot, event, retracted in rows if lot == lot_id or not retracted}


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


_MOVES = (
    "SELECT position, lot_id, kind, event_id, from_holder, to_holder, mass_g, occurred_at "
    "FROM lot_movements WHERE lot_id IN ({ids})"
)
# (position, lot, kind, event, from, to, grams, occurred at): a step in a chain of custody
Move = tuple[int, str, str, str, str | None, str | None, int, str]


def movements(
    connection: Connection, lot_ids: list[str], *, limit: int, kind: str | None = None
) -> tuple[list[Move], bool]:
    """The chain of custody of these lots (only moves of ``kind`` if given), in ledger order:
    the first ``limit`` moves of each lot, and whether none was left out."""
    query = _MOVES + (f" AND kind = '{kind}'" if kind in ("exported", "shipped") else "")
    found: list[Move] = sorted(rows_in(connection, query, lot_ids))
    kept: list[Move] = []
    counts: dict[str, int] = {}
    for move in found:
        counts[move[1]] = counts.get(move[1], 0) + 1
        if counts[move[1]] <= limit:
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


_HOLDERS = "SELECT holder, lot_id, mass_g FROM balances WHERE lot_id IN ({ids}) AND mass_g <> 0"


def holders_of(connection: Connection, lot_ids: list[str]) -> list[tuple[str, str, int]]:
    """(holder, lot, grams) of every non-zero balance of these lots, by lot and holder."""
    found = [(h, lot, grams) for h, lot, grams in rows_in(connection, _HOLDERS, lot_ids)]
    return sorted(found, key=lambda h: (h[1], h[0]))


def home_country(connection: Connection, enterprise_id: str) -> str | None:
    """The country of an enterprise's master record (where the lots it mined come from)."""
    found = master_page(connection, "enterprise", after=None, limit=1, enterprise_id=enterprise_id)
    return str(found[0]["country"]) if found else None
