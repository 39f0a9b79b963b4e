"""What a checkpoint records of the ledger, and what the ledger holds at a checkpoint's position."""

from __future__ import annotations

from sqlalchemy import Connection, select

from rareledger.store import schema
from rareledger.store.log import read_head


def head(connection: Connection) -> tuple[int, str]:
    """The ledger's head: its last position and hash."""
    return read_head(connection)


def hash_at(connection: Connection, position: int) -> str | None:
    """The stored hash of the entry at ``position`` (None when there is none)."""
    t = schema.ledger_entries
    found = connection.execute(select(t.c.hash).where(t.c.position == position)).scalar()
    return str(found) if found is not None else None
