"""The projections the ledger rules read and write: bulk reads into the domain's rows, and one
write per batch of the typed changes (:class:`ProjectionChanges`).

Writes go straight to the driver's ``executemany`` with positional rows, through statements
SQLAlchemy compiles once per dialect (:func:`rareledger.store.database.bulk_write`): this is
the ledger's bulk path, and the rows are plain columns that need no per-row processing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, select, update

from rareledger.domain.canonical import canonical_json
from rareledger.domain.events import Event
from rareledger.domain.ledger.model import (
    BalanceKey,
    EnterpriseState,
    EventIndex,
    MasterState,
    ProjectionChanges,
    ShipmentState,
)
from rareledger.domain.lots import Lot, composition_text
from rareledger.domain.records import ParsedRecord, parse_record
from rareledger.store import registry_codec, schema
from rareledger.store.bulk import bulk_write
from rareledger.store.lot_rows import LOT_COLUMNS, lot_from_tuple
from rareledger.store.origins import write_origins

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


class SqlStateSource:
    """Bulk readers of the projections within one transaction.

    The hot readers (lots, balances, shipments, events) run plain SQL, the same text on both
    databases, straight on the driver: ``IN`` lists of up to :data:`CHUNK` keys.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.marker = "%s" if connection.dialect.name == "postgresql" else "?"

    def _rows(self, table: Any, column: Any, ids: Iterable[str]) -> Iterator[Any]:
        for batch in chunks(ids):
            yield from self.connection.execute(select(table).where(column.in_(batch)))

    def _select_in(self, columns: str, table: str, key: str, ids: Iterable[str]) -> list[Any]:
        """Rows of ``SELECT columns FROM table WHERE key IN (ids)``, as driver tuples."""
        found: list[Any] = []
        cursor = self.connection.connection.cursor()
        try:
            for batch in chunks(ids):
                marks = ",".join([self.marker] * len(batch))
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})", batch)
                found.extend(cursor.fetchall())
        finally:
            cursor.close()
        return found

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

    def lots(self, ids: Iterable[str]) -> dict[str, Lot]:
        rows = self._select_in(LOT_COLUMNS, "lots", "lot_id", ids)
        return {r[0]: lot_from_tuple(r) for r in rows}

    def balances(self, lot_ids: Iterable[str]) -> dict[BalanceKey, int]:
        """Every holder's balance of the given lots."""
        rows = self._select_in("lot_id, holder, mass_g", "balances", "lot_id", lot_ids)
        return {(lot_id, holder): mass_g for lot_id, holder, mass_g in rows}

    def shipments(self, ids: Iterable[str]) -> dict[str, ShipmentState]:
        columns = "event_id, seller, buyer, position, receipt_event_id, retracted"
        heads = {r[0]: r for r in self._select_in(columns, "shipments", "event_id", ids)}
        if not heads:
            return {}
        shipped: dict[str, dict[str, int]] = {k: {} for k in heads}
        received: dict[str, dict[str, int]] = {k: {} for k in heads}
        item_columns = "shipment_event_id, lot_id, shipped_g, received_g"
        for event_id, lot_id, shipped_g, received_g in self._select_in(
            item_columns, "shipment_items", "shipment_event_id", heads
        ):
            shipped[event_id][lot_id] = shipped_g
            if received_g is not None:
                received[event_id][lot_id] = received_g
        return {
            k: ShipmentState(
                k,
                seller,
                buyer,
                position,
                shipped[k],
                received[k] if receipt_id else None,
                receipt_id,
                bool(retracted),
            )
            for k, (_, seller, buyer, position, receipt_id, retracted) in heads.items()
        }

    def events(self, ids: Iterable[str]) -> dict[str, EventIndex]:
        columns = "event_id, position, type, reporter, digest, retracted_by, via_correction"
        return {r[0]: EventIndex(*r) for r in self._select_in(columns, "events", "event_id", ids)}

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

    def event_value(self, index: EventIndex) -> Event:
        """The accepted event (or correction replacement) with this index, from the ledger."""
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


def write_changes(connection: Connection, changes: ProjectionChanges) -> None:
    """Persist what one batch changed: upserts of changed rows, inserts of new records."""
    bulk_write(connection, schema.enterprises, [_enterprise_row(e) for e in changes.enterprises])
    bulk_write(connection, schema.master_records, [_master_row(m) for m in changes.masters])
    bulk_write(connection, schema.lots, [_lot_row(lot) for lot in changes.lots])
    bulk_write(connection, schema.balances, changes.balances)
    _write_shipments(connection, changes.shipments)
    bulk_write(
        connection,
        schema.events,
        [
            (e.event_id, e.position, e.type, e.reporter, e.digest, e.retracted_by, e.via_correction)
            for e in changes.events
        ],
    )
    _write_registry(connection, changes)
    _write_records(connection, changes)
    write_origins(connection, changes.origins)  # after the links: it reads them


def _enterprise_row(e: EnterpriseState) -> tuple[Any, ...]:
    return (
        e.id,
        json.dumps(list(e.roles)),
        e.status,
        e.country,
        e.digest,
        e.position,
        canonical_json(e.record),
    )


def _master_row(m: MasterState) -> tuple[Any, ...]:
    return (m.type, m.id, m.enterprise_id, m.kind, m.digest, m.position, canonical_json(m.record))


def _lot_row(lot: Lot) -> tuple[Any, ...]:
    return (
        lot.lot_id,
        lot.form,
        composition_text(lot.composition),
        lot.creator,
        lot.event_id,
        lot.position,
        lot.created_g,
        lot.consumed_g,
        lot.exported_g,
        lot.adjusted_g,
        lot.discrepancy_g,
        lot.retracted,
        " ".join(lot.gap_causes),
    )


def _write_shipments(connection: Connection, shipments: list[ShipmentState]) -> None:
    bulk_write(
        connection,
        schema.shipments,
        [
            (s.event_id, s.seller, s.buyer, s.position, s.receipt_event_id, s.retracted)
            for s in shipments
        ],
    )
    bulk_write(
        connection,
        schema.shipment_items,
        [
            (
                s.event_id,
                lot_id,
                mass_g,
                None if s.received is None else s.received.get(lot_id, 0),
            )
            for s in shipments
            for lot_id, mass_g in s.items.items()
        ],
    )


def _write_registry(connection: Connection, changes: ProjectionChanges) -> None:
    keep, drop = [], []
    for kind, key, value in changes.registry:
        if value is None:
            drop.append((kind, key))
            continue
        position, data = registry_codec.encode(value)
        keep.append((kind, key, position, data, registry_codec.summary(kind, data)))
    bulk_write(connection, schema.registry, keep)
    t = schema.registry
    for kind, key in drop:
        connection.execute(delete(t).where(t.c.kind == kind, t.c.key == key))


def _write_records(connection: Connection, changes: ProjectionChanges) -> None:
    bulk_write(
        connection,
        schema.findings,
        [
            (
                f.position,
                f.seq,
                f.event_id,
                f.finding.code,
                f.finding.enterprise_id,
                f.finding.lot_id,
                f.finding.message,
                canonical_json(f.finding.details),
                False,
            )
            for f in changes.findings
        ],
        replace=False,
    )
    bulk_write(
        connection,
        schema.lot_links,
        [(k.event_id, k.side, k.lot_id, k.position, k.mass_g) for k in changes.links],
        replace=False,
    )
    bulk_write(
        connection,
        schema.lot_movements,
        [
            (
                m.lot_id,
                m.event_id,
                m.kind,
                m.from_holder,
                m.to_holder,
                m.mass_g,
                m.position,
                m.occurred_at,
            )
            for m in changes.movements
        ],
        replace=False,
    )
    for batch in chunks(changes.retracted_events):
        connection.execute(
            update(schema.findings)
            .where(schema.findings.c.event_id.in_(batch))
            .values(retracted=True)
        )
        connection.execute(
            delete(schema.lot_movements).where(schema.lot_movements.c.event_id.in_(batch))
        )
        connection.execute(delete(schema.lot_links).where(schema.lot_links.c.event_id.in_(batch)))


def clear_projections(connection: Connection) -> None:
    """Empty every projection table (the ledger itself is never touched)."""
    for table in reversed(schema.PROJECTIONS):
        connection.execute(delete(table))
