"""Read-side SQL: lots, holdings, transit, findings and mass accounts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, or_, select

from rareledger.domain.lots import Lot
from rareledger.domain.quantities import format_kg
from rareledger.store import schema
from rareledger.store.lot_rows import lot_from_row


def lot(connection: Connection, lot_id: str) -> Lot | None:
    row = connection.execute(select(schema.lots).where(schema.lots.c.lot_id == lot_id)).first()
    return lot_from_row(row) if row else None


def lots(connection: Connection, lot_ids: list[str]) -> dict[str, Lot]:
    found: dict[str, Lot] = {}
    for start in range(0, len(lot_ids), 500):
        query = select(schema.lots).where(schema.lots.c.lot_id.in_(lot_ids[start : start + 500]))
        found.update((r.lot_id, lot_from_row(r)) for r in connection.execute(query))
    return found


def holders(connection: Connection, lot_id: str) -> list[tuple[str, int]]:
    b = schema.balances
    query = select(b.c.holder, b.c.mass_g).where(b.c.lot_id == lot_id, b.c.mass_g != 0)
    return [(r.holder, r.mass_g) for r in connection.execute(query.order_by(b.c.holder))]


def holdings(connection: Connection, enterprise_id: str) -> list[tuple[str, int]]:
    b = schema.balances
    query = select(b.c.lot_id, b.c.mass_g).where(b.c.holder == enterprise_id, b.c.mass_g != 0)
    return [(r.lot_id, r.mass_g) for r in connection.execute(query.order_by(b.c.lot_id))]


def _in_transit_query() -> Any:
    s, i = schema.shipments, schema.shipment_items
    return (
        select(s.c.event_id, s.c.seller, s.c.buyer, i.c.lot_id, i.c.shipped_g)
        .join(i, i.c.shipment_event_id == s.c.event_id)
        .where(s.c.receipt_event_id.is_(None), s.c.retracted.is_(False))
    )


def in_transit_from(connection: Connection, seller: str) -> list[tuple[str, str, str, int]]:
    """(shipment, buyer, lot, grams) shipped by ``seller`` and not yet received."""
    s = schema.shipments
    query = _in_transit_query().where(s.c.seller == seller).order_by(s.c.position)
    return [(r.event_id, r.buyer, r.lot_id, r.shipped_g) for r in connection.execute(query)]


def in_transit_of_lot(connection: Connection, lot_id: str) -> list[tuple[str, str, str, int]]:
    """(shipment, seller, buyer, grams) of one lot in transit."""
    s, i = schema.shipments, schema.shipment_items
    query = _in_transit_query().where(i.c.lot_id == lot_id).order_by(s.c.position)
    return [(r.event_id, r.seller, r.buyer, r.shipped_g) for r in connection.execute(query)]


def findings(
    connection: Connection,
    code: str | None = None,
    enterprise_id: str | None = None,
    include_retracted: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    f, e = schema.findings, schema.events
    query = (
        select(f, e.c.type)
        .join(e, e.c.event_id == f.c.event_id, isouter=True)
        .order_by(f.c.position, f.c.seq)
    )
    conditions = []
    if code:
        conditions.append(f.c.code == code)
    if enterprise_id:
        conditions.append(f.c.enterprise_id == enterprise_id)
    if not include_retracted:
        conditions.append(f.c.retracted.is_(False))
    if conditions:
        query = query.where(and_(*conditions))
    if limit:
        query = query.limit(limit)
    return [_finding(r) for r in connection.execute(query)]


def _finding(row: Any) -> dict[str, Any]:
    return {
        "position": row.position,
        "seq": row.seq,
        "event_id": row.event_id,
        "event_type": row.type,
        "code": row.code,
        "enterprise_id": row.enterprise_id,
        "lot_id": row.lot_id,
        "message": row.message,
        "details": json.loads(row.details),
        "retracted": bool(row.retracted),
    }


def finding_counts(connection: Connection) -> dict[str, int]:
    f = schema.findings
    query = (
        select(f.c.code, func.count())
        .where(f.c.retracted.is_(False))
        .group_by(f.c.code)
        .order_by(f.c.code)
    )
    return {str(row[0]): int(row[1]) for row in connection.execute(query)}


def all_lots(connection: Connection) -> list[Lot]:
    return [
        lot_from_row(r)
        for r in connection.execute(select(schema.lots).order_by(schema.lots.c.lot_id))
    ]


def balance_totals(connection: Connection) -> dict[str, int]:
    b = schema.balances
    query = select(b.c.lot_id, func.sum(b.c.mass_g)).group_by(b.c.lot_id)
    return {lot_id: int(total) for lot_id, total in connection.execute(query).all()}


def transit_totals(connection: Connection) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in connection.execute(_in_transit_query()):
        totals[row.lot_id] = totals.get(row.lot_id, 0) + row.shipped_g
    return totals


def dump(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection row, sorted: two equal dumps mean two equal states."""
    result = {}
    for table in schema.PROJECTIONS:
        rows = connection.execute(select(table)).all()
        result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result


def findings_page(
    connection: Connection,
    *,
    after: tuple[int, int] | None,
    limit: int,
    code: str | None = None,
    enterprise_id: str | None = None,
) -> list[dict[str, Any]]:
    """Findings in ledger order after a (position, seq) cursor."""
    f, e = schema.findings, schema.events
    query = (
        select(f, e.c.type)
        .join(e, e.c.event_id == f.c.event_id, isouter=True)
        .where(f.c.retracted.is_(False))
        .order_by(f.c.position, f.c.seq)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            or_(f.c.position > after[0], and_(f.c.position == after[0], f.c.seq > after[1]))
        )
    if code:
        query = query.where(f.c.code == code)
    if enterprise_id:
        query = query.where(f.c.enterprise_id == enterprise_id)
    return [_finding(r) for r in connection.execute(query)]


def events_page(
    connection: Connection,
    *,
    after: int | None,
    limit: int,
    reporter: str | None = None,
    event_type: str | None = None,
) -> list[dict[str, Any]]:
    """Accepted events (replacements included) in ledger order after a position cursor."""
    e = schema.events
    query = select(e).order_by(e.c.position, e.c.event_id).limit(limit)
    if after is not None:
        query = query.where(e.c.position > after)
    if reporter:
        query = query.where(e.c.reporter == reporter)
    if event_type:
        query = query.where(e.c.type == event_type)
    return [_event_summary(r) for r in connection.execute(query)]


def _event_summary(row: Any) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "type": row.type,
        "reporter": row.reporter,
        "position": row.position,
        "retracted_by": row.retracted_by,
        "via_correction": row.via_correction,
    }


def event_record(connection: Connection, event_id: str) -> dict[str, Any] | None:
    """An accepted event as reported, with its ledger position, hash and recording time."""
    e, entries = schema.events, schema.ledger_entries
    row = connection.execute(select(e).where(e.c.event_id == event_id)).first()
    if row is None:
        return None
    entry = connection.execute(
        select(entries.c.record, entries.c.hash, entries.c.recorded_at).where(
            entries.c.position == row.position
        )
    ).one()
    record = json.loads(entry.record)
    if row.via_correction is not None:
        record = record["replacement"]
    return {
        **_event_summary(row),
        "hash": entry.hash,
        "recorded_at": entry.recorded_at,
        "record": record,
    }


def shipment_parties(connection: Connection, shipment_event_id: str) -> tuple[str, str] | None:
    s = schema.shipments
    row = connection.execute(
        select(s.c.seller, s.c.buyer).where(s.c.event_id == shipment_event_id)
    ).first()
    return (row.seller, row.buyer) if row else None


def lot_involves(connection: Connection, lot_id: str, enterprise_id: str) -> bool:
    """Whether an enterprise created, held, sold or bought some of a lot."""
    b, lt, s, i = schema.balances, schema.lots, schema.shipments, schema.shipment_items
    checks = [
        select(b.c.lot_id).where(b.c.lot_id == lot_id, b.c.holder == enterprise_id),
        select(lt.c.lot_id).where(lt.c.lot_id == lot_id, lt.c.creator == enterprise_id),
        select(i.c.lot_id)
        .join(s, s.c.event_id == i.c.shipment_event_id)
        .where(i.c.lot_id == lot_id, or_(s.c.seller == enterprise_id, s.c.buyer == enterprise_id)),
    ]
    return any(connection.execute(q.limit(1)).first() is not None for q in checks)


def master_page(
    connection: Connection,
    record_type: str,
    *,
    after: str | None,
    limit: int,
    enterprise_id: str | None = None,
) -> list[dict[str, Any]]:
    """Current master records of one type, by id."""
    if record_type == "enterprise":
        t = schema.enterprises
        query = select(t.c.id, t.c.position, t.c.record).order_by(t.c.id)
        if enterprise_id:
            query = query.where(t.c.id == enterprise_id)
    else:
        t = schema.master_records
        query = (
            select(t.c.id, t.c.position, t.c.record).where(t.c.type == record_type).order_by(t.c.id)
        )
        if enterprise_id:
            query = query.where(t.c.enterprise_id == enterprise_id)
    if after is not None:
        query = query.where(t.c.id > after)
    return [
        {**json.loads(r.record), "position": r.position}
        for r in connection.execute(query.limit(limit))
    ]


def registry_summaries(
    connection: Connection, kind: str, key: str | None = None
) -> list[dict[str, Any]]:
    """The listed fields of every registry object of a kind (``registry_codec.summary``), in
    key order; only the one with ``key`` when it is given."""
    t = schema.registry
    query = select(t.c.summary).where(t.c.kind == kind).order_by(t.c.key)
    if key is not None:
        query = query.where(t.c.key == key)
    return [orjson.loads(r.summary) for r in connection.execute(query)]


def registry_keys(connection: Connection, kind: str) -> list[str]:
    t = schema.registry
    return [r.key for r in connection.execute(select(t.c.key).where(t.c.kind == kind))]


def registry_items(connection: Connection, kind: str) -> list[Any]:
    """Every export-control object of a kind, in key order."""
    from rareledger.store import registry_codec

    t = schema.registry
    query = select(t.c.data).where(t.c.kind == kind).order_by(t.c.key)
    return [registry_codec.decode(r.data) for r in connection.execute(query)]


def exported_by_element_and_destination(connection: Connection) -> dict[tuple[str, str], Decimal]:
    """Kilograms of each element exported to each country (retracted exports left out)."""
    e, entries = schema.events, schema.ledger_entries
    query = (
        select(entries.c.record)
        .join(e, e.c.position == entries.c.position)
        .where(e.c.type == "export", e.c.retracted_by.is_(None), e.c.via_correction.is_(None))
    )
    records = [json.loads(r.record) for r in connection.execute(query)]
    lot_ids = sorted({i["lot_id"] for r in records for i in r["items"]})
    compositions = {k: v.composition for k, v in lots(connection, lot_ids).items()}
    totals: dict[tuple[str, str], Decimal] = {}
    for record in records:
        for item in record["items"]:
            for symbol, fraction in compositions.get(item["lot_id"], {}).items():
                key = (symbol, record["destination_country"])
                totals[key] = totals.get(key, Decimal(0)) + fraction * Decimal(item["mass_kg"])
    return totals


def registry_entry(connection: Connection, kind: str, key: str) -> Any:
    from rareledger.store import registry_codec

    t = schema.registry
    row = connection.execute(select(t.c.data).where(t.c.kind == kind, t.c.key == key)).first()
    return registry_codec.decode(row.data) if row else None


def lots_page(
    connection: Connection,
    *,
    after: str | None,
    limit: int,
    form: str | None = None,
    holder: str | None = None,
) -> list[dict[str, Any]]:
    """Lots in id order after a cursor; with ``holder``, only lots it holds some of."""
    t, b = schema.lots, schema.balances
    query = select(t).where(t.c.retracted.is_(False)).order_by(t.c.lot_id).limit(limit)
    if after is not None:
        query = query.where(t.c.lot_id > after)
    if form:
        query = query.where(t.c.form == form)
    if holder:
        held = select(b.c.lot_id).where(b.c.holder == holder, b.c.mass_g != 0)
        query = query.where(t.c.lot_id.in_(held))
    return [
        {
            "lot_id": row.lot_id,
            "form": row.form,
            "composition": {k: str(v) for k, v in row.composition.items()},
            "created_kg": format_kg(row.created_g),
        }
        for row in (lot_from_row(r) for r in connection.execute(query))
    ]


def entries_hashes_and_findings(
    connection: Connection, positions: list[int]
) -> tuple[dict[int, str], dict[int, list[dict[str, str]]]]:
    """The hash and the current findings (code, message) of the entries at ``positions``."""
    entries, found = schema.ledger_entries, schema.findings
    query = select(entries.c.position, entries.c.hash).where(entries.c.position.in_(positions))
    hashes = {int(row.position): str(row.hash) for row in connection.execute(query)}
    flags: dict[int, list[dict[str, str]]] = {}
    for row in connection.execute(
        select(found.c.position, found.c.code, found.c.message)
        .where(found.c.position.in_(positions), found.c.retracted.is_(False))
        .order_by(found.c.position, found.c.seq)
    ):
        flags.setdefault(row.position, []).append({"code": row.code, "message": row.message})
    return hashes, flags
