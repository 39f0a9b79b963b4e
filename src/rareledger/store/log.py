"""The ledger table: append entries, read the head, walk the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from sqlalchemy import Connection, select, update

from rareledger.domain.integrity import GENESIS_HASH, ChainBreak, ChainChecker, Entry
from rareledger.store import schema
from rareledger.store.database import insert_rows

READ_CHUNK = 5000


def read_head(connection: Connection) -> tuple[int, str]:
    """The position and hash of the newest entry (0 and the genesis hash when empty)."""
    row = connection.execute(
        select(schema.ledger_head.c.position, schema.ledger_head.c.hash)
    ).first()
    return (row.position, row.hash) if row else (0, GENESIS_HASH)


def append(connection: Connection, entries: list[tuple[Entry, str]]) -> None:
    """Store entries (each with its hash) and move the head; the caller holds the write lock."""
    if not entries:
        return
    names = [f.name for f in fields(Entry)]
    insert_rows(
        connection,
        schema.ledger_entries,
        [
            {**{name: getattr(entry, name) for name in names}, "hash": digest}
            for entry, digest in entries
        ],
    )
    last, last_hash = entries[-1]
    connection.execute(
        update(schema.ledger_head)
        .where(schema.ledger_head.c.id == 1)
        .values(position=last.position, hash=last_hash)
    )


def iter_entries(connection: Connection, start: int = 1) -> Iterator[tuple[Entry, str]]:
    """Every stored entry from ``start`` on, in position order, read in chunks."""
    table = schema.ledger_entries
    columns = [c for c in table.columns if c.name != "hash"]
    position = start - 1
    while True:
        rows = connection.execute(
            select(*columns, table.c.hash)
            .where(table.c.position > position)
            .order_by(table.c.position)
            .limit(READ_CHUNK)
        ).all()
        if not rows:
            return
        for row in rows:
            values = row._asdict()
            stored_hash = values.pop("hash")
            values["recorded_at_supplied"] = bool(values["recorded_at_supplied"])
            yield Entry(**values), stored_hash
        position = rows[-1].position


def verify_chain(connection: Connection) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; return how many entries were checked and the first break."""
    checker = ChainChecker()
    for entry, stored_hash in iter_entries(connection):
        checker.check(entry, stored_hash)
        if checker.first_break is not None:
            break
    head_position, head_hash = read_head(connection)
    return checker.checked, checker.finish(head_position, head_hash)
