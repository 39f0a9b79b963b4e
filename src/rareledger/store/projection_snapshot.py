"""Compare the projections with a copy kept of them, inside one transaction.

`rareledger verify --projections` keeps a copy of every projection table in temporary tables,
rebuilds the projections from the ledger in their place, and asks here for the first row that
differs; the caller then rolls the transaction back, so neither the copies nor the rebuilt
rows outlive it. Rows are compared whole (SQL ``EXCEPT`` both ways), table by table in the
order of :data:`rareledger.store.schema.PROJECTIONS`, and the first difference is the one
with the smallest primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, text

from rareledger.store import schema

_KEPT = "rl_kept_"  # prefix of the temporary copies


@dataclass(frozen=True, slots=True)
class RowDifference:
    """The first projection row that differs: its table and key, and the row as stored
    (None: the ledger gives a row that is not stored) and as the ledger gives it (None: a
    stored row the ledger does not give)."""

    table: str
    key: dict[str, Any]
    stored: dict[str, Any] | None
    rebuilt: dict[str, Any] | None


def keep(connection: Connection) -> int:
    """Copy every projection table into a temporary table; return how many rows were kept."""
    rows = 0
    for table in schema.PROJECTIONS:
        connection.execute(
            text(f"CREATE TEMP TABLE {_KEPT}{table.name} AS SELECT * FROM {table.name}")
        )
        rows += int(
            connection.execute(text(f"SELECT COUNT(*) FROM {_KEPT}{table.name}")).scalar() or 0
        )
    return rows


def first_difference(connection: Connection) -> RowDifference | None:
    """The first row in which the projections (as rebuilt now) and their kept copies differ."""
    for table in schema.PROJECTIONS:
        found = _first_in(connection, table)
        if found is not None:
            return found
    return None


def _first_in(connection: Connection, table: Table) -> RowDifference | None:
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(c.name) for c in table.columns)
    key = [c.name for c in table.primary_key.columns]
    keys = ", ".join(quote(k) for k in key)
    kept = f"{_KEPT}{table.name}"
    query = text(
        f"SELECT {keys} FROM (SELECT {columns} FROM {table.name} EXCEPT "
        f"SELECT {columns} FROM {kept}) AS rebuilt_only UNION "
        f"SELECT {keys} FROM (SELECT {columns} FROM {kept} EXCEPT "
        f"SELECT {columns} FROM {table.name}) AS stored_only ORDER BY {keys} LIMIT 1"
    )
    row = connection.execute(query).first()
    if row is None:
        return None
    where = dict(zip(key, row, strict=True))
    return RowDifference(
        table.name, where, _row(connection, kept, where), _row(connection, table.name, where)
    )


def _row(connection: Connection, name: str, where: dict[str, Any]) -> dict[str, Any] | None:
    quote = connection.dialect.identifier_preparer.quote
    condition = " AND ".join(f"{quote(column)} = :{column}" for column in where)
    found = connection.execute(text(f"SELECT * FROM {name} WHERE {condition}"), where).first()
    return dict(found._mapping) if found is not None else None
