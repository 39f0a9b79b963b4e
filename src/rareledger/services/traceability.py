"""Trace a lot upstream to its origins and downstream to its holders and exports.

Origin shares are read from the lot's origin vector (the ``lot_origins`` projection), not
computed; the lots of the lineage come a page at a time, so that no answer is unbounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree

from rareledger.domain.lots import Lot
from rareledger.domain.origins import OriginVector
from rareledger.domain.quantities import format_kg
from rareledger.errors import Invalid, NotFound
from rareledger.services.reads import BadCursor, decode_cursor, encode_cursor, is_key
from rareledger.store import lineage, origins
from rareledger.store.database import Database, Transaction

# Lineage lots on one page of a trace: 50 fill a screen and the nearest four or five levels of a
# lineage, and cost half what 100 do (bench/README.md, trace.py); ``limit`` goes up to 1,000.
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
CUSTODY_LIMIT = 50  # moves of each lot on a page; more are left out and said so
# Whose chain of custody an upstream trace lists: the traced lot's (default), or every lot's
# on the page (a few moves a lot: it costs as much as the page's rows, so only when asked for).
CUSTODY_SCOPES = ("lot", "page")
MAX_DEPTH = 2**31 - 1  # processing steps a cursor may name


def _checked_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit"})
    return limit


def _read_page(
    connection: Transaction, lot_id: str, direction: str, cursor: str | None, limit: int
) -> lineage.Page:
    return lineage.page(connection, lot_id, direction, place_cursor(cursor), limit)


def _page_fields(
    connection: Transaction, lot_id: str, direction: str, page: lineage.Page, count: bool
) -> dict[str, Any]:
    """``more`` and ``next_cursor`` (opaque: the depth and id of the page's last lot), and the
    size of the whole lineage only when asked for (it costs the whole walk)."""
    fields: dict[str, Any] = {
        "more": page.more,
        "next_cursor": encode_cursor(list(page.places[-1])) if page.more else None,
    }
    if count:
        fields["total_lots"] = lineage.count(connection, lot_id, direction)
    return fields


def place_cursor(cursor: str | None) -> lineage.Place | None:
    """The (depth, lot id) a trace cursor points after (a 422 naming ``cursor`` otherwise)."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if not (
        isinstance(after, list)
        and len(after) == 2
        and type(after[0]) is int
        and 1 <= after[0] <= MAX_DEPTH
        and is_key(after[1])
    ):
        raise BadCursor
    return after[0], after[1]


def _page_lots(lot_id: str, page: lineage.Page) -> list[Lot]:
    """The traced lot, then the page's lots (retracted ones left out)."""
    if page.lot is None or page.lot.retracted:
        raise NotFound(f"no lot {lot_id!r}")
    return [page.lot, *(row for row in page.lots if not row.retracted)]


def trace_up(
    database: Database,
    lot_id: str,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    count: bool = False,
    custody: str = "lot",
) -> dict[str, Any]:
    """The lot's origins with their shares per element (read from its origin vector), one
    page of the lots it descends from, and the chain of custody of the lot (``custody="lot"``)
    or of every lot on the page (``"page"``); see docs/traceability.md."""
    limit = _checked_limit(limit)
    if custody not in CUSTODY_SCOPES:
        raise Invalid("custody must be lot or page", details={"field": "custody"})
    with database.read() as connection:
        page = _read_page(connection, lot_id, "up", cursor, limit)
        lots = _page_lots(lot_id, page)
        vector = origins.vectors(connection, [lot_id]).get(lot_id, {})
        named = {origin for entry in vector.values() for origin, _ in entry.top}
        about = origins.origin_lots(connection, named)
        moved = [lot_id] if custody == "lot" else [lot.lot_id for lot in lots]
        moves, complete = lineage.movements(connection, moved, limit=CUSTODY_LIMIT)
        statuses = lineage.provenances(connection, lots)
        paging = _page_fields(connection, lot_id, "up", page, count)
    return {
        "lot_id": lot_id,
        "provenance": statuses[lot_id],
        "lots": [
            _lot_summary(lot, page.inputs.get(lot.lot_id, ()), statuses[lot.lot_id]) for lot in lots
        ],
        **shares_of(vector, about),
        "custody": [_movement(m) for m in moves],
        "custody_complete": complete,
        "custody_scope": custody,
        "limit": limit,
        **paging,
    }


def shares_of(vector: OriginVector, about: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The trace's view of an origin vector: the named origins, the rest, and by country."""
    named: dict[str, dict[str, Any]] = {}
    for element, entry in vector.items():
        for origin, share in entry.top:
            found = about.get(origin, {})
            named.setdefault(
                origin,
                {
                    "lot_id": origin,
                    "kind": found.get("kind") or "unknown",
                    "enterprise_id": found.get("creator"),
                    "country": found.get("country"),
                    "mine": found.get("mine"),
                    "event_id": found.get("event_id"),
                    "shares": {},
                },
            )["shares"][element] = _share(share)
    return {
        "origins": [named[k] for k in sorted(named)],
        "other_origins": {e: _share(v.other) for e, v in vector.items() if v.other > 0},
        "unattributed": sorted(e for e, v in vector.items() if not v.top and v.other == 0),
        "unattributed_shares": {
            e: _share(v.unattributed) for e, v in vector.items() if v.unattributed > 0
        },
        "countries": {
            e: [
                {"kind": kind, "country": country or None, "share": _share(share)}
                for kind, country, share in v.countries
            ]
            for e, v in vector.items()
        },
    }


def _share(value: float) -> str:
    return f"{value:.6f}"


def trace_down(
    database: Database,
    lot_id: str,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    count: bool = False,
) -> dict[str, Any]:
    """One page of the lots made from this one, who holds them, and where they were exported."""
    limit = _checked_limit(limit)
    with database.read() as connection:
        page = _read_page(connection, lot_id, "down", cursor, limit)
        lots = _page_lots(lot_id, page)
        ids = [lot.lot_id for lot in lots]
        holders = [
            {"enterprise_id": holder, "lot_id": lot, "mass_kg": format_kg(grams)}
            for holder, lot, grams in lineage.holders_of(connection, ids)
        ]
        moves, complete = lineage.movements(connection, ids, limit=CUSTODY_LIMIT, kind="exported")
        statuses = lineage.provenances(connection, lots)
        paging = _page_fields(connection, lot_id, "down", page, count)
    return {
        "lot_id": lot_id,
        "provenance": statuses[lot_id],
        "lots": [
            _lot_summary(lot, page.inputs.get(lot.lot_id, ()), statuses[lot.lot_id]) for lot in lots
        ],
        "holders": holders,
        "exports": [
            {
                "event_id": event_id,
                "lot_id": lot,
                "exporter": exporter,
                "destination_country": country,
                "mass_kg": format_kg(grams),
            }
            for _, lot, _, event_id, exporter, country, grams, _ in moves
        ],
        "exports_complete": complete,
        "limit": limit,
        **paging,
    }


def lineage_events(database: Database, lot_id: str) -> set[str]:
    """The events that made the lot and every lot it descends from (a passport's evidence):
    one walk of the whole lineage, not page by page."""
    with database.read() as connection:
        return lineage.creating_events(connection, lot_id)


def _lot_summary(
    row: Lot, inputs: Iterable[tuple[str, int]], status: dict[str, Any]
) -> dict[str, Any]:
    return {
        "lot_id": row.lot_id,
        "form": row.form,
        "created_by": row.creator,
        "event_id": row.event_id,
        "mass_kg": format_kg(row.created_g),
        "composition": {k: str(v) for k, v in row.composition.items()},
        "provenance": status,
        "inputs": [{"lot_id": parent, "mass_kg": format_kg(grams)} for parent, grams in inputs],
    }


def _movement(move: lineage.Move) -> dict[str, Any]:
    _, lot_id, kind, event_id, from_holder, to_holder, grams, occurred_at = move
    return {
        "lot_id": lot_id,
        "event_id": event_id,
        "kind": kind,
        "from": from_holder,
        "to": to_holder,
        "mass_kg": format_kg(grams),
        "occurred_at": occurred_at,
    }


def status_text(lot: dict[str, Any]) -> str:
    """``clean``, or ``gap: CODE:EVENT ...`` (the unresolved causes)."""
    status = lot["provenance"]
    return " ".join([status["status"] + (":" if status["causes"] else ""), *status["causes"]])


def graphml(trace: dict[str, Any]) -> str:
    """A trace as GraphML: lots and origins as nodes, processing inputs as edges."""
    root = ElementTree.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, target in (
        ("form", "node"),
        ("created_by", "node"),
        ("mass_kg", "node"),
        ("provenance", "node"),
        ("input_kg", "edge"),
    ):
        ElementTree.SubElement(
            root, "key", {"id": key, "for": target, "attr.name": key, "attr.type": "string"}
        )
    graph = ElementTree.SubElement(root, "graph", id=trace["lot_id"], edgedefault="directed")
    for lot in trace["lots"]:
        node = ElementTree.SubElement(graph, "node", id=lot["lot_id"])
        for key in ("form", "created_by", "mass_kg"):
            ElementTree.SubElement(node, "data", key=key).text = str(lot[key])
        ElementTree.SubElement(node, "data", key="provenance").text = status_text(lot)
        for source in lot["inputs"]:
            edge = ElementTree.SubElement(
                graph, "edge", source=source["lot_id"], target=lot["lot_id"]
            )
            ElementTree.SubElement(edge, "data", key="input_kg").text = source["mass_kg"]
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
