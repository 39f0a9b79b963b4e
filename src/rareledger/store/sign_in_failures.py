"""Failed sign-ins and bad keys as stored: one row per subject (account, key or address).

These rows are the service's own (like accounts), not a projection of the ledger. They are
written in short transactions of their own that do not take the ledger's writer lock, so a
flood of bad credentials cannot hold up reports; rows that no longer matter are pruned as
new failures come in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from rareledger.domain.lockouts import Attempts
from rareledger.store import schema
from rareledger.store.database import Database, upsert

_TABLE = schema.sign_in_failures


def _attempts(row: Any) -> Attempts:
    locked = datetime.fromisoformat(row.locked_until) if row.locked_until else None
    return Attempts(
        row.subject,
        row.failures,
        datetime.fromisoformat(row.window_started_at),
        locked,
        row.lockouts,
    )


def _text(moment: datetime) -> str:
    """A UTC time as text that sorts as the time does."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _row(attempts: Attempts) -> dict[str, Any]:
    return {
        "subject": attempts.subject,
        "failures": attempts.failures,
        "window_started_at": _text(attempts.window_started_at),
        "locked_until": _text(attempts.locked_until) if attempts.locked_until else None,
        "lockouts": attempts.lockouts,
    }


def _read(
    connection: Connection, subjects: Iterable[str], lock: bool = False
) -> dict[str, Attempts]:
    query = select(_TABLE).where(_TABLE.c.subject.in_(sorted(set(subjects))))
    if lock:
        query = query.with_for_update()  # PostgreSQL: concurrent failures wait their turn
    return {row.subject: _attempts(row) for row in connection.execute(query)}


def attempts_of(database: Database, subjects: Iterable[str]) -> dict[str, Attempts]:
    """What is stored of these subjects."""
    with database.engine.connect() as connection:
        return _read(connection, subjects)


def record(
    database: Database, subjects: Iterable[str], change: Any, prune_before: datetime
) -> list[Attempts]:
    """Apply ``change(stored or None, subject) -> Attempts`` to each subject in one short
    transaction, and drop the rows of subjects that are neither locked nor counting since
    ``prune_before``; return the new records."""
    wanted = sorted(set(subjects))
    with database.engine.connect() as plain:
        connection = plain.execution_options(ledger_write=True)  # SQLite: BEGIN IMMEDIATE
        with connection.begin():
            changed = _change(connection, wanted, change)
            _prune(connection, _text(prune_before))
    return changed


def _change(connection: Connection, wanted: list[str], change: Any) -> list[Attempts]:
    stored = _read(connection, wanted, lock=True)
    changed = [change(stored.get(name), name) for name in wanted]
    upsert(connection, _TABLE, [_row(a) for a in changed])
    return changed


def _prune(connection: Connection, cutoff: str) -> None:
    connection.execute(
        delete(_TABLE).where(
            _TABLE.c.window_started_at < cutoff,
            (_TABLE.c.locked_until.is_(None)) | (_TABLE.c.locked_until < cutoff),
        )
    )


def forget(database: Database, subjects: Iterable[str]) -> int:
    """Start these subjects afresh (a successful sign-in, or a lock-out lifted)."""
    with database.engine.begin() as connection:
        result = connection.execute(delete(_TABLE).where(_TABLE.c.subject.in_(list(subjects))))
    return int(result.rowcount or 0)


def locked(database: Database, now: datetime) -> list[Attempts]:
    """Every subject locked out at ``now``, the latest lock-out first."""
    query = (
        select(_TABLE)
        .where(_TABLE.c.locked_until > _text(now))
        .order_by(_TABLE.c.locked_until.desc(), _TABLE.c.subject)
    )
    with database.engine.connect() as connection:
        return [_attempts(row) for row in connection.execute(query)]
