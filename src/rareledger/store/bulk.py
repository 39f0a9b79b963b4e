"""The bulk path of the ledger: many rows of one table in one call.

Rows are tuples of every column in the table's order. SQLite takes them through the
driver's ``executemany`` with a statement SQLAlchemy compiles once. PostgreSQL takes large
sets through ``COPY``, the fastest way in: straight into the table for plain inserts, or into
a session's staging table followed by one ``INSERT ... SELECT ... ON CONFLICT`` for upserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

COPY_FROM_ROWS = 64  # fewer rows go through executemany on PostgreSQL too

_STATEMENTS: dict[tuple[str, str, bool], str] = {}
_QMARK_SQLITE = sqlite.dialect(paramstyle="qmark")


def bulk_write(
    connection: Connection, table: Table, rows: Sequence[tuple[Any, ...]], *, replace: bool = True
) -> None:
    """Insert rows (replacing those whose primary key exists unless ``replace`` is False)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _copy(connection, table, rows, replace)
        return
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(_statement(connection, table, replace), rows)
    finally:
        cursor.close()


def _statement(connection: Connection, table: Table, replace: bool) -> str:
    """An insert (or upsert) of every column of ``table`` in order, positional parameters."""
    name = connection.dialect.name
    key = (name, table.name, replace)
    if key not in _STATEMENTS:
        statement = insert_statement(name, table, [c.name for c in table.columns], replace)
        dialect: Any = _QMARK_SQLITE
        if name == "postgresql":
            dialect = postgresql_psycopg.dialect(paramstyle="format")  # type: ignore[no-untyped-call]
        columns = [c.name for c in table.columns]
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        assert list(compiled.positiontup or []) == columns, (table.name, compiled.positiontup)
        _STATEMENTS[key] = compiled.string
    return _STATEMENTS[key]


def insert_statement(dialect: str, table: Table, keys: Sequence[str], replace: bool) -> Any:
    """An insert of ``keys`` into ``table``, or with ``replace`` an upsert that sets every key
    outside the primary key (``ON CONFLICT DO UPDATE``, the same on both databases)."""
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    if not replace:
        return insert
    primary = [c.name for c in table.primary_key.columns]
    return insert.on_conflict_do_update(
        index_elements=primary,
        set_={k: insert.excluded[k] for k in keys if k not in primary},
    )


def _others(table: Table, primary: list[str]) -> list[Any]:
    return [c for c in table.columns if c.name not in primary]


def _copy(
    connection: Connection, table: Table, rows: Sequence[tuple[Any, ...]], replace: bool
) -> None:
    columns = ", ".join(c.name for c in table.columns)
    target = f"rl_stage_{table.name}" if replace else table.name
    cursor: Any = connection.connection.cursor()
    try:
        if replace:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} "
                f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
        with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if replace:
            cursor.execute(_merge(table, target))
            cursor.execute(f"TRUNCATE {target}")
    finally:
        cursor.close()


def _merge(table: Table, staging: str) -> str:
    """Move the staged rows into the table, replacing rows with the same primary key."""
    primary = [c.name for c in table.primary_key.columns]
    columns = ", ".join(c.name for c in table.columns)
    updates = ", ".join(f"{c.name} = EXCLUDED.{c.name}" for c in _others(table, primary))
    return (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {staging} "
        f"ON CONFLICT ({', '.join(primary)}) DO UPDATE SET {updates}"
    )
