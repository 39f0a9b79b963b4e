"""Table definitions (SQLAlchemy Core), the same for SQLite and PostgreSQL.

``ledger_entries`` and ``ledger_head`` are the ledger itself. Every other table is a
projection: rebuilt from the ledger by ``rareledger rebuild``. Masses are integer grams.
Projections keyed by text are clustered on their key in SQLite (``WITHOUT ROWID``): one
B-tree per table instead of a table and its key index, which halves the bulk path's writes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from rareledger.store.detection_tables import (
    alert_history,
    alerts,
    detection_fold,
    detection_runs,
    detection_state,
)
from rareledger.store.metadata import metadata

__all__ = [
    "alert_history",
    "alerts",
    "detection_fold",
    "detection_runs",
    "detection_state",
    "metadata",
]

ID = String(128)
HASH = String(64)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("prev_hash", HASH, nullable=False),
    Column("hash", HASH, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("type", String(32), nullable=False),
    Column("record_id", ID, nullable=False),
    Column("event_id", ID, unique=True),  # events only: an event id is stored once
    Column("reporter", ID),
    Column("occurred_at", String(40)),
    Column("recorded_at", String(40), nullable=False),
    Column("recorded_at_supplied", Boolean, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("digest", HASH, nullable=False),
    Column("record", Text, nullable=False),
    # The day an entry's event occurred, beside its position: counting findings as of a day
    # joins them to it without reading the entries' records
    Index("ix_ledger_entries_occurred", "position", "occurred_at"),
)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
    Column("hash", HASH, nullable=False),
)

# ---------------------------------------------------------------- accounts (migrated, mutable)

accounts = Table(
    "accounts",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("enterprise_id", ID),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("enterprise_id", ID),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("public_key", Text, nullable=False),
    Column("encrypted_private_key", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("retired_at", String(40)),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("subject", String(300), primary_key=True),  # account:NAME, key:ID, address:IP
    Column("failures", Integer, nullable=False),
    Column("window_started_at", String(40), nullable=False),
    Column("locked_until", String(40)),
    Column("lockouts", Integer, nullable=False),
)

# ---------------------------------------------------------------- projections

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", ID, primary_key=True),
    Column("roles", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("country", String(2), nullable=False),
    Column("digest", HASH, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("record", Text, nullable=False),
    sqlite_with_rowid=False,
)

master_records = Table(
    "master_records",
    metadata,
    Column("type", String(16), primary_key=True),
    Column("id", ID, primary_key=True),
    Column("enterprise_id", ID, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("digest", HASH, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("record", Text, nullable=False),
    sqlite_with_rowid=False,
)

lots = Table(
    "lots",
    metadata,
    Column("lot_id", ID, primary_key=True),
    Column("form", String(32), nullable=False),
    Column("composition", Text, nullable=False),
    Column("creator", ID, nullable=False),
    Column("event_id", ID, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("created_g", BigInteger, nullable=False),
    Column("consumed_g", BigInteger, nullable=False),
    Column("exported_g", BigInteger, nullable=False),
    Column("adjusted_g", BigInteger, nullable=False),
    Column("discrepancy_g", BigInteger, nullable=False),
    Column("retracted", Boolean, nullable=False),
    Column("gap_causes", Text, nullable=False),  # "code:event_id" separated by spaces
    Index("ix_lots_form", "form", "lot_id"),  # the lots list by form, in id order
    sqlite_with_rowid=False,
)

balances = Table(
    "balances",
    metadata,
    Column("lot_id", ID, primary_key=True),
    Column("holder", ID, primary_key=True),
    Column("mass_g", BigInteger, nullable=False),
    Index("ix_balances_holder", "holder"),
    sqlite_with_rowid=False,
)

shipments = Table(
    "shipments",
    metadata,
    Column("event_id", ID, primary_key=True),
    Column("seller", ID, nullable=False, index=True),
    Column("buyer", ID, nullable=False, index=True),
    Column("position", BigInteger, nullable=False),
    Column("receipt_event_id", ID),
    Column("retracted", Boolean, nullable=False),
    sqlite_with_rowid=False,
)

shipment_items = Table(
    "shipment_items",
    metadata,
    Column("shipment_event_id", ID, primary_key=True),
    Column("lot_id", ID, primary_key=True),
    Column("shipped_g", BigInteger, nullable=False),
    Column("received_g", BigInteger),
    sqlite_with_rowid=False,
)

events = Table(
    "events",
    metadata,
    Column("event_id", ID, primary_key=True),
    Column("position", BigInteger, nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("reporter", ID, nullable=False),
    Column("digest", HASH, nullable=False),
    Column("retracted_by", ID),
    Column("via_correction", ID),
    # the events list by reporter or type, in ledger order (no page reads past its rows)
    Index("ix_events_reporter", "reporter", "position"),
    Index("ix_events_type", "type", "position"),
    sqlite_with_rowid=False,
)

lot_links = Table(
    "lot_links",
    metadata,
    Column("event_id", ID, primary_key=True),
    Column("side", String(3), primary_key=True),  # "in" (mass_g taken) or "out" (mass_g made)
    Column("lot_id", ID, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("mass_g", BigInteger, nullable=False),
    Index("ix_lot_links_lot", "lot_id", "side"),
    sqlite_with_rowid=False,
)

# Each lot's origin vector (rareledger.domain.origins): per element, the largest shares by origin
# lot, the rest summed, and exact shares by kind and country, as compact JSON. Kept beside
# ``lots`` rather than in it, so that the rules, which read lots all the time, never read it.
# An origin lot (an extraction or an import) also says what it is: kind, country and mine.
lot_origins = Table(
    "lot_origins",
    metadata,
    Column("lot_id", ID, primary_key=True),
    Column("kind", String(16)),
    Column("country", String(2)),
    Column("mine", ID),
    Column("shares", Text, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", ID, nullable=False, index=True),
    Column("code", String(64), nullable=False),
    Column("enterprise_id", ID, nullable=False),
    Column("lot_id", ID),
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("retracted", Boolean, nullable=False),
    # the findings list by code or enterprise, in ledger order
    Index("ix_findings_code", "code", "position", "seq"),
    Index("ix_findings_enterprise", "enterprise_id", "position", "seq"),
)

lot_movements = Table(
    "lot_movements",
    metadata,
    Column("lot_id", ID, primary_key=True),
    Column("event_id", ID, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("from_holder", ID),
    Column("to_holder", ID),
    Column("mass_g", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Index("ix_lot_movements_event", "event_id"),
    sqlite_with_rowid=False,
)

registry = Table(
    "registry",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", ID, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    # the fields a list shows, for kinds whose objects are long (registry_codec.summary)
    Column("summary", Text, nullable=True),
    sqlite_with_rowid=False,
)

# EPCIS: one row per EPCIS event (an event of rareledger's vocabulary, a correction's error
# declaration and corrective event, or an ``epcis_event`` record), indexed for the query
# interface, and its multi-valued keys (EPCs, classes, sources, destinations, transactions).
epcis_events = Table(
    "epcis_events",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash_id", String(100), nullable=False),
    Column("declared", Boolean, nullable=False),
    Column("event_id", Text),
    Column("event_type", String(64), nullable=False),
    Column("event_time", String(40), nullable=False),
    Column("record_time", String(40), nullable=False),
    Column("action", String(16)),
    Column("biz_step", Text),
    Column("disposition", Text),
    Column("read_point", Text),
    Column("biz_location", Text),
    Column("reporter", ID),
    Column("counterparty", ID),
    Column("document", Text, nullable=False),
    Index("ix_epcis_events_hash", "hash_id", "declared"),
    Index("ix_epcis_events_event_id", "event_id"),
    Index("ix_epcis_events_type_time", "event_type", "event_time"),
    Index("ix_epcis_events_event_time", "event_time"),
    Index("ix_epcis_events_record_time", "record_time"),
    Index("ix_epcis_events_biz_step", "biz_step"),
    Index("ix_epcis_events_reporter", "reporter"),
    Index("ix_epcis_events_counterparty", "counterparty"),
)

epcis_keys = Table(
    "epcis_keys",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(64), primary_key=True),
    Column("value", String(512), primary_key=True),
    Index("ix_epcis_keys_value", "kind", "value"),
    sqlite_with_rowid=False,
)

epcis_indexed = Table(
    "epcis_indexed",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
)

PROJECTIONS = (
    enterprises,
    master_records,
    lots,
    balances,
    shipments,
    shipment_items,
    events,
    lot_links,
    findings,
    registry,
    lot_movements,
    lot_origins,
    epcis_events,
    epcis_keys,
    epcis_indexed,
)
# Bump when a projection table changes: `rareledger init` then recreates the projections and
# rebuilds them from the ledger (they are never migrated).
PROJECTION_VERSION = 8  # 8: registry.summary (7: lot_origins, and list indexes led by their filter)

epcis_capture_jobs = Table(
    "epcis_capture_jobs",
    metadata,
    Column("capture_id", String(32), primary_key=True),
    Column("submitted_by", String(200), nullable=False),
    Column("enterprise_id", ID),
    Column("error_behaviour", String(16), nullable=False),
    Column("running", Boolean, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("event_count", Integer, nullable=False),
    Column("errors", Text, nullable=False),
)

projection_meta = Table(
    "projection_meta",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
)
