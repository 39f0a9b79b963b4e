"""The fold as rows: one per fact (a shipment, a lot, an event's findings...), kept in a table.

A run writes only the rows of the keys its new entries touched (:class:`~.facts.Touched`): a
row for a key that holds a fact, a deletion for a key that no longer does (an event a correction
took back). Each row carries the ledger position that last wrote it, so that reading the rows
back in that order rebuilds the facts in the order a fold from the start would have made them
(the rules break ties between simultaneous events in that order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson

from rareledger.domain.detection.facts import Facts, Finding, Mined
from rareledger.domain.detection.folded import exported_row, processed_row, shipped_row

# (kind, key, ledger position, row as JSON text; None: no fact under that key any more)
FoldRow = tuple[str, str, int, str | None]
FLAG_KINDS = ("unlicensed", "retracted")
LISTED = ("quotas_t", "mined", "processed", "shipments", "receipts", "exports", "compositions")
KEYED = ("acquired", "lots", "relabelled")
KINDS = (*LISTED, *KEYED, "findings", *FLAG_KINDS)  # every kind of row


def changed_rows(facts: Facts) -> Iterator[FoldRow]:
    """The rows of every key folding touched since the facts were last settled (a deletion
    only for a key whose fact was taken out)."""
    touched = facts.touched
    for row in _touched_rows(facts):
        if row[3] is not None or row[1] in touched.removed:
            yield row
    for index in range(touched.compositions_from, len(facts.compositions)):
        yield "compositions", f"{index:012d}", index, _json(facts.compositions[index])


def _touched_rows(facts: Facts) -> Iterator[FoldRow]:
    touched = facts.touched
    for kind, encode in ENCODERS.items():
        table = getattr(facts, kind)
        for event_id, position in touched.events.items():
            value = table.get(event_id)
            yield kind, event_id, position, None if value is None else _json(encode(value))
    for kind in FLAG_KINDS:
        flagged = getattr(facts, kind)
        for event_id, position in touched.events.items():
            yield kind, event_id, position, "1" if event_id in flagged else None
    for lot, position in touched.lots.items():
        known, relabel = facts.lots.get(lot), facts.relabelled.get(lot)
        yield "lots", lot, position, _json(known) if known else None
        yield "relabelled", lot, position, _json(relabel) if relabel else None
    for shipment, position in touched.receipts.items():
        r = facts.receipts.get(shipment)
        text = _json([r.event_id, r.shipment_event_id, r.buyer, r.items]) if r else None
        yield "receipts", shipment, position, text
    for (firm, year, kind), position in touched.quotas.items():
        value = facts.quotas_t.get((firm, year, kind))
        text = _json([firm, year, kind, str(value)]) if value is not None else None
        yield "quotas_t", _json([firm, year, kind]), position, text


def _mined_row(m: Mined) -> list[Any]:
    return [m.event_id, m.enterprise_id, m.year, str(m.reo_t)]


def _findings_row(found: list[Finding]) -> list[list[str]]:
    return [[f.code, f.enterprise_id, f.event_id, f.period] for f in found]


# How each per-event table's facts are written (read back by Facts.from_state).
ENCODERS: dict[str, Callable[[Any], Any]] = {
    "mined": _mined_row,
    "processed": processed_row,
    "shipments": shipped_row,
    "exports": exported_row,
    "acquired": list,
    "findings": _findings_row,
}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def facts_from_rows(as_of: datetime, rows: Iterable[tuple[str, str, int, str]]) -> Facts:
    """The facts the saved rows hold (each row as (kind, key, position, JSON text), ordered by
    kind and position: the order the ledger wrote them in), settled."""
    keys: dict[str, list[str]] = {}
    values: dict[str, list[Any]] = {}
    for kind, group in groupby(rows, key=itemgetter(0)):
        found = list(group)
        keys[kind] = [key for _kind, key, _p, _text in found]
        values[kind] = orjson.loads("[" + ",".join(text for *_, text in found) + "]")
    state = {
        "as_of": as_of.isoformat(),
        **{kind: values.get(kind, []) for kind in LISTED},
        **{
            kind: dict(zip(keys.get(kind, []), values.get(kind, []), strict=True)) for kind in KEYED
        },
        "findings": [found for event in values.get("findings", []) for found in event],
        **{kind: keys.get(kind, []) for kind in FLAG_KINDS},
    }
    facts = Facts.from_state(state)
    facts.settle()
    return facts
