"""Detection's tables: alerts and their case history, the record of runs, the saved fold.

Alerts, their history and the runs are the regulator's own records (migrated, never rebuilt
from the ledger); the saved fold (``detection_state``, where it stopped, and ``detection_fold``,
one row per fact) is a cache. ``schema.py`` re-exports them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from rareledger.store.metadata import metadata

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(32), primary_key=True),
    Column("code", String(64), nullable=False, index=True),
    Column("severity", String(16), nullable=False),
    Column("enterprise_ids", Text, nullable=False),
    Column("event_ids", Text, nullable=False),
    Column("period", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("assignee", String(128)),
    Column("first_as_of", String(40), nullable=False),
    Column("last_as_of", String(40), nullable=False),
    Column("last_run", Integer),  # the latest run that found it
    Column("resolved_run", Integer),  # the run that found its cause gone (status resolved)
    Column("resolved_reason", Text),
    # The queue's order, so that a page of it stops at its limit instead of sorting every alert
    Index("ix_alerts_queue", "period", "code", "alert_id"),
)

detection_runs = Table(
    "detection_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", String(40), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("incremental", Boolean, nullable=False),
    Column("entries_read", BigInteger, nullable=False),
    Column("rules", Text, nullable=False),  # JSON list of the rule codes run
    Column("parameters", Text, nullable=False),  # JSON: settings and reference data used
    Column("counts", Text, nullable=False),  # JSON: alerts, new, resolved, reopened, by code
)

alert_history = Table(
    "alert_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(32), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)

detection_state = Table(
    "detection_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("as_of", String(40), nullable=False),
    Column("saved_at", String(40), nullable=False),
    Column("state", LargeBinary, nullable=False),
)

# One row per fact of the fold (a shipment, a lot, an event's findings...): ``kind`` names the
# table of facts, ``key`` the fact, ``position`` the ledger entry that last wrote it (the rows
# are read back in that order), ``row`` the fact as JSON.
detection_fold = Table(
    "detection_fold",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(300), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("row", Text, nullable=False),
    sqlite_with_rowid=False,
)
