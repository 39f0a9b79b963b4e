"""The record of detection runs: when each judged the ledger, with what, and what it found."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select, update

from rareledger.store import schema

_JSON_COLUMNS = ("rules", "parameters", "counts")


def start(
    connection: Connection,
    *,
    as_of: str,
    started_at: str,
    actor: str,
    rules: list[str],
    parameters: dict[str, Any],
) -> int:
    """Record a run (its figures filled in by :func:`finish` in the same transaction); its id."""
    t = schema.detection_runs
    result = connection.execute(
        t.insert().values(
            as_of=as_of,
            started_at=started_at,
            duration_ms=0,
            actor=actor,
            incremental=False,
            entries_read=0,
            rules=json.dumps(rules),
            parameters=json.dumps(parameters),
            counts="{}",
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish(
    connection: Connection,
    run_id: int,
    *,
    duration_ms: int,
    incremental: bool,
    entries_read: int,
    counts: dict[str, Any],
) -> None:
    t = schema.detection_runs
    connection.execute(
        update(t)
        .where(t.c.run_id == run_id)
        .values(
            duration_ms=duration_ms,
            incremental=incremental,
            entries_read=entries_read,
            counts=json.dumps(counts),
        )
    )


def runs(connection: Connection, *, limit: int, before: int | None = None) -> list[dict[str, Any]]:
    """The latest runs first (those before run ``before`` when given), at most ``limit``."""
    t = schema.detection_runs
    query = select(t).order_by(t.c.run_id.desc()).limit(limit)
    if before is not None:
        query = query.where(t.c.run_id < before)
    return [_run(row) for row in connection.execute(query)]


def run(connection: Connection, run_id: int) -> dict[str, Any] | None:
    t = schema.detection_runs
    row = connection.execute(select(t).where(t.c.run_id == run_id)).first()
    return _run(row) if row else None


def _run(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in _JSON_COLUMNS:
        values[name] = json.loads(values[name])
    values["incremental"] = bool(values["incremental"])
    return values
