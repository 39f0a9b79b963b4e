"""Trace a lot upstream to its origins and downstream to its holders and exports.

Origin shares are read from the lot's origin vector (the ``lot_origins`` projection), not
computed; the lots of the lineage come a page at a time, so that no answer is unbounded.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from rareledger.domain.lots import Lot
from rareledger.domain.origins import OriginVector
from rareledger.domain.quantities import format_kg
from rareledger.errors import Invalid, NotFound
from rareledger.store import lineage, origins, queries
from rareledger.store.database import Database, Transaction

DEFAULT_LIMIT = 100  # lineage lots on one page of a trace
MAX_LIMIT = 1000
CUSTODY_LIMIT = 50  # moves of each lot on a page; more are left out and said so


def _checked_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit"})
    return limit


def _page_fields(page: lineage.Page, limit: int) -> dict[str, Any]:
    return {"total_lots": page.total, "limit": limit, "next_cursor": page.next_cursor}


def _page_lots(
    connection: Transaction, lot_id: str, page: lineage.Page
) -> tuple[list[Lot], dict[str, list[tuple[str, int]]]]:
    """The traced lot, then the page's lots (retracted ones left out), and their inputs."""
    lot = queries.lot(connection, lot_id)
    if lot is None or lot.retracted:
        raise NotFound(f"no lot {lot_id!r}")
    lots = [lot, *(row for row in page.lots if not row.retracted)]
    return lots, lineage.inputs_of(connection, [row.lot_id for row in lots])


def trace_up(
    database: Database, lot_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    """The lot's origins with their shares per element (read from its origin vector), and one
    page of the lots it descends from with their chain of custody (see docs/traceability.md).
    """
    limit = _checked_limit(limit)
    with database.read() as connection:
        page = lineage.page(connection, lot_id, "up", cursor or "", limit)
        lots, inputs = _page_lots(connection, lot_id, page)
        vector = origins.vectors(connection, [lot_id]).get(lot_id, {})
        named = {origin for entry in vector.values() for origin, _ in entry.top}
        about = origins.origin_lots(connection, named)
        custody, complete = lineage.movements(
            connection, [lot.lot_id for lot in lots], limit=CUSTODY_LIMIT
        )
        statuses = lineage.provenances(connection, lots)
    return {
        "lot_id": lot_id,
        "provenance": statuses[lot_id],
        "lots": [
            _lot_summary(lot, inputs.get(lot.lot_id, []), statuses[lot.lot_id]) for lot in lots
        ],
        **shares_of(vector, about),
        "custody": [_movement(m) for m in custody],
        "custody_complete": complete,
        **_page_fields(page, limit),
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
    database: Database, lot_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of the lots made from this one, who holds them, and where they were exported."""
    limit = _checked_limit(limit)
    with database.read() as connection:
        page = lineage.page(connection, lot_id, "down", cursor or "", limit)
        lots, inputs = _page_lots(connection, lot_id, page)
        ids = [lot.lot_id for lot in lots]
        holders = [
            {"enterprise_id": holder, "lot_id": lot, "mass_kg": format_kg(grams)}
            for holder, lot, grams in lineage.holders_of(connection, ids)
        ]
        moves, complete = lineage.movements(connection, ids, limit=CUSTODY_LIMIT, kind="exported")
        statuses = lineage.provenances(connection, lots)
    return {
        "lot_id": lot_id,
        "provenance": statuses[lot_id],
        "lots": [
            _lot_summary(lot, inputs.get(lot.lot_id, []), statuses[lot.lot_id]) for lot in lots
        ],
        "holders": holders,
        "exports": [
            {
                "event_id": m["event_id"],
                "lot_id": m["lot_id"],
                "exporter": m["from_holder"],
                "destination_country": m["to_holder"],
                "mass_kg": format_kg(m["mass_g"]),
            }
            for m in moves
        ],
        "exports_complete": complete,
        **_page_fields(page, limit),
    }


def whole_lineage(database: Database, lot_id: str) -> list[dict[str, Any]]:
    """Every lot the lot descends from (itself first), page by page: for a document that must
    name them all (a passport's evidence)."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        answer = trace_up(database, lot_id, cursor=cursor, limit=MAX_LIMIT)
        found.extend(answer["lots"] if not found else answer["lots"][1:])
        cursor = answer["next_cursor"]
        if cursor is None:
            return found


def _lot_summary(row: Lot, inputs: list[tuple[str, int]], status: dict[str, Any]) -> dict[str, Any]:
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


def _movement(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "lot_id": m["lot_id"],
        "event_id": m["event_id"],
        "kind": m["kind"],
        "from": m["from_holder"],
        "to": m["to_holder"],
        "mass_kg": format_kg(m["mass_g"]),
        "occurred_at": m["occurred_at"],
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
