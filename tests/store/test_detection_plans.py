"""The plans of detection's list queries (runs and alerts), on SQLite and PostgreSQL: printed
(``pytest -s`` shows them), and failed if one scans a table whole where an index serves.

Each query is captured as the store runs it and explained with the same parameters. On
PostgreSQL sequential scans are discouraged first (``enable_seqscan = off``): one that remains
has no index to use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, event

from rareledger.store import alerts, detection_runs
from rareledger.store.database import Database

QUERIES: dict[str, Callable[[Connection], object]] = {
    "runs page": lambda c: detection_runs.runs(c, limit=20),
    "runs page before a run": lambda c: detection_runs.runs(c, limit=20, before=5),
    "alerts of a status": lambda c: alerts.alerts(c, status="open"),
    "alerts of a code": lambda c: alerts.alerts(c, code="shipment_not_received"),
    "alert queue page": lambda c: alerts.alert_page(c, alerts.AlertQuery(), 200, 100),
    "alert queue page of a code": lambda c: alerts.alert_page(
        c, alerts.AlertQuery(code="shipment_not_received"), 0, 100
    ),
}


def _captured(database: Database, query: Callable[[Connection], object]) -> tuple[str, Any]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read() as connection:
            query(connection)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    # the last query: a queue page counts and lists its codes first, then reads the page
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")][-1]


def _plan(database: Database, statement: str, parameters: Any) -> list[str]:
    with database.read() as connection:
        if database.dialect == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return [str(row[3]) for row in rows]
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return [str(row[0]) for row in rows]


@pytest.mark.parametrize("name", list(QUERIES))
def test_list_queries_use_their_index(database: Database, name: str) -> None:
    statement, parameters = _captured(database, QUERIES[name])
    plan = _plan(database, statement, parameters)
    print(f"\n{database.dialect} {name}:\n  " + "\n  ".join(plan))
    text = "\n".join(plan)
    assert "Seq Scan" not in text, text
    if database.dialect != "sqlite":
        return
    if name.startswith("runs"):
        # Newest first is the primary key read backwards: no sort, and the one scan allowed is
        # the unfiltered page's, which stops at its limit.
        assert "TEMP B-TREE" not in text, text
        assert all(line == "SCAN detection_runs" for line in plan if line.startswith("SCAN"))
    elif name == "alert queue page":
        # The unfiltered queue walks its order's index and stops at the page: no sort
        assert "TEMP B-TREE" not in text, text
        assert any(line.startswith("SCAN alerts USING INDEX ix_alerts_queue") for line in plan)
    else:  # a filtered list sorts its matches, found through the filter's index
        assert any(line.startswith("SEARCH alerts USING INDEX") for line in plan), text
