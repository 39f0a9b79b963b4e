"""The ledger table: append entries, read the head, walk the chain."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, Select, select, update

from rareledger.domain.integrity import GENESIS_HASH, ChainBreak, ChainChecker, Entry, chain_hash
from rareledger.store import schema
from rareledger.store.bulk import bulk_write

READ_CHUNK = 5000
_ENTRY_FIELDS = [f.name for f in fields(Entry)]  # the columns an Entry is made of, in order
_SUPPLIED = _ENTRY_FIELDS.index("recorded_at_supplied")


def read_head(connection: Connection) -> tuple[int, str]:
    """The position and hash of the newest entry (0 and the genesis hash when empty)."""
    row = connection.execute(
        select(schema.ledger_head.c.position, schema.ledger_head.c.hash)
    ).first()
    return (row.position, row.hash) if row else (0, GENESIS_HASH)


def append(connection: Connection, entries: Sequence[Entry]) -> list[str]:
    """Chain and store entries after the head, and move the head; return their hashes.

    The entries' positions follow the head's without a gap (the caller numbered them while
    holding the write lock, which it still holds); their ``prev_hash`` is set here, so the
    chain is made in this one place.
    """
    if not entries:
        return []
    position, prev_hash = read_head(connection)
    rows, hashes = [], []
    for entry in entries:
        position += 1
        if entry.position != position:
            raise ValueError(f"entry {entry.position} does not follow position {position - 1}")
        entry_hash = chain_hash(entry, prev_hash)
        rows.append(_entry_row(entry, prev_hash, entry_hash))
        hashes.append(entry_hash)
        prev_hash = entry_hash
    bulk_write(connection, schema.ledger_entries, rows, replace=False)
    connection.execute(
        update(schema.ledger_head)
        .where(schema.ledger_head.c.id == 1)
        .values(position=position, hash=prev_hash)
    )
    return hashes


def _entry_row(entry: Entry, prev_hash: str, entry_hash: str) -> tuple[object, ...]:
    """The entry as a row of ``ledger_entries``, in column order."""
    return (
        entry.position,
        prev_hash,
        entry_hash,
        entry.kind,
        entry.type,
        entry.record_id,
        entry.event_id,
        entry.reporter,
        entry.occurred_at,
        entry.recorded_at,
        entry.recorded_at_supplied,
        entry.submitted_by,
        entry.digest,
        entry.record,
    )


def iter_entries(connection: Connection, start: int = 1) -> Iterator[tuple[Entry, str]]:
    """Every stored entry from ``start`` on, in position order, read in chunks."""
    table = schema.ledger_entries
    position = start - 1
    while True:
        rows = connection.execute(
            _entry_query().where(table.c.position > position).limit(READ_CHUNK)
        ).all()
        if not rows:
            return
        yield from _entries(rows)
        position = rows[-1].position


def entries_at(connection: Connection, positions: Iterable[int]) -> Iterator[tuple[Entry, str]]:
    """The stored entries at these positions, in position order, read in chunks."""
    table = schema.ledger_entries
    wanted = sorted(set(positions))
    for first in range(0, len(wanted), READ_CHUNK):
        chunk = wanted[first : first + READ_CHUNK]
        yield from _entries(connection.execute(_entry_query().where(table.c.position.in_(chunk))))


def _entry_query() -> Select[Any]:
    table = schema.ledger_entries
    columns = [table.c[name] for name in _ENTRY_FIELDS]
    return select(*columns, table.c.hash).order_by(table.c.position)


def _entries(rows: Iterable[Any]) -> Iterator[tuple[Entry, str]]:
    for *values, stored_hash in rows:
        values[_SUPPLIED] = bool(values[_SUPPLIED])  # an integer on SQLite
        yield Entry(*values), stored_hash


def verify_chain(connection: Connection) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; return how many entries were checked and the first break."""
    checker = ChainChecker()
    for entry, stored_hash in iter_entries(connection):
        checker.check(entry, stored_hash)
        if checker.first_break is not None:
            break
    head_position, head_hash = read_head(connection)
    return checker.checked, checker.finish(head_position, head_hash)
