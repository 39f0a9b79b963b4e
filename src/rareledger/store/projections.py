"""Read the projections into the domain's state objects, and write changes back.

:class:`SqlStateSource` implements :class:`rareledger.domain.state.StateSource` over one
open transaction; :func:`write_changes` persists what a batch changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, select, update

from rareledger.domain.events import Event
from rareledger.domain.records import ParsedRecord, canonical_json, parse_record
from rareledger.domain.state import (
    BalanceKey,
    Changes,
    EnterpriseState,
    EventState,
    LotState,
    MasterState,
    ShipmentState,
)
from rareledger.store import registry_codec, schema
from rareledger.store.database import insert_rows, upsert
from rareledger.store.queries import parse_composition

CHUNK = 500
T = TypeVar("T")


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _composition(text: str) -> dict[str, Decimal]:
    return dict(parse_composition(text))


class SqlStateSource:
    """Bulk readers of the projections within one transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _rows(self, table: Any, column: Any, ids: Iterable[str]) -> Iterator[Any]:
        for batch in chunks(ids):
            yield from self.connection.execute(select(table).where(column.in_(batch)))

    def enterprises(self, ids: Iterable[str]) -> dict[str, EnterpriseState]:
        t = schema.enterprises
        return {
            r.id: EnterpriseState(
                r.id,
                tuple(json.loads(r.roles)),
                r.status,
                r.country,
                r.digest,
                r.position,
                json.loads(r.record),
            )
            for r in self._rows(t, t.c.id, ids)
        }

    def masters(self, type_: str, ids: Iterable[str]) -> dict[str, MasterState]:
        t = schema.master_records
        found = {}
        for batch in chunks(ids):
            query = select(t).where(t.c.type == type_, t.c.id.in_(batch))
            for r in self.connection.execute(query):
                found[r.id] = MasterState(
                    r.id,
                    r.type,
                    r.enterprise_id,
                    r.kind,
                    r.digest,
                    r.position,
                    json.loads(r.record),
                )
        return found

    def lots(self, ids: Iterable[str]) -> dict[str, LotState]:
        t = schema.lots
        return {
            r.lot_id: LotState(
                r.lot_id,
                r.form,
                _composition(r.composition),
                r.creator,
                r.event_id,
                r.position,
                r.created_g,
                r.consumed_g,
                r.exported_g,
                r.adjusted_g,
                r.discrepancy_g,
                bool(r.retracted),
            )
            for r in self._rows(t, t.c.lot_id, ids)
        }

    def balances(self, keys: Iterable[BalanceKey]) -> dict[BalanceKey, int]:
        """The requested balances, plus the other holders of the same lots (also current)."""
        t = schema.balances
        lot_ids = {lot_id for lot_id, _ in keys}
        return {(r.lot_id, r.holder): r.mass_g for r in self._rows(t, t.c.lot_id, lot_ids)}

    def shipments(self, ids: Iterable[str]) -> dict[str, ShipmentState]:
        t, items = schema.shipments, schema.shipment_items
        heads = {r.event_id: r for r in self._rows(t, t.c.event_id, ids)}
        shipped: dict[str, dict[str, int]] = {k: {} for k in heads}
        received: dict[str, dict[str, int]] = {k: {} for k in heads}
        for r in self._rows(items, items.c.shipment_event_id, heads):
            shipped[r.shipment_event_id][r.lot_id] = r.shipped_g
            if r.received_g is not None:
                received[r.shipment_event_id][r.lot_id] = r.received_g
        return {
            k: ShipmentState(
                k,
                r.seller,
                r.buyer,
                r.position,
                shipped[k],
                received[k] if r.receipt_event_id else None,
                r.receipt_event_id,
                bool(r.retracted),
            )
            for k, r in heads.items()
        }

    def events(self, ids: Iterable[str]) -> dict[str, EventState]:
        t = schema.events
        return {
            r.event_id: EventState(
                r.event_id,
                r.position,
                r.type,
                r.reporter,
                r.digest,
                r.retracted_by,
                r.via_correction,
            )
            for r in self._rows(t, t.c.event_id, ids)
        }

    def registry(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        t = schema.registry
        found: dict[str, Any] = {}
        for batch in chunks(keys):
            query = select(t.c.key, t.c.data).where(t.c.kind == kind, t.c.key.in_(batch))
            found.update(
                (r.key, registry_codec.decode(r.data)) for r in self.connection.execute(query)
            )
        return found

    def registry_all(self, kind: str) -> dict[str, Any]:
        t = schema.registry
        query = select(t.c.key, t.c.data).where(t.c.kind == kind)
        return {r.key: registry_codec.decode(r.data) for r in self.connection.execute(query)}

    def event_value(self, event_id: str) -> Event:
        """The accepted event (or correction replacement) with this id, from the ledger."""
        index = self.events([event_id])[event_id]
        entries = schema.ledger_entries
        text = self.connection.execute(
            select(entries.c.record).where(entries.c.position == index.position)
        ).scalar_one()
        record = json.loads(text, parse_float=Decimal)
        if index.via_correction is not None:
            record = record["replacement"]
        parsed = parse_record(record, allow_recorded_at=True)
        assert isinstance(parsed, ParsedRecord), parsed
        assert isinstance(parsed.value, Event)
        return parsed.value


# ---------------------------------------------------------------- writing


def _lot_row(lot: LotState) -> dict[str, Any]:
    return {
        "lot_id": lot.lot_id,
        "form": lot.form,
        "composition": canonical_json({k: str(v) for k, v in lot.composition.items()}),
        "creator": lot.creator,
        "event_id": lot.event_id,
        "position": lot.position,
        "created_g": lot.created_g,
        "consumed_g": lot.consumed_g,
        "exported_g": lot.exported_g,
        "adjusted_g": lot.adjusted_g,
        "discrepancy_g": lot.discrepancy_g,
        "retracted": lot.retracted,
    }


def _master_row(m: MasterState) -> dict[str, Any]:
    return {
        "type": m.type,
        "id": m.id,
        "enterprise_id": m.enterprise_id,
        "kind": m.kind,
        "digest": m.digest,
        "position": m.position,
        "record": canonical_json(m.record),
    }


def write_changes(
    connection: Connection, dirty: dict[str, dict[Any, Any]], changes: Changes
) -> None:
    """Persist the rows a batch changed, then its findings and lineage edges."""
    upsert(
        connection,
        schema.enterprises,
        [
            {
                "id": e.id,
                "roles": json.dumps(list(e.roles)),
                "status": e.status,
                "country": e.country,
                "digest": e.digest,
                "position": e.position,
                "record": canonical_json(e.record),
            }
            for e in dirty["enterprises"].values()
            if e is not None
        ],
    )
    upsert(
        connection,
        schema.master_records,
        [
            _master_row(m)
            for name in ("facilities", "quotas")
            for m in dirty[name].values()
            if m is not None
        ],
    )
    upsert(connection, schema.lots, [_lot_row(v) for v in dirty["lots"].values() if v])
    upsert(
        connection,
        schema.balances,
        [
            {"lot_id": lot_id, "holder": holder, "mass_g": mass}
            for (lot_id, holder), mass in dirty["balances"].items()
        ],
    )
    _write_shipments(connection, [s for s in dirty["shipments"].values() if s is not None])
    upsert(
        connection,
        schema.events,
        [
            {
                "event_id": e.event_id,
                "position": e.position,
                "type": e.type,
                "reporter": e.reporter,
                "digest": e.digest,
                "retracted_by": e.retracted_by,
                "via_correction": e.via_correction,
            }
            for e in dirty["events"].values()
            if e is not None
        ],
    )
    _write_registry(connection, dirty["registry"])
    _write_findings_and_edges(connection, changes)


def _write_registry(connection: Connection, rows: dict[tuple[str, str], Any]) -> None:
    keep, drop = [], []
    for (kind, key), value in rows.items():
        if value is None:
            drop.append((kind, key))
            continue
        position, data = registry_codec.encode(value)
        keep.append({"kind": kind, "key": key, "position": position, "data": data})
    upsert(connection, schema.registry, keep)
    for kind, key in drop:
        connection.execute(
            delete(schema.registry).where(
                schema.registry.c.kind == kind, schema.registry.c.key == key
            )
        )


def _write_shipments(connection: Connection, shipments: list[ShipmentState]) -> None:
    upsert(
        connection,
        schema.shipments,
        [
            {
                "event_id": s.event_id,
                "seller": s.seller,
                "buyer": s.buyer,
                "position": s.position,
                "receipt_event_id": s.receipt_event_id,
                "retracted": s.retracted,
            }
            for s in shipments
        ],
    )
    upsert(
        connection,
        schema.shipment_items,
        [
            {
                "shipment_event_id": s.event_id,
                "lot_id": lot_id,
                "shipped_g": mass,
                "received_g": None if s.received is None else s.received.get(lot_id, 0),
            }
            for s in shipments
            for lot_id, mass in s.items.items()
        ],
    )


def _write_findings_and_edges(connection: Connection, changes: Changes) -> None:
    if changes.findings:
        insert_rows(
            connection,
            schema.findings,
            [
                {
                    "position": f.position,
                    "seq": f.seq,
                    "event_id": f.event_id,
                    "code": f.finding.code,
                    "enterprise_id": f.finding.enterprise_id,
                    "lot_id": f.finding.lot_id,
                    "message": f.finding.message,
                    "details": canonical_json(f.finding.details),
                    "retracted": False,
                }
                for f in changes.findings
            ],
        )
    if changes.links:
        insert_rows(
            connection,
            schema.lot_links,
            [
                {
                    "event_id": k.event_id,
                    "side": k.side,
                    "lot_id": k.lot_id,
                    "position": k.position,
                    "mass_g": k.mass_g,
                }
                for k in changes.links
            ],
        )
    for batch in chunks(changes.retracted_findings):
        connection.execute(
            update(schema.findings)
            .where(schema.findings.c.event_id.in_(batch))
            .values(retracted=True)
        )
    if changes.movements:
        insert_rows(
            connection,
            schema.lot_movements,
            [
                {
                    "lot_id": m.lot_id,
                    "event_id": m.event_id,
                    "kind": m.kind,
                    "from_holder": m.from_holder,
                    "to_holder": m.to_holder,
                    "mass_g": m.mass_g,
                    "position": m.position,
                    "occurred_at": m.occurred_at,
                }
                for m in changes.movements
            ],
        )
    for batch in chunks(changes.retracted_edges):
        connection.execute(
            delete(schema.lot_movements).where(schema.lot_movements.c.event_id.in_(batch))
        )
        connection.execute(delete(schema.lot_links).where(schema.lot_links.c.event_id.in_(batch)))


def clear_projections(connection: Connection) -> None:
    """Empty every projection table (the ledger itself is never touched)."""
    for table in reversed(schema.PROJECTIONS):
        connection.execute(delete(table))
