"""The ``lot_origins`` projection: each lot's origin vector, made as the lot is created.

The rules say how each vector is made (:class:`OriginSource`, in ledger order); this module
reads the vectors of the inputs, has :mod:`rareledger.domain.origins` mix them, and writes the
results, once per batch, after the batch's lineage links. A correction that retracts or
re-creates a lot asks for everything made from it to be computed again: the lots downstream
are found by a recursive walk over ``lot_links`` and computed in ledger order. Because every
vector is then what its inputs' vectors make it, the result does not depend on how records
were cut into batches, and ``rebuild`` gives the same vectors.

Stored form (``shares``, compact JSON): ``{element: [[[origin, share], ...], other,
unattributed, [[kind, country, share], ...]]}``; floats are written so that they read back
exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, text

from rareledger.domain.ledger.model import OriginSource
from rareledger.domain.origins import (
    ElementOrigins,
    Ingredient,
    Mixer,
    OriginVector,
    root_vector,
    unattributed_vector,
)
from rareledger.store import schema
from rareledger.store.bulk import bulk_write
from rareledger.store.lineage import rows_in
from rareledger.store.lot_rows import parse_composition

CHUNK = 500


def chunks(values: Iterable[str]) -> Iterable[list[str]]:
    listed = list(values)
    return (listed[start : start + CHUNK] for start in range(0, len(listed), CHUNK))


def encode(vector: OriginVector) -> str:
    """The stored form (orjson writes the tuples as arrays)."""
    return orjson.dumps(
        {s: (e.top, e.other, e.unattributed, e.countries) for s, e in vector.items()}
    ).decode()


def decode(stored: str) -> OriginVector:
    return {
        symbol: ElementOrigins(
            tuple((origin, share) for origin, share in top),
            other,
            unattributed,
            tuple((kind, country, share) for kind, country, share in countries),
        )
        for symbol, (top, other, unattributed, countries) in orjson.loads(stored).items()
    }


def vectors(connection: Connection, lot_ids: Iterable[str]) -> dict[str, OriginVector]:
    """The stored vectors of these lots (those that have one)."""
    query = "SELECT lot_id, shares FROM lot_origins WHERE lot_id IN ({ids})"
    return {k: decode(v) for k, v in rows_in(connection, query, sorted(set(lot_ids)))}


def write_origins(connection: Connection, sources: list[OriginSource]) -> None:
    """Compute and store the vectors of a batch's new and retracted lots (after its links)."""
    if not sources:
        return
    stored = vectors(connection, (i.lot_id for s in sources for i in s.inputs))
    made: dict[str, OriginVector] = {}
    rows: dict[str, tuple[Any, ...]] = {}
    seeds: list[str] = []
    mixers: dict[int, Mixer] = {}  # the outputs of one step share its inputs (one tuple)
    for source in sources:
        if source.root is not None:
            vector = root_vector(source.lot_id, source.composition, source.root)
            root = source.root
            rows[source.lot_id] = (source.lot_id, root.kind, root.country, root.mine, "")
        elif source.retracted:
            vector = unattributed_vector(source.composition)
            rows[source.lot_id] = (source.lot_id, None, None, None, "")
        else:
            mixer = mixers.get(id(source.inputs))
            if mixer is None:
                parts = [(i, made.get(i.lot_id) or stored.get(i.lot_id)) for i in source.inputs]
                mixer = mixers[id(source.inputs)] = Mixer(parts)
            vector = mixer.vector(source.composition)
            rows[source.lot_id] = (source.lot_id, None, None, None, "")
        made[source.lot_id] = vector
        if source.downstream:
            seeds.append(source.lot_id)
    _write(connection, [(*row[:4], encode(made[lot_id])) for lot_id, row in rows.items()])
    if seeds:
        recompute_downstream(connection, seeds)


def _write(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    bulk_write(connection, schema.lot_origins, rows)


# Every processing event downstream of the seed lots, in ledger order.
_DOWNSTREAM_EVENTS = text("""
WITH RECURSIVE walk(lot_id) AS (
    SELECT lot_id FROM lots WHERE lot_id IN :seeds
    UNION
    SELECT f.lot_id FROM lot_links n
    JOIN walk ON n.lot_id = walk.lot_id AND n.side = 'in'
    JOIN lot_links f ON f.event_id = n.event_id AND f.side = 'out'
)
SELECT DISTINCT n.event_id, n.position FROM lot_links n
WHERE n.side = 'in' AND n.lot_id IN (SELECT lot_id FROM walk)
""").bindparams(bindparam("seeds", expanding=True))


def recompute_downstream(connection: Connection, seeds: list[str]) -> None:
    """Compute again the vector of every lot made (at any remove) from the seed lots."""
    found = connection.execute(_DOWNSTREAM_EVENTS, {"seeds": seeds})
    events = [event_id for _, event_id in sorted({(r.position, r.event_id) for r in found})]
    if not events:
        return
    links = _links(connection, events)
    lots = {lot_id for sides in links.values() for side in sides for lot_id, _ in side}
    compositions = _compositions(connection, lots)
    current = vectors(connection, (lot for ins, _ in links.values() for lot, _ in ins))
    rows: dict[str, tuple[Any, ...]] = {}
    for event_id in events:
        inputs, outputs = links[event_id]
        mixer = Mixer(
            [
                (Ingredient(lot, mass_g, compositions.get(lot, {})), current.get(lot))
                for lot, mass_g in inputs
            ]
        )
        for lot, _ in outputs:
            current[lot] = mixer.vector(compositions.get(lot, {}))
            rows[lot] = (lot, None, None, None, encode(current[lot]))
    _write(connection, list(rows.values()))


_LinkSides = tuple[list[tuple[str, int]], list[tuple[str, int]]]


def _links(connection: Connection, events: list[str]) -> dict[str, _LinkSides]:
    """(inputs, outputs) of each event, as (lot, grams)."""
    t = schema.lot_links
    found: dict[str, _LinkSides] = {e: ([], []) for e in events}
    for batch in chunks(events):
        query = t.select().with_only_columns(t.c.event_id, t.c.side, t.c.lot_id, t.c.mass_g)
        for row in connection.execute(query.where(t.c.event_id.in_(batch))):
            found[row.event_id][0 if row.side == "in" else 1].append((row.lot_id, row.mass_g))
    return found


def _compositions(connection: Connection, lot_ids: Iterable[str]) -> dict[str, dict[str, Decimal]]:
    t = schema.lots
    found: dict[str, dict[str, Decimal]] = {}
    for batch in chunks(sorted(set(lot_ids))):
        query = t.select().with_only_columns(t.c.lot_id, t.c.composition)
        for row in connection.execute(query.where(t.c.lot_id.in_(batch))):
            found[row.lot_id] = parse_composition(row.composition)
    return found


_ABOUT = (
    "SELECT o.lot_id, o.kind, o.country, o.mine, l.creator, l.event_id FROM lot_origins o "
    "JOIN lots l ON l.lot_id = o.lot_id WHERE o.lot_id IN ({ids})"
)
_ABOUT_FIELDS = ("lot_id", "kind", "country", "mine", "creator", "event_id")


def origin_lots(connection: Connection, lot_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What each of these origin lots is: kind, country, mine, creator and creating event."""
    return {
        row[0]: dict(zip(_ABOUT_FIELDS, row, strict=True))
        for row in rows_in(connection, _ABOUT, sorted(set(lot_ids)))
    }
