"""Trace a lot upstream to its origins and downstream to its holders and exports."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from rareledger.domain.lots import Lot
from rareledger.domain.origins import Input, origin_shares
from rareledger.domain.quantities import format_kg
from rareledger.errors import NotFound
from rareledger.store import lineage, queries
from rareledger.store.database import Database


def _origin(row: Lot, event: dict[str, Any] | None, home: str | None) -> dict[str, Any]:
    """Where a root lot came from: its import's origin country, or the country (``home``)
    of the enterprise that mined it, and the mine."""
    record = event["record"] if event else {}
    kind = event["type"] if event else "unknown"
    if kind == "import":
        country, site = record.get("origin_country"), None
    else:
        country, site = home, record.get("facility_id")
    return {
        "lot_id": row.lot_id,
        "kind": kind,
        "enterprise_id": row.creator,
        "country": country,
        "mine": site,
        "event_id": row.event_id,
    }


def trace_up(database: Database, lot_id: str) -> dict[str, Any]:
    """Origins (with shares per element), the lots between, and the chain of custody."""
    with database.read() as connection:
        edges = lineage.upstream_edges(connection, lot_id)
        rows = lineage.upstream_lots(connection, lot_id)
        if lot_id not in rows:
            raise NotFound(f"no lot {lot_id!r}")
        inputs: dict[str, list[Input]] = {}
        for edge in edges:
            inputs.setdefault(edge.child, []).append(Input(edge.parent, edge.mass_g))
        roots = [r for r in rows.values() if r.lot_id not in inputs]
        origins = {
            r.lot_id: _origin(
                r,
                queries.event_record(connection, r.event_id),
                lineage.home_country(connection, r.creator),
            )
            for r in roots
        }
        custody = lineage.movements(connection, list(rows))
        statuses = lineage.provenances(connection, rows.values())
    shares = origin_shares(lot_id, inputs, {k: v.composition for k, v in rows.items()})
    for element, by_origin in shares.items():
        for origin, share in by_origin.items():
            origins[origin].setdefault("shares", {})[element] = f"{share:.6f}"
    return {
        "lot_id": lot_id,
        "provenance": statuses[lot_id],
        "lots": [_lot_summary(rows[k], inputs.get(k, []), statuses[k]) for k in sorted(rows)],
        "origins": [{**o, "shares": o.get("shares", {})} for o in origins.values()],
        "custody": [_movement(m) for m in custody],
        "unattributed": sorted(e for e, by_origin in shares.items() if not by_origin),
    }


def trace_down(database: Database, lot_id: str) -> dict[str, Any]:
    """Every descendant lot, every holder, and every export."""
    with database.read() as connection:
        edges = lineage.downstream_edges(connection, lot_id)
        rows = lineage.downstream_lots(connection, lot_id)
        if lot_id not in rows:
            raise NotFound(f"no lot {lot_id!r}")
        holders = [
            {"enterprise_id": holder, "lot_id": lot, "mass_kg": format_kg(grams)}
            for holder, lot, grams in lineage.holders_of(connection, list(rows))
        ]
        moves = lineage.movements(connection, list(rows))
        statuses = lineage.provenances(connection, rows.values())
    inputs: dict[str, list[Input]] = {}
    for edge in edges:
        inputs.setdefault(edge.child, []).append(Input(edge.parent, edge.mass_g))
    return {
        "lot_id": lot_id,
        "provenance": statuses[lot_id],
        "lots": [_lot_summary(rows[k], inputs.get(k, []), statuses[k]) for k in sorted(rows)],
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
            if m["kind"] == "exported"
        ],
    }


def _lot_summary(row: Lot, inputs: list[Input], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "lot_id": row.lot_id,
        "form": row.form,
        "created_by": row.creator,
        "event_id": row.event_id,
        "mass_kg": format_kg(row.created_g),
        "composition": {k: str(v) for k, v in row.composition.items()},
        "provenance": status,
        "inputs": [{"lot_id": i.parent, "mass_kg": format_kg(i.mass_g)} for i in inputs],
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
