"""The fold as rows: one per fact (a shipment, an event's findings, the lots an entry made...).

A run writes only the rows of the keys its new entries touched (:class:`~.facts.Touched`): a
row for a key that holds a fact, a deletion for a key that no longer does (an event a correction
took back). Each row carries the ledger position that last wrote it, so that reading the rows
back in that order rebuilds the facts in the order a fold from the start would have made them
(the rules break ties between simultaneous events in that order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import groupby, islice
from operator import itemgetter
from typing import Any

import orjson

from rareledger.domain.detection.facts import Facts, Finding, Mined
from rareledger.domain.detection.folded import (
    Items,
    Received,
    exported_row,
    processed_row,
    shipped_row,
)

# (kind, key, ledger position, row as JSON text; None: no fact under that key any more)
FoldRow = tuple[str, str, int, str | None]
FLAG_KINDS = ("unlicensed", "retracted")
LISTED = ("quotas_t", "mined", "processed", "shipments", "receipts", "exports", "compositions")
KEYED = ("acquired", "lots", "relabelled")
KINDS = (*LISTED, *KEYED, "findings", *FLAG_KINDS)  # every kind of row
RESTORE_CHUNK = 20_000


def changed_rows(facts: Facts) -> Iterator[FoldRow]:
    """The rows of every key folding touched since the facts were last settled (a deletion
    only for a key whose fact was taken out)."""
    touched = facts.touched
    yield from _event_rows(facts, touched.events)
    for key in touched.removed & touched.events.keys():
        yield from _event_deletions(facts, key, touched.events[key])
    for position, made in touched.made.items():  # rows of lots made by one entry
        lots = [[lot, *facts.lots[lot]] for lot in made]
        yield "lots", f"{position:012d}", position, _json(lots)
    for lot, position in touched.lots.items():
        relabel = facts.relabelled.get(lot)
        if relabel or lot in touched.removed:
            yield "relabelled", lot, position, _json(relabel) if relabel else None
    for shipment, position in touched.receipts.items():
        r = facts.receipts.get(shipment)
        if r or shipment in touched.removed:
            text = _json([r.event_id, shipment, r.buyer, _receipt_items(facts, r)]) if r else None
            yield "receipts", shipment, position, text
    for (firm, year, kind), position in touched.quotas.items():
        value = facts.quotas_t.get((firm, year, kind))
        text = _json([firm, year, kind, str(value)]) if value is not None else None
        yield "quotas_t", _json([firm, year, kind]), position, text
    for index in range(touched.compositions_from, len(facts.compositions)):
        yield "compositions", f"{index:012d}", index, _json(facts.compositions[index])


def _event_rows(facts: Facts, events: dict[str, int]) -> Iterator[FoldRow]:
    """The rows of the touched events that hold a fact, going through whichever is smaller:
    the table (a fold from the start touches every event) or the touched events."""
    for kind, encode in ENCODERS.items():
        for event_id, value in _touched_items(getattr(facts, kind), events):
            yield kind, event_id, events[event_id], _json(encode(value))
    for kind in FLAG_KINDS:
        flagged: set[str] = getattr(facts, kind)
        for event_id in flagged & events.keys():
            yield kind, event_id, events[event_id], "1"


def _touched_items(table: dict[str, Any], events: dict[str, int]) -> Iterator[tuple[str, Any]]:
    if len(table) <= len(events):
        yield from ((key, value) for key, value in table.items() if key in events)
    else:
        yield from ((key, table[key]) for key in events if key in table)


def _event_deletions(facts: Facts, event_id: str, position: int) -> Iterator[FoldRow]:
    """A deletion of every per-event row an event taken out no longer has."""
    for kind in (*ENCODERS, *FLAG_KINDS):
        if event_id not in getattr(facts, kind):
            yield kind, event_id, position, None


def _receipt_items(facts: Facts, receipt: Received) -> Items | None:
    """What a receipt's row holds as items: None when they are the shipment's (most are;
    read back from the shipment's row). A correction that takes the shipment out rewrites
    the receipt's row, which then holds the items themselves."""
    shipped = facts.shipments.get(receipt.shipment_event_id)
    return None if shipped is not None and receipt.items is shipped.items else receipt.items


def _mined_row(m: Mined) -> list[Any]:
    return [m.event_id, m.enterprise_id, m.year, str(m.reo_t)]


def _findings_row(found: list[Finding]) -> list[list[str]]:
    return [[f.code, f.enterprise_id, f.event_id, f.period] for f in found]


# How each per-event table's facts are written (read back by Facts.restore).
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
    kind and position: the order the ledger wrote them in), settled. The rows are parsed
    ``RESTORE_CHUNK`` at a time."""
    facts = Facts(as_of=as_of)
    for kind, group in groupby(rows, key=itemgetter(0)):
        while chunk := list(islice(group, RESTORE_CHUNK)):
            values = orjson.loads("[" + ",".join(text for *_, text in chunk) + "]")
            facts.restore(kind, [key for _kind, key, _position, _text in chunk], values)
    facts.settle()
    return facts
